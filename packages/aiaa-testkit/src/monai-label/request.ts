import type { IncomingMessage } from 'node:http';
import { readBody, readMultipart } from '../http-body.js';
import { paramsOf as paramsOfParts } from '../endpoints.js';
import type { RequestPart } from '../request-multipart.js';
import type { MonaiRole } from './auth.js';
import { InternalFailure, MonaiProblem } from './replies.js';
import type { FaceState } from './route.js';

/** JSON and form bodies are small: a megabyte is far more than any MONAI Label client sends. */
const SMALL_BODY_BYTES = 1024 * 1024;

/** The parts of a multipart request, within the server's upload limit. */
export function multipart(state: FaceState, req: IncomingMessage): Promise<RequestPart[]> {
  return readMultipart(req, state.context.maxUploadBytes, state.context.counters);
}

/** A JSON object body (FastAPI's `Optional[dict]`): empty is `{}`, anything but an object is 422. */
export async function jsonBody(state: FaceState, req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, SMALL_BODY_BYTES, state.context.counters)).toString('utf8').trim();
  if (text === '' || text === 'null') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below, as FastAPI does.
  }
  throw new MonaiProblem(422, [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
}

/** A url-encoded form body. */
export async function formBody(state: FaceState, req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, SMALL_BODY_BYTES, state.context.counters)).toString('utf8'));
}

/** The `info` JSON of an info update's form. */
export async function formInfo(state: FaceState, req: IncomingMessage): Promise<Record<string, unknown>> {
  const form = await formBody(state, req);
  try {
    const value: unknown = JSON.parse(form.get('info') ?? form.get('params') ?? '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // A broken info is an exception the server does not catch.
  }
  throw new InternalFailure('info is not a JSON object');
}

/** The `params` form field of a multipart request as an object (`{}` when absent); a broken one is not caught (a bare 500). */
export function paramsOf(parts: readonly RequestPart[]): Record<string, unknown> {
  return paramsOfParts(parts, (message) => new InternalFailure(message));
}

/** The file part of a field. */
export function filePart(parts: readonly RequestPart[], name: string): RequestPart | undefined {
  return parts.find((p) => p.name === name && p.fileName !== undefined);
}

/** A required query parameter: FastAPI answers 422 without it. */
export function required(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null) throw missing('query', name);
  return value;
}

/** FastAPI's 422 for a missing field. */
export function missing(where: 'query' | 'body', name: string): MonaiProblem {
  return new MonaiProblem(422, [{ loc: [where, name], msg: 'field required', type: 'value_error.missing' }]);
}

/** A boolean query parameter as FastAPI reads one. */
export function flag(query: URLSearchParams, name: string): boolean {
  return /^(true|1|yes|on)$/i.test(query.get(name) ?? '');
}

/** The base name of an uploaded file (clients send whole local paths). */
export function baseName(fileName: string | undefined): string {
  return (fileName ?? '').split(/[/\\]/).pop() ?? '';
}

/** Checks a further role inside a route whose methods need different roles. */
export function requireRole(state: FaceState, req: IncomingMessage, query: URLSearchParams, role: MonaiRole): void {
  state.auth?.check(req, query, role);
}
