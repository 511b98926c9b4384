import type { RequestSpec } from '../connection/connection.js';
import type { Reply } from '../connection/exchange.js';
import { buildMultipart, type AiaaImage } from '../connection/multipart-writer.js';
import { AiaaError } from '../errors.js';

/** The model's AIAA config (Clara's `config_aiaa.json`): a JSON object, or its text as read from the MMAR. */
export type AiaaModelConfig = Readonly<Record<string, unknown>> | string;

/** What `putModel` uploads: the model's AIAA config and its weights (a TorchScript file, or the testkit's JSON). */
export interface PutModelInput {
  readonly config: AiaaModelConfig;
  readonly weights: AiaaImage;
  /** The weights' file name as the server sees it. Default `model.ts`. */
  readonly weightsFileName?: string;
}

type Send = (spec: Omit<RequestSpec, 'kind'>, metadata: boolean) => Promise<Reply>;

/** Checks a model name for the admin path: one path segment, no control characters (`AIAA_INVALID_ARGUMENT` otherwise). */
export function checkModelName(name: string, operation: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name === '' || name.length > 200 || /[/\\\0-\x1f\x7f]/.test(name) || name === '.' || name === '..') {
    throw new AiaaError(
      'AIAA_INVALID_ARGUMENT',
      `${operation}: a model name must be 1..200 characters without slashes or control characters`,
      {
        details: { operation },
      },
    );
  }
}

function configText(config: AiaaModelConfig, operation: string): string {
  if (typeof config === 'string') {
    try {
      const parsed: unknown = JSON.parse(config);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return config;
    } catch (error) {
      throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: the model config is not valid JSON`, {
        details: { operation },
        cause: error,
      });
    }
  } else if (config && typeof config === 'object' && !Array.isArray(config)) {
    return JSON.stringify(config);
  }
  throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: the model config must be a JSON object`, { details: { operation } });
}

function objectOf(reply: Reply, operation: string): Record<string, unknown> {
  if (reply.kind === 'json' && reply.value && typeof reply.value === 'object' && !Array.isArray(reply.value))
    return reply.value as Record<string, unknown>;
  if (reply.kind === 'json') return { value: reply.value };
  throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: expected a JSON reply`, { details: { operation, kind: reply.kind } });
}

/** The admin model calls (`PUT`/`GET`/`DELETE /admin/model/{name}`), bound to a client's transport. */
export function adminCalls(send: Send) {
  return {
    async putModel(
      name: string,
      input: PutModelInput,
      call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
    ): Promise<Record<string, unknown>> {
      checkModelName(name, 'putModel');
      if (!input || !(input.weights instanceof Uint8Array || input.weights instanceof Blob)) {
        throw new AiaaError('AIAA_INVALID_ARGUMENT', 'putModel: weights must be a Uint8Array or a Blob', {
          details: { operation: 'putModel' },
        });
      }
      const body = buildMultipart([{ name: 'config', value: configText(input.config, 'putModel') }], {
        name: 'data',
        fileName: input.weightsFileName ?? 'model.ts',
        contentType: 'application/octet-stream',
        data: input.weights,
      });
      // Loading a model replaces the previous one; a retry after a lost reply would do the same, but a
      // half-sent upload must not be repeated silently, so it is not marked idempotent.
      const reply = await send(
        { operation: 'putModel', method: 'PUT', path: `/admin/model/${encodeURIComponent(name)}`, body, idempotent: false, ...call },
        false,
      );
      return objectOf(reply, 'putModel');
    },
    async getModelConfig(
      name: string,
      call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
    ): Promise<Record<string, unknown>> {
      checkModelName(name, 'getModelConfig');
      const reply = await send(
        { operation: 'getModelConfig', method: 'GET', path: `/admin/model/${encodeURIComponent(name)}`, idempotent: true, ...call },
        true,
      );
      return objectOf(reply, 'getModelConfig');
    },
    async deleteModel(name: string, call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<void> {
      checkModelName(name, 'deleteModel');
      await send(
        { operation: 'deleteModel', method: 'DELETE', path: `/admin/model/${encodeURIComponent(name)}`, idempotent: true, ...call },
        true,
      );
    },
  };
}
