import { isMedaasError, type CallOptions } from '@medaas/core';
import { AiaaError } from '../errors.js';
import type { MonaiLabelContext } from './context.js';

/** What a failed call referred to, so that the failure can be told apart. */
export interface FailureSubject {
  readonly model?: string;
  readonly imageId?: string;
  readonly sessionId?: string;
}

/**
 * Tells apart what MONAI Label answers alike with a bare `500 text/plain`: an unknown model (checked against
 * a fresh `/info/`), an expired or unknown session (`GET /session/{id}` answers 404) and an image the
 * datastore does not have (`HEAD /datastore/image` answers 404). Whatever else failed inside the server
 * stays `AIAA_HTTP_STATUS`, with a pointer to the server's log. A diagnosis that itself fails leaves the
 * original error as it was.
 */
export async function diagnoseFailure(
  error: unknown,
  context: MonaiLabelContext,
  subject: FailureSubject,
  options: CallOptions,
): Promise<unknown> {
  if (!isMedaasError(error, 'AIAA_HTTP_STATUS') || error.details['status'] !== 500) return error;
  const probe = async <T>(check: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await check();
    } catch {
      if (options.signal?.aborted) throw options.signal.reason;
      return undefined;
    }
  };
  if (subject.model !== undefined) {
    const info = await probe(() => context.info(options, true));
    if (info && !(subject.model in info.models)) {
      const available = Object.keys(info.models);
      return new AiaaError(
        'AIAA_MODEL_NOT_FOUND',
        `the server has no model "${subject.model}" (it has ${available.join(', ') || 'none'})`,
        {
          details: { model: subject.model, available, status: 500 },
          cause: error,
        },
      );
    }
  }
  if (subject.sessionId !== undefined) {
    const gone = await probe(() => status(context, `/session/${encodeURIComponent(subject.sessionId!)}`, {}, 'GET', options));
    if (gone === 404) {
      return new AiaaError('AIAA_SESSION_EXPIRED', `the session ${subject.sessionId} has expired or was removed: create a new one`, {
        details: { sessionId: subject.sessionId, status: 404 },
        cause: error,
      });
    }
  }
  if (subject.imageId !== undefined) {
    const missing = await probe(() => status(context, '/datastore/image', { image: subject.imageId }, 'HEAD', options));
    if (missing === 404) {
      return new AiaaError('AIAA_IMAGE_NOT_FOUND', `the datastore has no image "${subject.imageId}"`, {
        details: { image: subject.imageId, status: 404 },
        cause: error,
      });
    }
  }
  return error;
}

/** The status of a request: 2xx, or the status of the error it failed with. */
async function status(
  context: MonaiLabelContext,
  path: string,
  query: Record<string, string | undefined>,
  method: 'GET' | 'HEAD',
  options: CallOptions,
): Promise<number> {
  try {
    const reply = await context.send(
      { operation: 'diagnose', method, path, query, idempotent: true, signal: options.signal, timeoutMs: options.timeoutMs },
      'metadata',
    );
    return reply.status;
  } catch (error) {
    if (isMedaasError(error) && typeof error.details['status'] === 'number') return error.details['status'];
    throw error;
  }
}
