import type { VoxelIndex } from './coordinates.js';
import { ViewerError } from './errors.js';

/** The clicks of one DeepGrow request, in the image's voxel indices. */
export interface DeepgrowClicks {
  /** Clicks inside the structure; at least one. */
  readonly foreground: readonly VoxelIndex[];
  /** Clicks outside it, which growth must not enter. */
  readonly background: readonly VoxelIndex[];
}

/** More clicks than a person makes on one structure: a bound, so a request cannot make the server loop. */
export const MAX_CLICKS = 256;

/**
 * Checks a click request that arrived as JSON (`{ foreground, background? }`) against the image's size
 * and returns it typed. Every point must be three whole numbers inside `dims`.
 *
 * @throws {ViewerError} `VIEWER_INVALID_CLICKS` naming the first bad field.
 * @example
 * ```ts
 * const clicks = parseDeepgrowClicks(JSON.parse(body), [64, 60, 40]);
 * await client.deepgrow('deepgrow_3d', session, clicks);
 * ```
 */
export function parseDeepgrowClicks(value: unknown, dims: readonly number[]): DeepgrowClicks {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('the request must be a JSON object', 'body');
  const record = value as Record<string, unknown>;
  const foreground = pointList(record['foreground'], 'foreground', dims);
  const background = record['background'] === undefined ? [] : pointList(record['background'], 'background', dims);
  if (foreground.length === 0) throw invalid('at least one foreground click is needed', 'foreground');
  return { foreground, background };
}

function pointList(value: unknown, field: string, dims: readonly number[]): VoxelIndex[] {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of [i, j, k] voxel indices`, field);
  if (value.length > MAX_CLICKS) throw invalid(`${field} has ${value.length} points; at most ${MAX_CLICKS} are accepted`, field);
  return value.map((point: unknown, n) => {
    const inside =
      Array.isArray(point) &&
      point.length === 3 &&
      point.every((c: unknown, axis) => typeof c === 'number' && Number.isSafeInteger(c) && c >= 0 && c < (dims[axis] ?? 0));
    if (!inside) {
      throw invalid(
        `${field}[${n}] must be [i, j, k] inside the ${dims.slice(0, 3).join('x')} image, got ${JSON.stringify(point)?.slice(0, 80)}`,
        `${field}[${n}]`,
      );
    }
    const [i, j, k] = point as [number, number, number];
    return [i, j, k] as const;
  });
}

function invalid(message: string, field: string): ViewerError {
  return new ViewerError('VIEWER_INVALID_CLICKS', message, { details: { field } });
}
