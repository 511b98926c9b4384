import { HttpProblem } from './errors.js';

/**
 * The path and query of a request target: origin form (`/v1/models?label=x`, `//` and all) or absolute
 * form (`http://host/v1/models`), never resolved against a base (where `//x` would name a host). Anything
 * else is a 400.
 */
export function parseRequestTarget(target: string): { readonly pathname: string; readonly query: URLSearchParams } {
  let url: URL;
  try {
    url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
  } catch {
    throw new HttpProblem(400, `bad request target "${target.slice(0, 80)}"`);
  }
  if (!target.startsWith('/') && url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HttpProblem(400, `bad request target "${target.slice(0, 80)}"`);
  return { pathname: url.pathname, query: url.searchParams };
}

/**
 * A percent-decoded path segment (a model name, a session id); a malformed escape such as `%E0%A4%A` is a
 * 400 naming the segment, not a `URIError`.
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, `malformed percent-escape in the path segment "${segment.slice(0, 80)}"`);
  }
}
