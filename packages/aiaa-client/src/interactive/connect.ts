import { createAiaaClient } from '../aiaa/client.js';
import { openConnection, type ConnectionOptions } from '../connection/connection.js';
import { probeProtocol } from '../connection/protocol-probe.js';
import { AiaaError } from '../errors.js';
import { createMonaiLabelClient, type MonaiLabelClientOptions } from '../monai-label/client.js';
import type { AnnotationProtocol, AnnotationServer, AnnotationStorage } from './annotation-server.js';
import { annotationServerFromAiaa, type AiaaAnnotationOptions } from './from-aiaa.js';
import { annotationServerFromMonaiLabel } from './from-monai-label.js';

/** Options of {@link connectAnnotationServer}: the connection (and, for MONAI Label, auth), and which protocol. */
export interface ConnectAnnotationServerOptions extends MonaiLabelClientOptions {
  /** Cancels the protocol probe of `protocol: 'auto'` (bounded by `metadataTimeoutMs`). */
  readonly signal?: AbortSignal;
  /** `auto` asks the server (`/info/`, then `/v1/models`). */
  readonly protocol: AnnotationProtocol | 'auto';
  /** MONAI Label: where images go by default. Default `datastore`. */
  readonly storage?: AnnotationStorage;
  /** AIAA: where validated masks go (AIAA servers keep none). */
  readonly saveLabel?: AiaaAnnotationOptions['saveLabel'];
}

/**
 * Connects to an annotation server of either generation and returns the common interactive interface; it
 * owns the client it creates (`close()` closes it).
 *
 * @throws {AiaaError} `AIAA_WRONG_PROTOCOL` with `protocol: 'auto'` when the server answers neither as MONAI
 *   Label nor as AIAA v1; the connection errors otherwise.
 * @example
 * ```ts
 * await using server = await connectAnnotationServer({ baseUrl: 'http://127.0.0.1:8000', protocol: 'auto' });
 * console.log(server.protocol); // 'monai-label'
 * ```
 */
export async function connectAnnotationServer(options: ConnectAnnotationServerOptions): Promise<AnnotationServer> {
  const { protocol, storage, saveLabel, signal, ...connection } = options;
  let chosen = protocol;
  if (chosen === 'auto') {
    chosen = (await detectProtocol({ ...connection, ...(signal ? { signal } : {}) })) ?? 'auto';
    if (chosen === 'auto') {
      throw new AiaaError(
        'AIAA_WRONG_PROTOCOL',
        `the server at ${String(connection.baseUrl)} answers neither as MONAI Label (/info/) nor as AIAA v1 (/v1/models)`,
        {
          details: { baseUrl: String(connection.baseUrl) },
        },
      );
    }
  }
  if (chosen === 'aiaa') {
    if (connection.auth)
      throw new AiaaError(
        'AIAA_INVALID_ARGUMENT',
        'auth is for MONAI Label servers: AIAA v1 has no authentication (use headers for a proxy)',
        { details: { argument: 'auth' } },
      );
    return annotationServerFromAiaa(createAiaaClient(connection), { ownsClient: true, ...(saveLabel ? { saveLabel } : {}) });
  }
  return annotationServerFromMonaiLabel(createMonaiLabelClient(connection), { ownsClient: true, ...(storage ? { storage } : {}) });
}

/**
 * Which protocol a server speaks: `monai-label` when `GET /info/` answers an app description, `aiaa` when
 * `GET /v1/models` answers a model list, `undefined` when neither does.
 *
 * @throws {AiaaError} `AIAA_CONNECTION` when the server cannot be reached.
 * @example
 * ```ts
 * await detectProtocol({ baseUrl: tunnel.url }); // 'aiaa'
 * ```
 */
export async function detectProtocol(
  options: ConnectionOptions & { readonly signal?: AbortSignal },
): Promise<AnnotationProtocol | undefined> {
  const { signal, ...connection } = options;
  const probe = openConnection(connection, 'probe');
  try {
    return await probeProtocol(probe, { signal });
  } finally {
    await probe.close();
  }
}
