import { writeMask, type NiftiVolume, type Volume } from '@medaas/nifti-io';
import { encodePng, type GreyImage } from './png.js';
import {
  boxAround,
  deepgrowSegmentation,
  dextr3dSegmentation,
  fullBox,
  maskBox,
  otsuThreshold,
  thresholdSegmentation,
  type Box,
} from './algorithms.js';
import { parseBoundedJson } from './bounded-json.js';
import { HttpProblem } from './errors.js';
import { gridOf, maskVolume, pointParam, pointsParam, type Grid, type Point, type PointCount } from './grid.js';
import type { ResolvedLimits } from './limits.js';
import type { TestModel } from './models.js';
import { decodeNiftiBounded, UnreadableImage, type DecodeBudget } from './nifti-upload.js';
import { defaultWindowParams, windowSegmentation } from './window-model.js';
import { fixPolygonParams, fixPolygons, maskToPolygons, rasterize, rasterSteps, type Polygon } from './polygons.js';
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

/** How each face answers a `params` field it cannot use. */
export interface ParamsAnswers {
  /** Not JSON, or not an object: AIAA answers 400, MONAI Label does not catch it (a bare 500). Default a 400. */
  readonly malformed?: (message: string) => Error;
  /** The status for JSON nested deeper than `limits.maxJsonDepth` (AIAA 400, MONAI Label 422). Default 400. */
  readonly tooDeep?: number;
}

/**
 * Reads the `params` field: a JSON object, or `{}` when absent; larger than `limits.maxParamsBytes` is a 413
 * (before parsing), nested deeper than `limits.maxJsonDepth` is refused (before anything walks it).
 */
export function paramsOf(
  parts: readonly RequestPart[],
  limits: Pick<ResolvedLimits, 'maxParamsBytes' | 'maxJsonDepth'>,
  answers: ParamsAnswers = {},
): Record<string, unknown> {
  const malformed = answers.malformed ?? ((message: string) => new HttpProblem(400, message));
  const part = parts.find((p) => p.fileName === undefined && p.name === 'params');
  if (!part || part.data.length === 0) return {};
  const parsed = parseBoundedJson(part.data, 'params', limits.maxParamsBytes, limits.maxJsonDepth);
  if ('refused' in parsed) {
    const { kind, message } = parsed.refused;
    if (kind === 'large') throw new HttpProblem(413, message);
    if (kind === 'deep') throw new HttpProblem(answers.tooDeep ?? 400, message);
    throw malformed(message);
  }
  const { value } = parsed;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed('params must be a JSON object');
  return value as Record<string, unknown>;
}

/** The first file part, whatever its name (`datapoint` from Python, `image` from C++ and curl). */
export function firstFile(parts: readonly RequestPart[]): RequestPart {
  const file = parts.find((p) => p.fileName !== undefined);
  if (!file) throw new HttpProblem(400, 'no file part: send the image as a multipart file (field "image" or "datapoint")');
  if (file.data.length === 0) throw new HttpProblem(400, 'the uploaded file is empty');
  return file;
}

/**
 * Decodes an uploaded NIfTI within the limits (its header checked before its voxels are inflated); 400 with
 * the reader's message when it is not one, 413/422 from the limits.
 */
export async function decodeImage(file: RequestPart, limits: ResolvedLimits, budget?: DecodeBudget): Promise<NiftiVolume> {
  try {
    return await decodeNiftiBounded(
      new Uint8Array(file.data.buffer, file.data.byteOffset, file.data.byteLength),
      'the uploaded image',
      limits,
      budget,
    );
  } catch (error) {
    if (error instanceof UnreadableImage) throw new HttpProblem(400, `the uploaded file is not a readable NIfTI image: ${error.message}`);
    throw error;
  }
}

/** A decoded 2-D PNG as a one-slice volume (1 mm pixels, identity geometry), so fixpolygon runs on it unchanged. */
export function pngAsVolume(image: GreyImage): Volume {
  return {
    dims: [image.width, image.height, 1],
    datatype: image.data instanceof Uint16Array ? 'uint16' : 'uint8',
    data: image.data,
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
  };
}

/** What a model computed: a mask on the volume's grid with the reply's params, or a JSON result. */
export type ModelOutcome =
  | { readonly kind: 'mask'; readonly mask: Uint8Array; readonly params: Record<string, unknown> }
  | { readonly kind: 'json'; readonly value: unknown };

/** Inputs beyond the params: a label volume sent with the request (MONAI Label scribbles), on the image's grid. */
export interface ModelExtras {
  readonly label?: Volume;
}

/** Runs a model on a volume with the request's params (both faces), within the limits on points. */
export async function segmentVolume(
  model: TestModel,
  volume: Volume,
  params: Record<string, unknown>,
  limits: Pick<ResolvedLimits, 'maxPoints'>,
  extras: ModelExtras = {},
): Promise<ModelOutcome> {
  const count = { max: limits.maxPoints };
  const grid = gridOf(volume);
  const label = model.labels?.[0] ?? 'object';
  switch (model.algorithm) {
    case 'statistics':
      return { kind: 'json', value: statistics(grid, model) };
    case 'threshold': {
      const { mask, points } = thresholdSegmentation(grid, model.threshold);
      return { kind: 'mask', mask, params: { points, label } };
    }
    case 'dextr3d': {
      const points = pointsParam(params['points'], 'points', grid, { ...count, min: 6 });
      return { kind: 'mask', mask: dextr3dSegmentation(grid, points), params: { points, label } };
    }
    case 'deepgrow':
      return deepgrow(model, grid, params, label, count);
    case 'deepedit':
      return { kind: 'mask', mask: deepeditSegmentation(grid, model, params, count), params: {} };
    case 'scribbles':
      return { kind: 'mask', mask: scribblesSegmentation(grid, params, extras.label), params: {} };
    case 'window': {
      const mask = windowSegmentation(grid, model.window ?? defaultWindowParams(grid));
      return { kind: 'mask', mask, params: { label, window: model.window ?? null } };
    }
  }
}

/** Runs a model for the AIAA face: the mask as the multipart reply AIAA servers send. */
export async function runModel(
  model: TestModel,
  volume: NiftiVolume,
  params: Record<string, unknown>,
  limits: Pick<ResolvedLimits, 'maxPoints'>,
): Promise<ModelReply> {
  if (model.algorithm === 'deepedit' || model.algorithm === 'scribbles')
    throw new HttpProblem(400, `model "${model.name}" is a MONAI Label ${model.algorithm} model`);
  const outcome = await segmentVolume(model, volume, params, limits);
  if (outcome.kind === 'json') return outcome;
  return maskReply(volume, outcome.mask, outcome.params);
}

function deepgrow(model: TestModel, grid: Grid, params: Record<string, unknown>, label: string, count: PointCount): ModelOutcome {
  let foreground = pointsParam(params['foreground'], 'foreground', grid, count);
  let background = pointsParam(params['background'], 'background', grid, count);
  if (foreground.length === 0) throw new HttpProblem(400, 'foreground needs at least one point');
  const current =
    params['current_point'] === undefined ? foreground[foreground.length - 1]! : pointParam(params['current_point'], 'current_point', grid);
  let box: Box;
  let crop: Box | undefined;
  if ((model.deepgrow ?? '3D') === '2D') {
    // A 2-D model sees one slice: the current click's (Slicer sends only that slice's clicks anyway).
    const k = current[2];
    foreground = foreground.filter((p) => p[2] === k);
    background = background.filter((p) => p[2] === k);
    if (foreground.length === 0) throw new HttpProblem(400, `no foreground point on slice ${k}`);
    box = [
      [0, grid.nx - 1],
      [0, grid.ny - 1],
      [k, k],
    ];
  } else {
    const size = params['spatial_size'];
    if (size !== undefined && (!Array.isArray(size) || !size.every((n) => Number.isFinite(n) && n > 0)))
      throw new HttpProblem(400, 'spatial_size must be positive numbers');
    box = Array.isArray(size) && size.length >= 3 ? boxAround(grid, current, size as number[]) : fullBox(grid);
  }
  const mask = deepgrowSegmentation(grid, { foreground, background, box });
  if ((model.deepgrow ?? '3D') === '3D') crop = isFull(grid, box) ? maskBox(grid, mask) : box;
  const reply: Record<string, unknown> = { foreground, background, label };
  if (crop) reply['crop'] = crop;
  return { kind: 'mask', mask, params: reply };
}

/**
 * DeepEdit: clicks under each label's name (`params[name]`), `background` clicks outside every structure.
 * Each label with clicks grows from them, stopped by the background clicks and the other labels' clicks,
 * and is written with its value (label i of the model has value i + 1).
 */
function deepeditSegmentation(grid: Grid, model: TestModel, params: Record<string, unknown>, count: PointCount): Uint8Array {
  const names = model.labels ?? ['object'];
  const background = pointsParam(params['background'], 'background', grid, count);
  const clicks = names.map((name) => pointsParam(params[name], name, grid, count));
  if (clicks.every((list) => list.length === 0)) throw new HttpProblem(400, `no clicks under any label name (${names.join(', ')})`);
  const out = new Uint8Array(grid.count);
  clicks.forEach((foreground, index) => {
    if (foreground.length === 0) return;
    const others = clicks.filter((_, j) => j !== index).flat();
    const mask = deepgrowSegmentation(grid, { foreground, background: [...background, ...others], box: fullBox(grid) });
    for (let i = 0; i < grid.count; i += 1) if (mask[i] && !out[i]) out[i] = index + 1;
  });
  return out;
}

/**
 * Scribbles: a label volume on the image's grid marks foreground (`scribbles_fg_label`, default 3) and
 * background (`scribbles_bg_label`, default 2) strokes, as MONAI Label's scribbles apps number them; the
 * structure grows from the foreground strokes and stops at the background ones.
 */
function scribblesSegmentation(grid: Grid, params: Record<string, unknown>, label: Volume | undefined): Uint8Array {
  if (!label) throw new HttpProblem(400, 'scribbles need a label file (the "label" part) on the image grid');
  const labelGrid = gridOf(label);
  if (labelGrid.nx !== grid.nx || labelGrid.ny !== grid.ny || labelGrid.nz !== grid.nz)
    throw new HttpProblem(400, 'the scribbles are not on the image grid');
  const fgValue = Number(params['scribbles_fg_label'] ?? 3);
  const bgValue = Number(params['scribbles_bg_label'] ?? 2);
  // Strokes are many voxels: an even sample of them seeds the growth and bounds its statistics. The sample
  // is taken while scanning (counted first), so no list of every stroke voxel is ever built.
  let fgTotal = 0;
  let bgTotal = 0;
  for (let i = 0; i < labelGrid.count; i += 1) {
    const v = labelGrid.value(i);
    if (v === fgValue) fgTotal += 1;
    else if (v === bgValue) bgTotal += 1;
  }
  if (fgTotal === 0) throw new HttpProblem(400, `the scribbles have no foreground strokes (value ${fgValue})`);
  const foreground = sampleStrokes(grid, labelGrid, fgValue, fgTotal, 256);
  const background = sampleStrokes(grid, labelGrid, bgValue, bgTotal, 4096);
  return deepgrowSegmentation(grid, { foreground, background, box: fullBox(grid) });
}

/** The voxels of value `value` (there are `total`) at `floor(k * total / n)`, k = 0..n-1: an even sample, or all when fewer. */
function sampleStrokes(grid: Grid, labels: Grid, value: number, total: number, n: number): Point[] {
  const out: Point[] = [];
  let seen = 0;
  let next = 0;
  for (let i = 0; i < labels.count && out.length < Math.min(n, total); i += 1) {
    if (labels.value(i) !== value) continue;
    if (total <= n || seen === Math.floor((next * total) / n)) {
      out.push([i % grid.nx, Math.floor(i / grid.nx) % grid.ny, Math.floor(i / (grid.nx * grid.ny))]);
      next += 1;
    }
    seen += 1;
  }
  return out;
}

/** mask2polygon: per-slice polygons of a mask, at most `limits.maxPolygonVertices` vertices in all. */
export function polygonsOf(
  volume: Volume,
  params: Record<string, unknown>,
  limits: Pick<ResolvedLimits, 'maxPolygonVertices'>,
): Polygon[][] {
  const ratio = params['more_points'] ?? 1;
  if (!Number.isSafeInteger(ratio) || (ratio as number) < 1) throw new HttpProblem(400, 'more_points must be a whole number >= 1');
  return maskToPolygons(gridOf(volume), ratio as number, limits.maxPolygonVertices);
}

/**
 * fixpolygon: moves a vertex and rasterizes the polygons onto the image's grid; the polygons' size, position
 * and rasterizing work are checked against the limits first.
 */
export async function fixPolygon(
  volume: Volume,
  params: Record<string, unknown>,
  limits: ResolvedLimits,
  options: { readonly png?: boolean } = {},
): Promise<ReplyPart[]> {
  const grid = gridOf(volume);
  const p = fixPolygonParams(params, grid, limits);
  if (p.dimension === 2 && grid.nz !== 1) throw new HttpProblem(400, 'dimension 2 needs a 2-D image');
  const slices = p.dimension === 2 ? [p.poly as Polygon[]] : (p.poly as Polygon[][]);
  if (slices.length > grid.nz) throw new HttpProblem(400, `poly has ${slices.length} slices, the image ${grid.nz}`);
  const fixed = fixPolygons(slices, p);
  let steps = 0;
  for (const polygons of fixed) steps += rasterSteps(polygons, grid.nx, grid.ny);
  if (steps > limits.maxRasterSteps)
    throw new HttpProblem(
      413,
      `rasterizing these polygons takes ${steps} steps, more than ${limits.maxRasterSteps} (limits.maxRasterSteps)`,
    );
  const mask = new Uint8Array(grid.count);
  fixed.forEach((polygons, z) => rasterize(polygons, grid.nx, grid.ny, mask, z * grid.nx * grid.ny));
  const poly = p.dimension === 2 ? fixed[0] : fixed;
  if (options.png) {
    return [
      { name: 'params', contentType: 'application/json', data: Buffer.from(JSON.stringify({ poly })) },
      {
        name: 'image',
        fileName: 'mask.png',
        contentType: 'image/png',
        data: Buffer.from(encodePng({ width: grid.nx, height: grid.ny, data: mask.map((v) => (v ? 255 : 0)) })),
      },
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
  return {
    prediction: above * 2 > grid.count ? bright : dark,
    statistics: { min, max, mean, threshold: cut, fractionAbove: above / grid.count },
  };
}

function isFull(grid: Grid, box: Box): boolean {
  return (
    box[0][0] === 0 &&
    box[1][0] === 0 &&
    box[2][0] === 0 &&
    box[0][1] === grid.nx - 1 &&
    box[1][1] === grid.ny - 1 &&
    box[2][1] === grid.nz - 1
  );
}
