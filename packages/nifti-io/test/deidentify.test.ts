import { describe, expect, it } from 'vitest';
import { deidentify, findIdentifyingFields, readNifti, writeNifti, type Volume } from '@medaas/nifti-io';
import { sphereMask } from './helpers/phantoms.js';

const PLANTED = ['DOE^JANE', 'MRN-0042-7731', '19700101', 'St. Elsewhere Hospital'];

/** A file whose every text field and an extension carry planted patient data, written byte by byte. */
async function contaminated(): Promise<Uint8Array> {
  const volume: Volume = {
    ...sphereMask([10, 10, 10], 4),
    description: `${PLANTED[0]} ${PLANTED[1]}`,
    intent: { code: 1002, params: [0, 0, 0], name: PLANTED[2]! },
    extensions: [{ code: 2, data: new TextEncoder().encode(`(0010,0010) ${PLANTED[0]} (0008,0080) ${PLANTED[3]}`.padEnd(88, ' ')) }],
  };
  const bytes = new Uint8Array(await writeNifti(volume));
  // aux_file and db_name are not in the Volume model (the SDK never writes them); plant them in the header.
  bytes.set(new TextEncoder().encode(PLANTED[3]!.slice(0, 23)), 228);
  bytes.set(new TextEncoder().encode(PLANTED[1]!.slice(0, 17)), 14);
  return bytes;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('deidentify', () => {
  it('finds every place patient data can hide, without repeating the data', async () => {
    const volume = await readNifti(await contaminated());
    const findings = findIdentifyingFields(volume);
    expect(findings.map((f) => f.field)).toEqual(['descrip', 'intent_name', 'aux_file', 'db_name', 'extension[0] (code 2)']);
    for (const planted of PLANTED) expect(JSON.stringify(findings)).not.toContain(planted);
  });

  it('leaves nothing of the planted data in the written file, and keeps voxels and geometry', async () => {
    const source = await readNifti(await contaminated());
    expect(latin1(await writeNifti(source))).toContain(PLANTED[0]);
    const safe = deidentify(source);
    expect(findIdentifyingFields(safe)).toEqual([]);
    for (const gzip of [false, true]) {
      const bytes = await writeNifti(safe, { gzip });
      const text = latin1(
        gzip
          ? new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer())
          : bytes,
      );
      for (const planted of PLANTED) expect(text).not.toContain(planted);
      const back = await readNifti(bytes);
      expect(findIdentifyingFields(back)).toEqual([]);
      expect(back.affine).toEqual(source.affine);
      expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(source.data as Uint8Array))).toBe(true);
      expect(back.intent?.code).toBe(1002);
    }
  });

  it('never copies or changes the voxels', () => {
    const volume = sphereMask([4, 4, 4], 2);
    expect(deidentify(volume).data).toBe(volume.data);
  });
});
