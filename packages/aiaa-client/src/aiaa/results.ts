import { utf8 } from '../connection/bytes.js';
import type { Reply } from '../connection/exchange.js';
import type { MultipartPart } from '../connection/multipart-parser.js';
import { AiaaError } from '../errors.js';
import { asPoints, asSlicePolygons, asVoxelBox, type SlicePolygons, type VoxelBox, type VoxelPoint } from '../points.js';

/** A mask returned by the server, with the reply's parameters. */
export interface MaskResult {
  /** The mask file exactly as the server sent it (NIfTI, on the uploaded image's grid). */
  readonly mask: Uint8Array;
  /** The file name the server gave the mask part (it names no local file). */
  readonly fileName: string;
  /** The reply's `params` JSON (empty when the server sent none). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** The reply of `segmentation`: a mask and, when the server gives them, extreme points to refine with DEXTR3D. */
export interface SegmentationResult extends MaskResult {
  /** `params.points` / `params.extreme_points`, or the legacy v1 `points` field; empty when absent. */
  readonly points: readonly VoxelPoint[];
}

/** The reply of `deepgrow`. */
export interface DeepgrowResult extends MaskResult {
  /** The box that changed (`params.crop`); only that box should be merged. Undefined: the whole mask. */
  readonly crop: VoxelBox | undefined;
}

/** The reply of `inference`: a mask, or plain JSON for non-image results such as classification. */
export type InferenceResult = ({ readonly kind: 'mask' } & MaskResult) | { readonly kind: 'json'; readonly value: unknown };

/** The reply of `fixPolygon`: the updated polygons and mask. */
export interface FixPolygonResult extends MaskResult {
  /** `params.poly`: one slice's polygons (2-D) or the polygons of every slice (3-D). */
  readonly polygons: SlicePolygons | readonly SlicePolygons[];
}

/** Decodes a multipart reply into a mask and its params, as the official client's `save_result` does: the first file part is the mask. */
export function maskResult(reply: Reply, operation: string): MaskResult {
  if (reply.kind === 'json') {
    throw new AiaaError('AIAA_RESULT_NOT_FOUND', `${operation}: the server replied with JSON, not a mask`, { details: { operation } });
  }
  if (reply.kind === 'other') throw unexpectedType(reply.contentType, operation);
  const file = reply.parts.find((part) => part.fileName !== undefined);
  if (!file) {
    throw new AiaaError('AIAA_RESULT_NOT_FOUND', `${operation}: the reply has no file part (mask)`, {
      details: { operation, parts: reply.parts.map((part) => part.name ?? '') },
    });
  }
  return { mask: file.data, fileName: file.fileName ?? '', params: paramsOf(reply.parts, operation) };
}

/** The content type error for a reply that is neither multipart nor JSON. */
export function unexpectedType(contentType: string, operation: string): AiaaError {
  return new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: unexpected content type "${contentType.slice(0, 100) || '(none)'}"`, {
    details: { operation, contentType: contentType.slice(0, 100) },
  });
}

/** Segmentation results with their extreme points. */
export function segmentationResult(reply: Reply, operation: string): SegmentationResult {
  const result = maskResult(reply, operation);
  const points = asPoints(result.params['points']) ?? asPoints(result.params['extreme_points']) ?? [];
  return { ...result, points };
}

/** DeepGrow results with their crop box. */
export function deepgrowResult(reply: Reply, operation: string): DeepgrowResult {
  const result = maskResult(reply, operation);
  return { ...result, crop: asVoxelBox(result.params['crop']) };
}

/** FixPolygon results with their polygons. */
export function fixPolygonResult(reply: Reply, operation: string, dimension: 2 | 3): FixPolygonResult {
  const result = maskResult(reply, operation);
  const poly = result.params['poly'];
  const polygons = dimension === 2 ? asSlicePolygons(poly) : asVolumePolygons(poly);
  if (!polygons) {
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: params.poly is missing or not polygons`, { details: { operation } });
  }
  return { ...result, polygons };
}

/** Decodes per-slice polygons, as `/v1/mask2polygon` returns them. */
export function asVolumePolygons(value: unknown): SlicePolygons[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: SlicePolygons[] = [];
  for (const slice of value) {
    const polygons = asSlicePolygons(slice);
    if (!polygons) return undefined;
    out.push(polygons);
  }
  return out;
}

function paramsOf(parts: readonly MultipartPart[], operation: string): Record<string, unknown> {
  const text = (name: string): string | undefined => {
    const part = parts.find((p) => p.fileName === undefined && p.name === name);
    return part ? utf8(part.data) : undefined;
  };
  const params = text('params');
  if (params !== undefined && params.trim() !== '') {
    let value: unknown;
    try {
      value = JSON.parse(params);
    } catch (error) {
      throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: the params part is not valid JSON`, {
        details: { operation },
        cause: error,
      });
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: the params part is not a JSON object`, { details: { operation } });
  }
  // Legacy v1 servers put the extreme points in a `points` field instead of `params`.
  const legacy = text('points');
  return legacy === undefined ? {} : { points: legacy };
}
