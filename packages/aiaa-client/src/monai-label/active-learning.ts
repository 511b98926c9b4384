import type { CallOptions } from '@medaas/core';
import { jsonBody } from '../connection/body.js';
import { checkId, jsonOf, withClientId, type MonaiLabelContext } from './context.js';
import { asRecord, numberOr, stringOr } from './json.js';

/** The next image an active-learning strategy proposes to annotate. */
export interface MonaiLabelSample {
  /** The datastore image id, e.g. `case02`. */
  readonly id: string;
  readonly name: string;
  /** The server-side path (it names the server's file, not the caller's). */
  readonly path: string;
  /** Epoch seconds the image was added. */
  readonly ts: number | undefined;
  /** `SHA256:<hex>` of the image, when the server gives it. */
  readonly checksum: string | undefined;
  /** When each strategy last proposed it, and to which client. */
  readonly strategy: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Asks an active-learning strategy for the next image to annotate (`POST /activelearning/{strategy}`), or
 * `undefined` when there is none left (the server's `{}`).
 */
export async function nextSample(
  context: MonaiLabelContext,
  strategy: string,
  options: CallOptions & { readonly params?: Readonly<Record<string, unknown>> } = {},
): Promise<MonaiLabelSample | undefined> {
  const { params, ...call } = options;
  const path = `/activelearning/${encodeURIComponent(checkId(strategy, 'strategy', 'nextSample'))}`;
  const reply = await context.send(
    { operation: 'nextSample', method: 'POST', path, body: jsonBody(withClientId(context, params)), idempotent: false, ...call },
    'metadata',
  );
  const raw = asRecord(jsonOf(reply, 'nextSample')) ?? {};
  if (typeof raw['id'] !== 'string' || raw['id'] === '') return undefined;
  return {
    id: raw['id'],
    name: stringOr(raw['name'], ''),
    path: stringOr(raw['path'], ''),
    ts: numberOr(raw['ts'], undefined),
    checksum: stringOr(raw['checksum'], undefined),
    strategy: asRecord(raw['strategy']) ?? {},
    raw,
  };
}

/** The server's log as text, its last `lines` lines (`GET /logs/?text=true`). */
export async function serverLogs(context: MonaiLabelContext, options: CallOptions & { readonly lines?: number } = {}): Promise<string> {
  const { lines = 300, ...call } = options;
  const reply = await context.send(
    {
      operation: 'logs',
      method: 'GET',
      path: '/logs/',
      query: { lines: String(Math.max(1, Math.floor(lines))), text: 'true', html: 'false' },
      idempotent: true,
      ...call,
    },
    'metadata',
  );
  if (reply.kind === 'other') return new TextDecoder().decode(reply.bytes);
  if (reply.kind === 'json') return typeof reply.value === 'string' ? reply.value : JSON.stringify(reply.value);
  return '';
}
