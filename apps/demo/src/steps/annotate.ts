import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createAiaaClient } from '@medaas/aiaa-client';
import { openImageFile } from '@medaas/aiaa-client/node';
import type { ProgressCallback } from '@medaas/core';
import { readNifti, type Volume } from '@medaas/nifti-io';
import { readNiftiFile, writeMaskFile } from '@medaas/nifti-io/node';

/** What the annotation step produced: the models the server offered and three masks on the image's grid. */
export interface AnnotationResult {
  readonly models: readonly string[];
  readonly masks: { readonly name: string; readonly path: string; readonly voxels: number; readonly bytes: number }[];
  /** The mask the "doctor" validated: the DeepGrow refinement. */
  readonly validatedMask: string;
}

/**
 * Step 3: the annotation session a viewer runs. Upload the image once (an AIAA session), auto-segment,
 * refine with DEXTR3D from the six extreme points the segmentation returned, refine again with DeepGrow
 * clicks (foreground at the structure's centre, background in a corner), and save each mask compactly.
 */
export async function annotateStep(url: string, imagePath: string, outDir: string, onProgress: ProgressCallback): Promise<AnnotationResult> {
  await using client = createAiaaClient({ baseUrl: url });
  const models = await client.listModels();
  const byType = (type: string): string => {
    const model = models.find((m) => m.type === type && (type !== 'deepgrow' || /3d/i.test(String(m.deepgrow ?? ''))));
    if (!model) throw new Error(`the server offers no ${type} model (it has ${models.map((m) => m.name).join(', ')})`);
    return model.name;
  };
  const image = await readNiftiFile(imagePath);
  await using session = await client.createSession(await openImageFile(imagePath), { expirySec: 600, onProgress });
  const auto = await client.segmentation(byType('segmentation'), session, { onProgress });
  if (auto.points.length < 6) throw new Error(`the segmentation returned ${auto.points.length} extreme points, DEXTR3D needs 6`);
  const dextr = await client.dextr3d(byType('annotation'), session, { points: auto.points.slice(0, 6), onProgress });
  const autoMask = await readNifti(auto.mask);
  const centre = centroid(autoMask);
  const grown = await client.deepgrow(byType('deepgrow'), session, { foreground: [centre], background: [[1, 1, 1]], onProgress });
  const masks: AnnotationResult['masks'] = [];
  await mkdir(outDir, { recursive: true });
  for (const [name, bytes] of [['auto_segmentation', auto.mask], ['dextr3d', dextr.mask], ['deepgrow', grown.mask]] as const) {
    const mask = await readNifti(bytes);
    if (mask.dims.join('x') !== image.dims.join('x')) throw new Error(`the ${name} mask is ${mask.dims.join('x')}, not on the image's ${image.dims.join('x')} grid`);
    const path = join(outDir, `${name}.nii.gz`);
    await writeMaskFile(path, mask);
    masks.push({ name, path, voxels: countLabelled(mask), bytes: (await stat(path)).size });
  }
  return { models: models.map((m) => m.name), masks, validatedMask: join(outDir, 'deepgrow.nii.gz') };
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
  if (n === 0) throw new Error('the automatic segmentation is empty');
  return [Math.round(sx / n), Math.round(sy / n), Math.round(sz / n)];
}

function countLabelled(mask: Volume): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i += 1) if (mask.data[i]) n += 1;
  return n;
}
