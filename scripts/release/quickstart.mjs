// The @medaas/nifti-io README quick start, run by the release dry run inside its consumer project (copied
// there, so that it imports the installed tarballs). A small int16 CT is written with the package first,
// then read back as the README reads it. Writes ct.nii.gz into the current folder for the CLI checks
// that follow; prints one line, throws on any difference.
import { readFile } from 'node:fs/promises';
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { readNifti, writeNifti, geometryFromAffine, scaledData } from '@medaas/nifti-io';
import { readNiftiFile, writeNiftiFile } from '@medaas/nifti-io/node';

const dims = [24, 20, 8];
const data = new Int16Array(dims[0] * dims[1] * dims[2]).map((_, i) => (i % 97) - 40);
const affine = [
  [0.7, 0, 0, -180],
  [0, 0.7, 0, -150],
  [0, 0, 1.5, -300],
  [0, 0, 0, 1],
];
await writeNiftiFile('ct.nii.gz', { dims, datatype: 'int16', data, affine, scaling: { slope: 1, inter: -1024 } });

// As in the README:
const ct = await readNiftiFile('ct.nii.gz');
const { spacingMm, originMm } = geometryFromAffine(ct.affine);
const hu = scaledData(ct);
await writeNiftiFile('copy.nii.gz', ct);
const bytes = await writeNifti(ct, { gzip: true });
const again = await readNifti(new Blob([bytes]));

deepStrictEqual(ct.dims, dims);
deepStrictEqual(
  spacingMm.map((s) => +s.toFixed(4)),
  [0.7, 0.7, 1.5],
);
deepStrictEqual(originMm, [-180, -150, -300]);
strictEqual(hu[5], data[5] - 1024);
deepStrictEqual(Array.from(again.data), Array.from(data));
ok((await readFile('copy.nii.gz')).length > 100);
console.log(
  `read ${ct.dims.join('x')} ${ct.datatype}, spacing ${spacingMm.map((s) => +s.toFixed(2)).join('x')} mm, written and read back in memory`,
);
