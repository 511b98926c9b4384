import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressCallback } from '@medaas/core';
import {
  createDicomwebClient,
  convertDicomSeries,
  dicomJsonString,
  studyUidOf,
  seriesUidOf,
  UidMap,
  type DeidentificationReport,
  type DicomwebClient,
  type DicomJsonDataset,
} from '@medaas/dicom';
import { deidentifyDicomFolder, retrieveSeriesToFolder, writeDicomSegFile } from '@medaas/dicom/node';
import { resample } from '@medaas/nifti-io';
import { readNiftiFile } from '@medaas/nifti-io/node';
import type { PacsConfig } from '../config.js';
import { startLocalPacs } from './local-pacs.js';
import { DemoError } from '../demo-error.js';

/** The hospital side of the demo: where the study came from, and what stays at the hospital. */
export interface HospitalStudy {
  readonly pacsUrl: string;
  /** The original study and series, as the PACS knows them. */
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly modality: string;
  readonly instances: number;
  /** The series as retrieved: patient data included, it never leaves the hospital. */
  readonly originalDir: string;
  /** The de-identified copy: what is converted and goes to the cluster. */
  readonly deidentifiedDir: string;
  readonly report: DeidentificationReport;
  /** New UIDs to original ones, written next to the original series, never with the de-identified copy. */
  readonly uidMapPath: string;
  readonly client: DicomwebClient;
  /** Stops the local PACS, when the demo started one. */
  close(): Promise<void>;
}

/**
 * Finds the study over QIDO-RS (the one asked for, or the newest holding a CT or MR series), retrieves its
 * largest CT or MR series over WADO-RS into the hospital folder, and de-identifies it by the DICOM basic
 * profile (with retained, shifted dates) into the folder the rest of the demo works on.
 */
export async function fetchFromPacs(pacs: PacsConfig, workDir: string, onProgress: ProgressCallback): Promise<HospitalStudy> {
  const local = pacs.url ? undefined : await startLocalPacs(workDir);
  try {
    const baseUrl = pacs.url ?? local!.dicomWebUrl;
    const client = createDicomwebClient({ baseUrl, ...(pacs.auth ? { auth: pacs.auth } : {}) });
    const studyUid = pacs.studyUid ?? local?.studyUid ?? (await newestImagingStudy(client));
    const series = (await client.searchSeries(studyUid, { includeFields: ['NumberOfSeriesRelatedInstances'] })).filter((s) =>
      ['CT', 'MR'].includes(dicomJsonString(s, 'Modality') ?? ''),
    );
    const largest = series.sort((a, b) => count(b) - count(a))[0];
    if (!largest) throw new DemoError('DEMO_STEP_FAILED', `study ${studyUid} holds no CT or MR series`);
    const seriesUid = seriesUidOf(largest)!;
    const hospital = join(workDir, 'hospital');
    const originalDir = join(hospital, 'original', seriesUid);
    await rm(originalDir, { recursive: true, force: true });
    const retrieved = await retrieveSeriesToFolder(client, originalDir, { studyUid, seriesUid, onProgress });
    const deidentifiedDir = join(workDir, 'deidentified');
    await rm(deidentifiedDir, { recursive: true, force: true });
    const { report, uidMap } = await deidentifyDicomFolder(originalDir, deidentifiedDir, { retainLongitudinalDates: true, onProgress });
    const uidMapPath = join(hospital, 'uid-map.json');
    await mkdir(hospital, { recursive: true });
    await writeFile(uidMapPath, `${JSON.stringify(uidMap.toJSON())}\n`, { mode: 0o600 });
    return {
      pacsUrl: baseUrl,
      studyUid,
      seriesUid,
      modality: dicomJsonString(largest, 'Modality') ?? '',
      instances: retrieved.files.length,
      originalDir,
      deidentifiedDir,
      report,
      uidMapPath,
      client,
      close: async () => local?.close(),
    };
  } catch (error) {
    await local?.close();
    throw error;
  }
}

function count(series: DicomJsonDataset): number {
  return Number(dicomJsonString(series, 'NumberOfSeriesRelatedInstances') ?? 0);
}

async function newestImagingStudy(client: DicomwebClient): Promise<string> {
  const studies: DicomJsonDataset[] = [];
  for (const modality of ['CT', 'MR'])
    studies.push(...(await client.searchStudies({ filters: { ModalitiesInStudy: modality }, includeFields: ['StudyDate', 'StudyTime'] })));
  const when = (s: DicomJsonDataset): string => `${dicomJsonString(s, 'StudyDate') ?? ''}${dicomJsonString(s, 'StudyTime') ?? ''}`;
  const newest = studies.sort((a, b) => when(b).localeCompare(when(a)))[0];
  const uid = newest ? studyUidOf(newest) : undefined;
  if (!uid) throw new DemoError('DEMO_STEP_FAILED', 'the PACS holds no CT or MR study');
  return uid;
}

/** What went back to the PACS. */
export interface SegBack {
  readonly segPath: string;
  readonly segSeriesUid: string;
  /** The series of the original study as the PACS lists them after the store, with their modalities. */
  readonly studySeries: readonly { readonly uid: string; readonly modality: string }[];
}

/**
 * The validated mask back to the hospital: the de-identified series it was made on is mapped back to the
 * original series with the hospital's UID map, the mask is put back on that series' grid (label
 * interpolation), written as a DICOM Segmentation referencing the original instances, in the original study,
 * and stored in the PACS over STOW-RS.
 */
export async function segToPacs(
  hospital: HospitalStudy,
  deidentifiedSeriesUid: string,
  validatedMask: string,
  workDir: string,
): Promise<SegBack> {
  const uidMap = UidMap.fromJSON(JSON.parse(await readFile(hospital.uidMapPath, 'utf8')));
  const originalSeries = uidMap.toOriginal(deidentifiedSeriesUid);
  if (originalSeries !== hospital.seriesUid)
    throw new DemoError('DEMO_STEP_FAILED', 'the mask was made on a series this hospital did not send');
  const source = await Promise.all(
    (await readdir(hospital.originalDir))
      .sort()
      .map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(hospital.originalDir, name))) })),
  );
  const grid = await convertDicomSeries(source);
  const mask = await resample(await readNiftiFile(validatedMask), { like: grid }, { interpolation: 'label' });
  const segPath = join(workDir, 'hospital', 'validated-mask.seg.dcm');
  await writeDicomSegFile(segPath, mask, source, {
    segments: [
      {
        label: 1,
        name: 'object',
        description: 'validated in the medaas demo',
        algorithm: { type: 'SEMIAUTOMATIC', name: 'medaas DeepGrow' },
      },
    ],
    seriesDescription: 'medaas validated mask',
  });
  const seg = new Uint8Array(await readFile(segPath));
  const stored = await hospital.client.storeInstances([seg], { studyUid: hospital.studyUid });
  if (!stored.complete)
    throw new DemoError('DEMO_STEP_FAILED', `the PACS did not store the DICOM SEG (HTTP ${stored.statuses.join(', ')})`);
  const studySeries = (await hospital.client.searchSeries(hospital.studyUid)).map((s) => ({
    uid: seriesUidOf(s) ?? '',
    modality: dicomJsonString(s, 'Modality') ?? '',
  }));
  const segSeriesUid = stored.stored[0] ? await segSeriesOf(hospital.client, hospital.studyUid, stored.stored[0].sopInstanceUid) : '';
  return { segPath, segSeriesUid, studySeries };
}

async function segSeriesOf(client: DicomwebClient, studyUid: string, sopUid: string): Promise<string> {
  const [instance] = await client.searchInstances(studyUid, undefined, { filters: { SOPInstanceUID: sopUid } });
  return instance ? (seriesUidOf(instance) ?? '') : '';
}
