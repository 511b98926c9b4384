import { isMedaasError, type CallOptions } from '@medaas/core';
import { AiaaError } from '../errors.js';
import type { Connection } from './connection.js';

/** The two generations of annotation servers. */
export type AnnotationProtocol = 'aiaa' | 'monai-label';

/**
 * Asks a server which protocol it speaks: a MONAI Label server answers `GET /info/` with an object that has
 * a `models` object; an AIAA v1 server answers `GET /v1/models` with a JSON array. Resolves `undefined` when
 * neither answers so.
 *
 * @example
 * ```ts
 * await probeProtocol(connection); // 'monai-label'
 * ```
 */
export async function probeProtocol(connection: Connection, options: CallOptions = {}): Promise<AnnotationProtocol | undefined> {
  const ask = async (path: string): Promise<unknown> => {
    try {
      const reply = await connection.send({
        operation: 'probeProtocol',
        method: 'GET',
        path,
        idempotent: true,
        kind: 'metadata',
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
      return reply.kind === 'json' ? reply.value : undefined;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      // An auth-enabled MONAI Label server refuses /info/ without a token: that answer names it too.
      if (path === '/info/' && isMedaasError(error, 'AIAA_UNAUTHORIZED', 'AIAA_FORBIDDEN')) return { models: {} };
      if (isMedaasError(error, 'AIAA_HTTP_STATUS', 'AIAA_INVALID_RESPONSE')) return undefined;
      throw error;
    }
  };
  const info = await ask('/info/');
  if (info && typeof info === 'object' && !Array.isArray(info) && typeof (info as Record<string, unknown>)['models'] === 'object')
    return 'monai-label';
  const models = await ask('/v1/models');
  if (Array.isArray(models)) return 'aiaa';
  return undefined;
}

/**
 * The error for a server of the other protocol, when the probe says so; otherwise `error` itself.
 */
export async function wrongProtocolOr(
  error: unknown,
  connection: Connection,
  expected: AnnotationProtocol,
  options: CallOptions,
): Promise<unknown> {
  const status = isMedaasError(error) ? error.details['status'] : undefined;
  if (!isMedaasError(error, 'AIAA_INVALID_RESPONSE') && !(isMedaasError(error, 'AIAA_HTTP_STATUS') && (status === 404 || status === 405)))
    return error;
  let actual: AnnotationProtocol | undefined;
  try {
    actual = await probeProtocol(connection, options);
  } catch {
    return error;
  }
  if (actual === undefined || actual === expected) return error;
  const hint =
    actual === 'aiaa'
      ? 'an AIAA v1 server: use createAiaaClient'
      : 'a MONAI Label server: use createMonaiLabelClient from @medaas/aiaa-client/monai-label';
  return new AiaaError('AIAA_WRONG_PROTOCOL', `the server at ${connection.baseUrl.origin} is ${hint}`, {
    details: { expected, actual, origin: connection.baseUrl.origin },
    cause: error,
  });
}
