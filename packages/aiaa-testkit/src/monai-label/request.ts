import type { IncomingMessage } from 'node:http';
import { depthOf, parseBoundedJson } from '../bounded-json.js';
import { paramsOf as paramsOfParts } from '../endpoints.js';
import { readBody, readMultipart } from '../http-body.js';
import type { RequestPart } from '../request-multipart.js';
import type { MonaiRole } from './auth.js';
import { InternalFailure, MonaiProblem } from './replies.js';
import type { FaceState } from './route.js';

/** The parts of a multipart request, within the server's upload limit (`maxBytes`: a smaller one, e.g. for model files). */
export function multipart(
  state: FaceState,
  req: IncomingMessage,
  maxBytes: number = state.context.limits.maxUploadBytes,
): Promise<RequestPart[]> {
  return readMultipart(req, { maxBytes, idleTimeoutMs: state.context.limits.bodyIdleTimeoutMs }, state.context.counters);
}

/** A small body (JSON or a form), within `limits.maxJsonBodyBytes`. */
function smallBody(state: FaceState, req: IncomingMessage): Promise<Buffer> {
  const { limits } = state.context;
  return readBody(req, { maxBytes: limits.maxJsonBodyBytes, idleTimeoutMs: limits.bodyIdleTimeoutMs }, state.context.counters);
}

/** FastAPI's 422 for a body nested deeper than the server walks (`limits.maxJsonDepth`). */
function tooDeep(state: FaceState, loc: string): MonaiProblem {
  const depth = state.context.limits.maxJsonDepth;
  return new MonaiProblem(422, [
    { loc: ['body', loc], msg: `nested more than ${depth} deep (limits.maxJsonDepth)`, type: 'value_error.depth' },
  ]);
}

/** A JSON object body (FastAPI's `Optional[dict]`): empty is `{}`, anything but an object is 422, as is one nested too deep. */
export async function jsonBody(state: FaceState, req: IncomingMessage): Promise<Record<string, unknown>> {
  const { limits } = state.context;
  const text = (await smallBody(state, req)).toString('utf8').trim();
  if (text === '' || text === 'null') return {};
  const parsed = parseBoundedJson(text, 'the body', limits.maxJsonBodyBytes, limits.maxJsonDepth);
  if ('value' in parsed) {
    const { value } = parsed;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } else if (parsed.refused.kind === 'deep') {
    throw tooDeep(state, 'body');
  }
  throw new MonaiProblem(422, [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
}

/** A url-encoded form body. */
export async function formBody(state: FaceState, req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams((await smallBody(state, req)).toString('utf8'));
}

/** The `info` JSON of an info update's form; one nested too deep is a 422. */
export async function formInfo(state: FaceState, req: IncomingMessage): Promise<Record<string, unknown>> {
  const form = await formBody(state, req);
  let value: unknown;
  try {
    value = JSON.parse(form.get('info') ?? form.get('params') ?? '{}');
  } catch {
    // A broken info is an exception the server does not catch.
  }
  if (depthOf(value, state.context.limits.maxJsonDepth) > state.context.limits.maxJsonDepth) throw tooDeep(state, 'info');
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new InternalFailure('info is not a JSON object');
}

/**
 * The `params` form field of a multipart request as an object (`{}` when absent); a broken one is not caught
 * (a bare 500), one too large is a 413 and one nested too deep a 422.
 */
export function paramsOf(state: FaceState, parts: readonly RequestPart[]): Record<string, unknown> {
  return paramsOfParts(parts, state.context.limits, { malformed: (message) => new InternalFailure(message), tooDeep: 422 });
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
