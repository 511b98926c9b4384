import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createAiaaClient } from '@medaas/aiaa-client';
import {
  connectAnnotationServer,
  type AnnotationImage,
  type AnnotationLabel,
  type AnnotationServer,
} from '@medaas/aiaa-client/interactive';
import { openImageFile } from '@medaas/aiaa-client/node';
import type { ProgressCallback } from '@medaas/core';
import { readNifti, type Volume } from '@medaas/nifti-io';
import { readNiftiFile, writeMaskFile } from '@medaas/nifti-io/node';
import type { DemoProtocol } from '../config.js';
import { DemoError } from '../demo-error.js';

/** What the annotation step produced: the models the server offered and the masks on the image's grid. */
export interface AnnotationResult {
  readonly models: readonly string[];
  readonly masks: { readonly name: string; readonly path: string; readonly voxels: number; readonly bytes: number }[];
  /** The mask the "doctor" validated: the DeepGrow refinement. */
  readonly validatedMask: string;
  /** The model the automatic segmentation came from. */
  readonly segmentationModel: string;
  /** Where the validated mask was saved on the server (MONAI Label's datastore), when it keeps labels. */
  readonly savedOnServer: string | undefined;
  /** How many times the image's bytes went to the server (0: it had them already). */
  readonly uploads: number;
}

/**
 * Step 3: the annotation session a viewer runs, through the interface that is the same for both protocols:
 * upload the image once (an AIAA session, or MONAI Label's datastore unless it holds the image already),
 * auto-segment, refine with DeepGrow clicks (foreground at the structure's centre, background in a corner)
 * and, on MONAI Label, save the validated mask as the image's `final` label. On AIAA the segmentation's six
 * extreme points also drive DEXTR3D, a model type only AIAA servers have.
 */
export async function annotateStep(
  url: string,
  protocol: DemoProtocol,
  imagePath: string,
  caseId: string,
  outDir: string,
  progressFor: (call: string) => ProgressCallback,
): Promise<AnnotationResult> {
  await using server = await connectAnnotationServer({ baseUrl: url, protocol });
  const models = await server.listModels();
  const pick = (kind: 'segmentation' | 'interactive'): string => {
    const model = models.find((m) => m.kind === kind && m.dimension !== 2);
    if (!model)
      throw new DemoError('DEMO_STEP_FAILED', `the server offers no ${kind} model (it has ${models.map((m) => m.name).join(', ')})`);
    return model.name;
  };
  const image = await readNiftiFile(imagePath);
  const segmentationModel = pick('segmentation');
  await using opened = await server.openImage(await openImageFile(imagePath), { id: caseId, onProgress: progressFor('image upload') });
  const auto = await server.segment(segmentationModel, opened, { onProgress: progressFor(`segment ${segmentationModel}`) });
  const results: [string, Uint8Array][] = [['auto_segmentation', auto.mask]];
  if (protocol === 'aiaa') results.push(['dextr3d', await dextr3d(url, opened.id, auto.params)]);
  const centre = centroid(await readNifti(auto.mask));
  const grown = await server.click(
    pick('interactive'),
    opened,
    { foreground: [centre], background: [[1, 1, 1]] },
    { onProgress: progressFor(`click ${pick('interactive')}`) },
  );
  results.push(['deepgrow', grown.mask]);
  const savedOnServer = await saveValidated(server, opened, grown.mask, grown.labels);
  const masks: AnnotationResult['masks'] = [];
  await mkdir(outDir, { recursive: true });
  for (const [name, bytes] of results) {
    const mask = await readNifti(bytes);
    if (mask.dims.join('x') !== image.dims.join('x'))
      throw new DemoError(
        'DEMO_STEP_FAILED',
        `the ${name} mask is ${mask.dims.join('x')}, not on the image's ${image.dims.join('x')} grid`,
      );
    const path = join(outDir, `${name}.nii.gz`);
    await writeMaskFile(path, mask);
    masks.push({ name, path, voxels: countLabelled(mask), bytes: (await stat(path)).size });
  }
  return {
    models: models.map((m) => m.name),
    masks,
    validatedMask: join(outDir, 'deepgrow.nii.gz'),
    segmentationModel,
    savedOnServer,
    uploads: opened.uploads,
  };
}

/** MONAI Label keeps the validated mask as the image's final label; an AIAA server keeps none (step 4 does). */
async function saveValidated(
  server: AnnotationServer,
  opened: AnnotationImage,
  mask: Uint8Array,
  labels: readonly AnnotationLabel[],
): Promise<string | undefined> {
  if (!server.capabilities.saveLabel) return undefined;
  const saved = await server.saveLabel(opened, mask, { tag: 'final', labels });
  return `${saved.image} (${saved.tag})`;
}

/** DEXTR3D from the segmentation's six extreme points, on the AIAA session the image is in. */
async function dextr3d(url: string, sessionId: string, params: Readonly<Record<string, unknown>>): Promise<Uint8Array> {
  await using client = createAiaaClient({ baseUrl: url });
  const [model] = await client.listModels({ type: 'annotation' });
  const points = Array.isArray(params['points']) ? (params['points'] as [number, number, number][]) : [];
  if (!model) throw new DemoError('DEMO_STEP_FAILED', 'the AIAA server offers no annotation (DEXTR3D) model');
  if (points.length < 6)
    throw new DemoError('DEMO_STEP_FAILED', `the segmentation returned ${points.length} extreme points, DEXTR3D needs 6`);
  return (await client.dextr3d(model.name, client.attachSession(sessionId), { points: points.slice(0, 6) })).mask;
}

/** The voxel index nearest the centre of a mask's labelled voxels. */
function centroid(mask: Volume): [number, number, number] {
  const [nx, ny] = [mask.dims[0]!, mask.dims[1]!];
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let n = 0;
  for (let index = 0; index < mask.data.length; index += 1) {
    if (!mask.data[index]) continue;
    sx += index % nx;
    sy += Math.floor(index / nx) % ny;
    sz += Math.floor(index / (nx * ny));
    n += 1;
  }
  if (n === 0) throw new DemoError('DEMO_STEP_FAILED', 'the automatic segmentation is empty');
  return [Math.round(sx / n), Math.round(sy / n), Math.round(sz / n)];
}

function countLabelled(mask: Volume): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i += 1) if (mask.data[i]) n += 1;
  return n;
}
