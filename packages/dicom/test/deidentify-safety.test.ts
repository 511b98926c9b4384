import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyDicom, DicomError, UidMap } from '@medaas/dicom';
import { filesOf, findAscii, plantIdentifiers, type Planted } from './deidentify-fixtures.js';
import { PYTHON } from './helpers/reference.js';

let planted: Planted;
let ct: Uint8Array;
let ctImplicit: Uint8Array;
beforeAll(async () => {
  planted = await plantIdentifiers();
  ct = new Uint8Array(await readFile(join(planted.dir, 'planted', 'ct', 'CT_small.dcm')));
  ctImplicit = new Uint8Array(await readFile(join(planted.dir, 'planted', 'ct_implicit', 'CT_small.dcm')));
}, 120_000);
afterAll(async () => {
  await rm(planted.dir, { recursive: true, force: true });
});

async function burned(name: string): Promise<{ name: string; bytes: Uint8Array }> {
  return { name, bytes: new Uint8Array(await readFile(join(planted.dir, 'planted', 'burned', name))) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('burned-in annotation', () => {
  it('refuses Burned In Annotation YES by default with DICOM_BURNED_IN_ANNOTATION naming the file, and accepts it on opt-in', async () => {
    const error = await rejection(deidentifyDicom([await burned('declared_yes.dcm')]));
    expect(error).toBeInstanceOf(DicomError);
    expect((error as DicomError).code).toBe('DICOM_BURNED_IN_ANNOTATION');
    expect((error as DicomError).message).toContain('declared_yes.dcm');
    expect(JSON.stringify({ m: (error as DicomError).message, d: (error as DicomError).details }).toUpperCase()).not.toContain('ZQX');
    const ok = await deidentifyDicom([await burned('declared_yes.dcm')], { allowBurnedInAnnotation: true });
    expect(ok.instances).toHaveLength(1);
    expect(ok.report.options.allowBurnedInAnnotation).toBe(true);
    expect(findAscii(ok.instances[0]!.bytes, 'ZQX')).toBe(-1);
  });

  it('refuses an ultrasound that does not declare it, accepts one that declares NO', async () => {
    const error = await rejection(deidentifyDicom([await burned('us_absent.dcm')]));
    expect((error as DicomError).code).toBe('DICOM_BURNED_IN_ANNOTATION');
    expect((await deidentifyDicom([await burned('us_declared_no.dcm')])).instances).toHaveLength(1);
  });
});

describe('UidMap', () => {
  it('maps consistently across calls of one study and round-trips through JSON', async () => {
    const files = await filesOf(join(planted.dir, 'planted', 'series'));
    const uidMap = new UidMap();
    const first = await deidentifyDicom(files.slice(0, 10), { uidMap });
    const second = await deidentifyDicom(files.slice(10), { uidMap });
    expect(first.uidMap).toBe(uidMap);
    const again = UidMap.fromJSON(JSON.parse(JSON.stringify(uidMap.toJSON())));
    expect(again.size).toBe(uidMap.size);
    const studyOriginal = '1.2.826.0.1.3680043.9.7777.1.1';
    const study = uidMap.toDeidentified(studyOriginal)!;
    expect(study).toMatch(/^2\.25\.\d{1,39}$/);
    expect(again.toOriginal(study)).toBe(studyOriginal);
    // Both halves name the same study; every new SOP Instance UID restores its original.
    const names = [...first.instances, ...second.instances].map((i) => i.name);
    expect(new Set(names).size).toBe(20);
    for (const [index, name] of names.entries()) {
      expect(again.toOriginal(name.replace(/\.dcm$/, ''))).toBe(`1.2.826.0.1.3680043.9.7777.4.1.${index}`);
    }
    expect(uidMap.map(studyOriginal)).toBe(study);
  });

  it('rejects data that is not a map with DICOM_INVALID_ARGUMENT, quoting no UID', () => {
    for (const bad of [
      null,
      3,
      {},
      {
        format: 'medaas-dicom-uid-map',
        version: 1,
        entries: [
          ['1.2', '1.2'],
          ['1.2', '1.3'],
        ],
      },
      { format: 'medaas-dicom-uid-map', version: 1, entries: [[1, 2]] },
    ]) {
      expect(() => UidMap.fromJSON(bad)).toThrow(expect.objectContaining({ code: 'DICOM_INVALID_ARGUMENT' }));
    }
  });
});

describe('options and cancellation', () => {
  it('rejects bad options with DICOM_INVALID_ARGUMENT', async () => {
    const file = { name: 'ct.dcm', bytes: ct };
    const bad: unknown[] = [
      { retainLongitudinalDates: { shiftDays: 0 } },
      { retainLongitudinalDates: { shiftDays: 1.5 } },
      { retainLongitudinalDates: 'yes' },
      { pseudonym: { patientId: 'A\\B', patientName: 'X' } },
      { pseudonym: { patientId: '', patientName: 'X' } },
      { uidMap: {} },
    ];
    for (const options of bad) {
      const error = await rejection(deidentifyDicom([file], options as never));
      expect((error as DicomError).code).toBe('DICOM_INVALID_ARGUMENT');
    }
  });

  it('rejects with signal.reason when aborted before the call or between files', async () => {
    const files = await filesOf(join(planted.dir, 'planted', 'series'));
    const before = new AbortController();
    before.abort(new Error('stop now'));
    expect(await rejection(deidentifyDicom(files, { signal: before.signal }))).toBe(before.signal.reason);
    const during = new AbortController();
    const seen: number[] = [];
    const error = await rejection(
      deidentifyDicom(files, {
        signal: during.signal,
        onProgress: (p) => {
          seen.push(p.loaded);
          if (p.loaded === 3) during.abort(new Error('user cancelled'));
        },
      }),
    );
    expect(error).toBe(during.signal.reason);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('a bare data set (no preamble, no file meta)', () => {
  it('gets a file meta group with the new SOP Instance UID, readable by pydicom with the same pixels', async () => {
    const implicit = new Uint8Array(await readFile(join(planted.dir, 'planted', 'ct_implicit', 'CT_small.dcm')));
    const metaLength = new DataView(implicit.buffer, implicit.byteOffset).getUint32(132 + 8, true);
    const bare = implicit.slice(132 + 12 + metaLength);
    const { instances } = await deidentifyDicom([{ name: 'bare.dcm', bytes: bare }]);
    const out = join(planted.dir, 'bare-out.dcm');
    await writeFile(out, instances[0]!.bytes);
    const script = [
      'import sys, pydicom, numpy',
      'a = pydicom.dcmread(sys.argv[1]); b = pydicom.dcmread(sys.argv[2], force=True)',
      'b.file_meta = pydicom.dataset.FileMetaDataset(); b.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian',
      "print(a.file_meta.TransferSyntaxUID, a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID, a.SOPInstanceUID.startswith('2.25.'), numpy.array_equal(a.pixel_array, b.pixel_array), 'PatientName' in a and a.PatientName == '')",
    ].join('\n');
    expect(
      execFileSync(PYTHON, ['-c', script, out, join(planted.dir, 'planted', 'ct_implicit', 'CT_small.dcm')], { encoding: 'utf8' }).trim(),
    ).toBe('1.2.840.10008.1.2 True True True True');
    expect(findAscii(instances[0]!.bytes, 'ZQX')).toBe(-1);
  });
});

describe('hostile input', () => {
  it('answers mutated real files with a result or a typed DicomError that quotes no planted value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('explicit', 'implicit'),
        fc.oneof(
          fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: 70_000 }) }),
          fc.record({
            kind: fc.constant('bytes' as const),
            at: fc.integer({ min: 128, max: 70_000 }),
            values: fc.uint8Array({ minLength: 1, maxLength: 8 }),
          }),
          fc.record({
            kind: fc.constant('length' as const),
            at: fc.integer({ min: 132, max: 20_000 }),
            value: fc.constantFrom(0xffffffff, 0xfffffffe, 0x7fffffff, 1, 0),
          }),
        ),
        async (which, mutation) => {
          const base = which === 'explicit' ? ct : ctImplicit;
          const at = Math.min(mutation.at, base.length - 4);
          let bytes: Uint8Array;
          if (mutation.kind === 'truncate') bytes = base.slice(0, at);
          else {
            bytes = base.slice();
            if (mutation.kind === 'bytes') bytes.set(mutation.values.subarray(0, bytes.length - at), at);
            else new DataView(bytes.buffer).setUint32(at, mutation.value, true);
          }
          try {
            await deidentifyDicom([{ name: 'mutated.dcm', bytes }], { allowBurnedInAnnotation: true });
          } catch (error) {
            expect(error).toBeInstanceOf(DicomError);
            const text = JSON.stringify({ message: (error as DicomError).message, details: (error as DicomError).details }).toUpperCase();
            expect(text).not.toContain('ZQX');
            expect(text).not.toContain('1.2.826.0.1.3680043.9.7777');
          }
        },
      ),
      { numRuns: 400, seed: 20261207 },
    );
  }, 120_000);

  it('takes browser File objects like { name, bytes }', async () => {
    const progress: string[] = [];
    const { instances } = await deidentifyDicom([new File([ct.slice()], 'ct.dcm')], {
      onProgress: (p) => progress.push(`${p.phase} ${p.loaded}/${p.total ?? '?'}`),
    });
    expect(instances[0]!.source).toBe('ct.dcm');
    expect(findAscii(instances[0]!.bytes, 'ZQX')).toBe(-1);
    expect(progress).toEqual(['deidentify 1/1']);
  });

  it('refuses files that are not DICOM with DICOM_INVALID_FILE naming the file', async () => {
    const error = await rejection(
      deidentifyDicom([{ name: 'notes.txt', bytes: new TextEncoder().encode('hello, this is not DICOM at all') }]),
    );
    expect((error as DicomError).code).toBe('DICOM_INVALID_FILE');
    expect((error as DicomError).message).toContain('notes.txt');
  });
});
