import { withCallScope, type CallOptions } from '@medaas/core';
import type { DeepgrowClicks } from './clicks.js';
import { ViewerError } from './errors.js';

/** Options of {@link requestDeepgrow}. */
export interface RequestDeepgrowOptions extends CallOptions {
  /** The fetch to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * Sends the clicks to the viewer's back end (`POST` JSON `{ foreground, background }`), which runs DeepGrow
 * through `@medaas/aiaa-client`, and returns the mask it answers: NIfTI bytes on the image's grid.
 *
 * @throws {ViewerError} `VIEWER_HTTP_STATUS` (with `details.status`, the server's `error` as `serverMessage`
 * and its `code` as `serverCode`, e.g. `AIAA_CONNECTION`) for a non-2xx
 * answer; `VIEWER_CONNECTION` when the back end cannot be reached. Aborts and timeouts reject with
 * `signal.reason` (a timeout: `CORE_TIMEOUT`).
 * @example
 * ```ts
 * const mask = await requestDeepgrow('/api/deepgrow', { foreground: [[22, 30, 20]], background: [] }, { signal });
 * ```
 */
export async function requestDeepgrow(
  endpoint: string | URL,
  clicks: DeepgrowClicks,
  options: RequestDeepgrowOptions = {},
): Promise<Uint8Array> {
  const send = options.fetch ?? globalThis.fetch;
  return withCallScope('requestDeepgrow', options, async (signal) => {
    let response: Response;
    try {
      response = await send(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
        body: JSON.stringify({ foreground: clicks.foreground, background: clicks.background }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new ViewerError('VIEWER_CONNECTION', `requestDeepgrow: the viewer's back end cannot be reached: ${String(error)}`, {
        cause: error,
      });
    }
    try {
      if (!response.ok) {
        const { message, code } = await errorOf(response);
        throw new ViewerError('VIEWER_HTTP_STATUS', `requestDeepgrow: HTTP ${response.status}${message ? `: ${message}` : ''}`, {
          details: { status: response.status, serverMessage: message, serverCode: code },
        });
      }
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof ViewerError) throw error;
      throw new ViewerError('VIEWER_CONNECTION', `requestDeepgrow: the answer was cut off: ${String(error)}`, { cause: error });
    }
  });
}

async function errorOf(response: Response): Promise<{ message: string; code: string | undefined }> {
  const text = (await response.text()).slice(0, 2000);
  try {
    const value: unknown = JSON.parse(text);
    const { error, code } = (typeof value === 'object' && value !== null ? value : {}) as { error?: unknown; code?: unknown };
    if (typeof error === 'string') return { message: error.slice(0, 500), code: typeof code === 'string' ? code.slice(0, 80) : undefined };
  } catch {
    // Not JSON: the text itself is the message.
  }
  return { message: text.replace(/\s+/g, ' ').trim().slice(0, 500), code: undefined };
}
