import type { CallOptions, ProgressCallback } from '@medaas/core';
import type { Connection, RequestSpec } from '../connection/connection.js';
import type { Reply } from '../connection/exchange.js';
import { AiaaError } from '../errors.js';
import { parseInfo, type MonaiLabelInfo } from './info.js';
import { asRecord } from './json.js';

/** Options of every MONAI Label call: cancellation, a timeout, and upload/download progress. */
export interface MonaiLabelCallOptions extends CallOptions {
  /** Receives `{ phase: 'upload' | 'download', loaded, total }` in bytes. */
  readonly onProgress?: ProgressCallback;
}

/** A file the server sent: its bytes, and the name it gave them (`Content-Disposition`). */
export interface DownloadedFile {
  readonly data: Uint8Array;
  /** The server's file name, e.g. `case01.nii.gz`; it names no local file. */
  readonly fileName: string | undefined;
  readonly contentType: string;
}

/** What every group of MONAI Label calls shares: the connection, the client id, and the cached `/info/`. */
export interface MonaiLabelContext {
  readonly connection: Connection;
  /** Injected as `client_id` into the params of the calls MONAI Label's own client injects it into. */
  readonly clientId: string | undefined;
  /** Sends one request. */
  send(spec: Omit<RequestSpec, 'kind'>, kind: RequestSpec['kind']): Promise<Reply>;
  /** `/info/`, from a short-lived cache unless `fresh`. */
  info(options: CallOptions, fresh?: boolean): Promise<MonaiLabelInfo>;
}

/** Adds `client_id` to params, as MONAI Label's own client does, when the client has one. */
export function withClientId(context: MonaiLabelContext, params: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  return context.clientId === undefined ? { ...params } : { ...params, client_id: context.clientId };
}

/** The JSON value of a reply. */
export function jsonOf(reply: Reply, operation: string): unknown {
  if (reply.kind === 'json') return reply.value;
  throw new AiaaError(
    'AIAA_INVALID_RESPONSE',
    `${operation}: expected a JSON reply, got ${reply.kind === 'other' ? `"${reply.contentType.slice(0, 80)}"` : 'multipart'}`,
    {
      details: { operation, kind: reply.kind },
    },
  );
}

/** The JSON object of a reply. */
export function objectOf(reply: Reply, operation: string): Record<string, unknown> {
  const value = asRecord(jsonOf(reply, operation));
  if (!value) throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: expected a JSON object`, { details: { operation } });
  return value;
}

/** The file of a download reply (any non-JSON, non-multipart content). */
export function fileOf(reply: Reply, operation: string): DownloadedFile {
  if (reply.kind === 'other') return { data: reply.bytes, fileName: reply.fileName, contentType: reply.contentType };
  throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: expected a file, got ${reply.kind}`, {
    details: { operation, kind: reply.kind },
  });
}

/** Checks a name that goes into a path or query (model, strategy, image id, tag). */
export function checkId(value: unknown, what: string, operation: string): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value === '' || value.length > 512 || /[\0-\x1f\x7f]/.test(value)) {
    throw new AiaaError('AIAA_INVALID_ARGUMENT', `${operation}: ${what} must be 1..512 characters without control characters`, {
      details: { operation, argument: what },
    });
  }
  return value;
}

const INFO_CACHE_MS = 5_000;

/** A cache of `/info/` for error diagnosis and model checks; a fresh read replaces it. */
export function infoCache(fetch: (options: CallOptions) => Promise<Reply>, now: () => number = Date.now): MonaiLabelContext['info'] {
  let cached: { at: number; info: MonaiLabelInfo } | undefined;
  return async (options, fresh = false) => {
    if (!fresh && cached && now() - cached.at < INFO_CACHE_MS) return cached.info;
    const info = parseInfo(jsonOf(await fetch(options), 'info'));
    cached = { at: now(), info };
    return info;
  };
}
