import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidentifyDicom, PROFILE_TABLE, UidMap, type DeidentifyDicomOptions } from '@medaas/dicom';
import { check, filesOf, findAscii, plantIdentifiers, STUDIES, writeOutputs, type Planted } from './deidentify-fixtures.js';

let planted: Planted;
beforeAll(async () => {
  planted = await plantIdentifiers();
}, 120_000);
afterAll(async () => {
  await rm(planted.dir, { recursive: true, force: true });
});

interface Variant {
  readonly name: string;
  readonly options: DeidentifyDicomOptions;
  readonly checker: Record<string, unknown>;
  /** Planted dates may stay only under Full Dates. */
  readonly datesKept: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'basic profile', options: {}, checker: { dates: 'off' }, datesKept: false },
  { name: 'retain longitudinal, full dates', options: { retainLongitudinalDates: true }, checker: { dates: 'full' }, datesKept: true },
  {
    name: 'retain longitudinal, modified dates',
    options: { retainLongitudinalDates: { shiftDays: 1000 } },
    checker: { dates: 'modified', shiftDays: 1000 },
    datesKept: false,
  },
  { name: 'clean descriptors', options: { cleanDescriptors: true }, checker: { dates: 'off', cleanDescriptors: true }, datesKept: false },
  {
    name: 'pseudonym, modified dates and clean descriptors together',
    options: {
      pseudonym: { patientId: 'SUBJ-0042', patientName: 'SUBJECT^0042' },
      retainLongitudinalDates: { shiftDays: -400 },
      cleanDescriptors: true,
    },
    checker: {
      dates: 'modified',
      shiftDays: -400,
      cleanDescriptors: true,
      pseudonym: { patientId: 'SUBJ-0042', patientName: 'SUBJECT^0042' },
    },
    datesKept: false,
  },
];

describe.each(VARIANTS)('deidentifyDicom: $name', (variant) => {
  it('applies every action of the table, checked attribute by attribute with pydicom, and leaks no planted value', async () => {
    const out = join(planted.dir, `out-${VARIANTS.indexOf(variant)}`);
    const uidMap = new UidMap();
    const reports = [];
    for (const study of STUDIES) {
      const result = await deidentifyDicom(await filesOf(join(planted.dir, 'planted', study)), { ...variant.options, uidMap });
      await writeOutputs(out, study, result);
      reports.push(result.report);
      const needles = [...planted.tokens, ...(variant.datesKept ? [] : planted.dates)];
      for (const instance of result.instances) {
        for (const needle of needles) expect(findAscii(instance.bytes, needle), `${needle} in ${instance.source}`).toBe(-1);
      }
      const reportJson = JSON.stringify(result.report);
      for (const needle of [...planted.tokens, ...planted.dates, 'ZQXFAMILY'])
        expect(reportJson.toUpperCase()).not.toContain(needle.toUpperCase());
    }
    const mapPath = join(out, 'map.json');
    await writeFile(mapPath, JSON.stringify(uidMap.toJSON()));
    const report = check(join(planted.dir, 'planted'), out, { ...variant.checker, uidMap: mapPath });
    const failed = report.attributes.filter((a) => !a.ok);
    expect(failed).toEqual([]);
    expect(report.attributes).toHaveLength(PROFILE_TABLE.length);
    expect(report.attributes.length).toBe(planted.attributes);
    expect(report.fileChecks).toEqual([]);
    expect(report.uidChecks).toEqual([]);
    // The report names what was done per attribute, and counts private elements.
    const series = reports[0]!;
    expect(series.instances).toBe(20);
    expect(series.privateTagsRemoved).toBeGreaterThanOrEqual(20 * 3);
    expect(series.attributes.find((a) => a.keyword === 'PatientName')).toMatchObject({ tag: '(0010,0010)', instances: 20 });
    expect(series.attributes.find((a) => a.keyword === 'StudyInstanceUID')).toMatchObject({ action: 'U', instances: 20 });
  }, 120_000);
});

describe('the option differences', () => {
  it('match the profile: dates kept, shifted or removed; descriptors removed or cleaned; method codes by option', async () => {
    const files = await filesOf(join(planted.dir, 'planted', 'mr'));
    const action = async (options: DeidentifyDicomOptions, keyword: string): Promise<string | undefined> =>
      (await deidentifyDicom(files, options)).report.attributes.find((a) => a.keyword === keyword)?.action;
    expect(await action({}, 'StudyDate')).toBe('Z');
    expect(await action({ retainLongitudinalDates: true }, 'StudyDate')).toBe('K');
    expect(await action({ retainLongitudinalDates: { shiftDays: 7 } }, 'StudyDate')).toBe('C');
    expect(await action({ retainLongitudinalDates: { shiftDays: 7 } }, 'StudyTime')).toBe('K');
    expect(await action({}, 'SeriesDescription')).toBe('X');
    expect(await action({ cleanDescriptors: true }, 'SeriesDescription')).toBe('C');
    expect(await action({}, 'ContentDate')).toBe('D');
    expect(await action({}, 'ReferencedImageSequence')).toBe('U');
    expect((await deidentifyDicom(files, { retainLongitudinalDates: true, cleanDescriptors: true })).report.methodCodes).toEqual([
      '113100',
      '113106',
      '113105',
    ]);
    expect((await deidentifyDicom(files, { retainLongitudinalDates: { shiftDays: 3 } })).report.methodCodes).toEqual(['113100', '113107']);
  });

  it('the checker fails on files that were not de-identified (it can catch a miss)', async () => {
    const mapPath = join(planted.dir, 'empty-map.json');
    await writeFile(mapPath, JSON.stringify(new UidMap().toJSON()));
    const report = check(join(planted.dir, 'planted'), join(planted.dir, 'planted'), { dates: 'off', uidMap: mapPath });
    expect(report.attributes.filter((a) => !a.ok).length).toBeGreaterThan(250);
    expect(report.fileChecksOk).toBe(false);
  }, 60_000);
});
