import { readNifti, writeMask, type NiftiVolume, type Volume } from '@medaas/nifti-io';
import { encodePng, type GreyImage } from './png.js';
import { boxAround, deepgrowSegmentation, dextr3dSegmentation, fullBox, maskBox, otsuThreshold, thresholdSegmentation, type Box } from './algorithms.js';
import { HttpProblem } from './errors.js';
import { gridOf, maskVolume, pointParam, pointsParam, type Grid } from './grid.js';
import type { TestModel } from './models.js';
import { defaultWindowParams, windowSegmentation } from './window-model.js';
import { fixPolygonParams, fixPolygons, maskToPolygons, rasterize, type Polygon } from './polygons.js';
import type { ReplyPart } from './replies.js';
import type { RequestPart } from './request-multipart.js';

/** What a model endpoint answers: a mask with params (multipart), or JSON. */
export type ModelReply = { readonly kind: 'mask'; readonly parts: ReplyPart[] } | { readonly kind: 'json'; readonly value: unknown };

/** The endpoints that run models, and the model types each accepts (the grouping of the official Slicer plugin). */
export const MODEL_ENDPOINTS: Readonly<Record<string, readonly string[] | 'any'>> = {
  segmentation: ['segmentation', 'others', 'pipeline'],
  dextr3d: ['annotation'],
  deepgrow: ['deepgrow', 'pipeline'],
  inference: 'any',
};

/** Reads the `params` field: a JSON object, or `{}` when absent. */
export function paramsOf(parts: readonly RequestPart[]): Record<string, unknown> {
  const part = parts.find((p) => p.fileName === undefined && p.name === 'params');
  if (!part || part.data.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(part.data.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'params is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpProblem(400, 'params must be a JSON object');
  return value as Record<string, unknown>;
}

/** The first file part, whatever its name (`datapoint` from Python, `image` from C++ and curl). */
export function firstFile(parts: readonly RequestPart[]): RequestPart {
  const file = parts.find((p) => p.fileName !== undefined);
  if (!file) throw new HttpProblem(400, 'no file part: send the image as a multipart file (field "image" or "datapoint")');
  if (file.data.length === 0) throw new HttpProblem(400, 'the uploaded file is empty');
  return file;
}

/** Decodes an uploaded NIfTI; 400 with the reader's message when it is not one. */
export async function decodeImage(file: RequestPart): Promise<NiftiVolume> {
  try {
    return await readNifti(new Uint8Array(file.data.buffer, file.data.byteOffset, file.data.byteLength));
  } catch (error) {
    throw new HttpProblem(400, `the uploaded file is not a readable NIfTI image: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A decoded 2-D PNG as a one-slice volume (1 mm pixels, identity geometry), so fixpolygon runs on it unchanged. */
export function pngAsVolume(image: GreyImage): Volume {
  return {
    dims: [image.width, image.height, 1],
    datatype: image.data instanceof Uint16Array ? 'uint16' : 'uint8',
    data: image.data,
    affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
  };
}

/** Runs a model on a volume with the request's params. */
export async function runModel(model: TestModel, volume: NiftiVolume, params: Record<string, unknown>): Promise<ModelReply> {
  const grid = gridOf(volume);
  const label = model.labels?.[0] ?? 'object';
  switch (model.algorithm) {
    case 'statistics':
      return { kind: 'json', value: statistics(grid, model) };
    case 'threshold': {
      const { mask, points } = thresholdSegmentation(grid, model.threshold);
      return maskReply(volume, mask, { points, label });
    }
    case 'dextr3d': {
      const points = pointsParam(params['points'], 'points', grid, 6);
      return maskReply(volume, dextr3dSegmentation(grid, points), { points, label });
    }
    case 'deepgrow':
      return deepgrow(model, volume, grid, params, label);
    case 'window': {
      const mask = windowSegmentation(grid, model.window ?? defaultWindowParams(grid));
      return maskReply(volume, mask, { label, window: model.window ?? null });
    }
  }
}

async function deepgrow(model: TestModel, volume: NiftiVolume, grid: Grid, params: Record<string, unknown>, label: string): Promise<ModelReply> {
  let foreground = pointsParam(params['foreground'], 'foreground', grid);
  let background = pointsParam(params['background'], 'background', grid);
  if (foreground.length === 0) throw new HttpProblem(400, 'foreground needs at least one point');
  const current = params['current_point'] === undefined ? foreground[foreground.length - 1]! : pointParam(params['current_point'], 'current_point', grid);
  let box: Box;
  let crop: Box | undefined;
  if ((model.deepgrow ?? '3D') === '2D') {
    // A 2-D model sees one slice: the current click's (Slicer sends only that slice's clicks anyway).
    const k = current[2];
    foreground = foreground.filter((p) => p[2] === k);
    background = background.filter((p) => p[2] === k);
    if (foreground.length === 0) throw new HttpProblem(400, `no foreground point on slice ${k}`);
    box = [[0, grid.nx - 1], [0, grid.ny - 1], [k, k]];
  } else {
    const size = params['spatial_size'];
    if (size !== undefined && (!Array.isArray(size) || !size.every((n) => Number.isFinite(n) && n > 0))) throw new HttpProblem(400, 'spatial_size must be positive numbers');
    box = Array.isArray(size) && size.length >= 3 ? boxAround(grid, current, size as number[]) : fullBox(grid);
  }
  const mask = deepgrowSegmentation(grid, { foreground, background, box });
  if ((model.deepgrow ?? '3D') === '3D') crop = isFull(grid, box) ? maskBox(grid, mask) : box;
  const reply: Record<string, unknown> = { foreground, background, label };
  if (crop) reply['crop'] = crop;
  return maskReply(volume, mask, reply);
}

/** mask2polygon: per-slice polygons of a mask. */
export function polygonsOf(volume: Volume, params: Record<string, unknown>): Polygon[][] {
  const ratio = params['more_points'] ?? 1;
  if (!Number.isSafeInteger(ratio) || (ratio as number) < 1) throw new HttpProblem(400, 'more_points must be a whole number >= 1');
  return maskToPolygons(gridOf(volume), ratio as number);
}

/** fixpolygon: moves a vertex and rasterizes the polygons onto the image's grid. */
export async function fixPolygon(volume: Volume, params: Record<string, unknown>, options: { readonly png?: boolean } = {}): Promise<ReplyPart[]> {
  const p = fixPolygonParams(params);
  const grid = gridOf(volume);
  if (p.dimension === 2 && grid.nz !== 1) throw new HttpProblem(400, 'dimension 2 needs a 2-D image');
  const slices = p.dimension === 2 ? [p.poly as Polygon[]] : (p.poly as Polygon[][]);
  if (slices.length > grid.nz) throw new HttpProblem(400, `poly has ${slices.length} slices, the image ${grid.nz}`);
  const fixed = fixPolygons(slices, p);
  const mask = new Uint8Array(grid.count);
  fixed.forEach((polygons, z) => rasterize(polygons, grid.nx, grid.ny, mask, z * grid.nx * grid.ny));
  const poly = p.dimension === 2 ? fixed[0] : fixed;
  if (options.png) {
    return [
      { name: 'params', contentType: 'application/json', data: Buffer.from(JSON.stringify({ poly })) },
      { name: 'image', fileName: 'mask.png', contentType: 'image/png', data: Buffer.from(encodePng({ width: grid.nx, height: grid.ny, data: mask.map((v) => (v ? 255 : 0)) })) },
    ];
  }
  return (await maskReply(volume, mask, { poly })).parts;
}

async function maskReply(volume: Volume, mask: Uint8Array, params: Record<string, unknown>): Promise<{ kind: 'mask'; parts: ReplyPart[] }> {
  const bytes = await writeMask(maskVolume(volume, mask));
  return {
    kind: 'mask',
    parts: [
      { name: 'params', contentType: 'application/json', data: Buffer.from(JSON.stringify(params)) },
      { name: 'image', fileName: 'mask.nii.gz', contentType: 'application/octet-stream', data: bytes },
    ],
  };
}

function statistics(grid: Grid, model: TestModel): Record<string, unknown> {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < grid.count; i += 1) {
    const v = grid.value(i);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / grid.count;
  const cut = otsuThreshold(grid);
  let above = 0;
  for (let i = 0; i < grid.count; i += 1) if (grid.value(i) > cut) above += 1;
  const [bright = 'bright', dark = 'dark'] = model.labels ?? [];
  return { prediction: above * 2 > grid.count ? bright : dark, statistics: { min, max, mean, threshold: cut, fractionAbove: above / grid.count } };
}

function isFull(grid: Grid, box: Box): boolean {
  return box[0][0] === 0 && box[1][0] === 0 && box[2][0] === 0 && box[0][1] === grid.nx - 1 && box[1][1] === grid.ny - 1 && box[2][1] === grid.nz - 1;
}
