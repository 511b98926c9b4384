#!/usr/bin/env node
/**
 * `npm run demo`: the medaas workflow so far. Writes a synthetic CT volume and its label mask the way
 * the SDK will hand them to an annotation server, reads them back, and summarises them together with
 * any NIfTI files named on the command line (and the Colin27 brain when Debian's mricron-data is
 * installed).
 */
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isMedaasError } from '@medaas/core';
import type { Volume } from '@medaas/nifti-io';
import { readNiftiFile, writeMaskFile, writeNiftiFile } from '@medaas/nifti-io/node';
import { summarise } from './summarise.js';

const COLIN27 = '/usr/share/mricron/templates/ch2.nii.gz';

async function main(): Promise<void> {
  const outDir = resolve(process.env['MEDAAS_DEMO_OUT'] ?? '.medaas-demo');
  await mkdir(outDir, { recursive: true });
  const { image, mask } = phantom();
  const imagePath = join(outDir, 'phantom_ct.nii.gz');
  const maskPath = join(outDir, 'phantom_ct_seg.nii.gz');
  console.log(`medaas demo: writing a synthetic CT and its mask to ${outDir}`);
  await writeNiftiFile(imagePath, image, { onProgress: bar('write image') });
  await writeMaskFile(maskPath, mask);
  const inputs = [imagePath, maskPath, ...process.argv.slice(2).map((p) => resolve(p))];
  if (existsSync(COLIN27)) inputs.push(COLIN27);
  for (const path of inputs) {
    const volume = await readNiftiFile(path, { onProgress: bar(`read ${path.split('/').pop()}`) });
    console.log(summarise(path, volume, (await stat(path)).size));
  }
  console.log('\nmedaas demo: done');
}

/** A 160x160x80 int16 CT-like phantom at 0.8 x 0.8 x 2 mm with a spherical "organ" and its mask. */
function phantom(): { image: Volume; mask: Volume } {
  const dims = [160, 160, 80] as const;
  const [nx, ny, nz] = dims;
  const image = new Int16Array(nx * ny * nz);
  const mask = new Uint8Array(nx * ny * nz);
  const affine = [
    [-0.8, 0, 0, 64],
    [0, -0.8, 0, 64],
    [0, 0, 2, -80],
    [0, 0, 0, 1],
  ] as const;
  for (let k = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1) {
        const index = i + nx * (j + ny * k);
        const body = Math.hypot((i - 80) / 70, (j - 80) / 55) < 1;
        const organ = Math.hypot((i - 95) * 0.8, (j - 70) * 0.8, (k - 40) * 2) < 25;
        image[index] = organ ? 1084 : body ? 1024 + ((i * 7 + j * 13 + k * 3) % 40) : 24;
        mask[index] = organ ? 1 : 0;
      }
  const base = { dims, affine, xformCode: 1 } as const;
  return {
    image: { ...base, datatype: 'int16', data: image, scaling: { slope: 1, inter: -1024 } },
    mask: { ...base, datatype: 'uint8', data: mask },
  };
}

/** A minimal progress printer for a terminal: one line per 25 %. */
function bar(label: string): (p: { loaded: number; total?: number | undefined }) => void {
  let shown = -1;
  return ({ loaded, total }) => {
    if (!total || !process.stdout.isTTY) return;
    const quarter = Math.floor((4 * loaded) / total);
    if (quarter > shown) {
      shown = quarter;
      process.stdout.write(`\r  ${label}: ${Math.round((100 * loaded) / total)} %${quarter >= 4 ? '\n' : ''}`);
    }
  };
}

main().catch((error: unknown) => {
  console.error(isMedaasError(error) ? `medaas demo failed: [${error.code}] ${error.message}` : error);
  process.exit(1);
});
