import { throwIfAborted, type ProgressCallback } from '@medaas/core';
import type { DicomInput } from '../convert.js';
import { DicomError } from '../dicom-error.js';
import { summariseAttributes, type DeidentificationReport } from './deidentification-report.js';
import { deidentifyInstance, type InstanceSettings } from './deidentify-instance.js';
import { UidMap } from './uid-map.js';

/** Options of {@link deidentifyDicom}. */
export interface DeidentifyDicomOptions {
  /**
   * Retain Longitudinal Temporal Information. `true`: Full Dates option (dates and times kept as they
   * are). `{ shiftDays }`: Modified Dates option, every date moved by the same whole number of days
   * (times kept), so intervals stay exact; use one shift per patient and keep it at the hospital.
   * Default: off (dates removed, emptied or replaced as the basic profile says).
   */
  readonly retainLongitudinalDates?: boolean | { readonly shiftDays: number };
  /**
   * Clean Descriptors option: descriptions, protocol names and comments are kept with every word
   * that the data set holds in an identifying attribute (names, IDs, dates, places) removed, instead
   * of being removed. Default false.
   */
  readonly cleanDescriptors?: boolean;
  /**
   * Accept instances whose pixels may show burned-in text: Burned In Annotation (0028,0301) YES, or
   * absent on modalities where such text is usual (US, SC, XC, ES, GM, OT, XA, RF, DOC, and secondary
   * capture SOP classes). Default false: they are refused with `DICOM_BURNED_IN_ANNOTATION`.
   */
  readonly allowBurnedInAnnotation?: boolean;
  /** The UID map to use and extend; pass the same one to every call of one study. Default: a new map. */
  readonly uidMap?: UidMap;
  /** Values for Patient ID and Patient Name instead of empty ones (a study code, a subject number). */
  readonly pseudonym?: { readonly patientId: string; readonly patientName: string };
  /** Cancels between files; the call then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Reports `phase: 'deidentify'` with files done and the file count. */
  readonly onProgress?: ProgressCallback | undefined;
}

/** One de-identified file. */
export interface DeidentifiedInstance {
  /** `<new SOP Instance UID>.dcm`: a name free of the source's naming, which may hold identifiers. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The input's name, for the caller's bookkeeping; not part of the de-identified data. */
  readonly source: string;
}

/** The result of {@link deidentifyDicom}. */
export interface DeidentifiedSeries {
  readonly instances: readonly DeidentifiedInstance[];
  readonly report: DeidentificationReport;
  /** The map from original to new UIDs; it re-identifies the data and must never leave the hospital. */
  readonly uidMap: UidMap;
}

const CODES = {
  basic: ['113100', 'Basic Application Confidentiality Profile'],
  full: ['113106', 'Retain Longitudinal Temporal Information Full Dates Option'],
  modified: ['113107', 'Retain Longitudinal Temporal Information Modified Dates Option'],
  clean: ['113105', 'Clean Descriptors Option'],
} as const;

/**
 * De-identifies DICOM instances at the source by DICOM PS3.15 Annex E, the Basic Application Level
 * Confidentiality Profile, with the Retain Longitudinal Temporal Information (Full or Modified Dates)
 * and Clean Descriptors options on request. Attributes are treated by the transcribed Table E.1-1
 * (sequences item by item), private and 50xx/60xx groups removed, UIDs replaced consistently through
 * `uidMap`, Patient Identity Removed and the method attributes set. Kept attributes and pixel data are
 * copied byte for byte; the transfer syntax is kept.
 *
 * @throws {DicomError} `DICOM_BURNED_IN_ANNOTATION` (names the file), `DICOM_INVALID_FILE` (names the
 *   file), `DICOM_UNSUPPORTED` (big endian or deflated files), `DICOM_INVALID_ARGUMENT` (bad options);
 *   or `signal.reason` when aborted. Messages never quote attribute values.
 * @example
 * ```ts
 * const uidMap = new UidMap();
 * const { instances, report } = await deidentifyDicom(files, { uidMap, retainLongitudinalDates: { shiftDays: -137 } });
 * await upload(instances); // uidMap stays at the hospital
 * ```
 */
export async function deidentifyDicom(instances: readonly DicomInput[], options: DeidentifyDicomOptions = {}): Promise<DeidentifiedSeries> {
  const settings = settle(options);
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const out: DeidentifiedInstance[] = [];
  const touched = [];
  const names = new Set<string>();
  let privateTagsRemoved = 0;
  let lastYield = Date.now();
  for (const [index, input] of instances.entries()) {
    throwIfAborted(signal);
    const bytes =
      typeof Blob !== 'undefined' && input instanceof Blob
        ? new Uint8Array(await input.arrayBuffer())
        : (input as { readonly bytes: Uint8Array }).bytes;
    throwIfAborted(signal);
    const outcome = deidentifyInstance(input.name, bytes, settings);
    let name = `${outcome.sopInstanceUid}.dcm`;
    // Two inputs with one SOP Instance UID (copies): both kept, told apart by position.
    if (names.has(name)) name = `${outcome.sopInstanceUid}_${index}.dcm`;
    names.add(name);
    out.push({ name, bytes: outcome.bytes, source: input.name });
    touched.push(outcome.touched);
    privateTagsRemoved += outcome.privateRemoved;
    onProgress?.({ phase: 'deidentify', loaded: index + 1, total: instances.length });
    if (Date.now() - lastYield > 20) {
      // Lets an abort from a timer or another task land during a long series.
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = Date.now();
    }
  }
  throwIfAborted(signal);
  const report: DeidentificationReport = {
    profile: 'DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile',
    options: {
      retainLongitudinalDates: settings.dates,
      cleanDescriptors: settings.cleanDescriptors,
      pseudonym: settings.pseudonym !== undefined,
      allowBurnedInAnnotation: settings.allowBurnedInAnnotation,
    },
    methodCodes: settings.methodCodes.map(([code]) => code),
    instances: out.length,
    attributes: summariseAttributes(touched),
    privateTagsRemoved,
  };
  return { instances: out, report, uidMap: settings.uidMap };
}

function invalid(option: string, why: string): never {
  throw new DicomError('DICOM_INVALID_ARGUMENT', `${option} ${why}`, { details: { option } });
}

function settle(options: DeidentifyDicomOptions): InstanceSettings {
  const retain = options.retainLongitudinalDates;
  let dates: InstanceSettings['dates'] = 'off';
  let shiftDays = 0;
  if (retain === true) dates = 'full';
  else if (typeof retain === 'object' && retain !== null) {
    const days = retain.shiftDays;
    if (typeof days !== 'number' || !Number.isInteger(days) || days === 0 || Math.abs(days) > 36_500) {
      invalid('retainLongitudinalDates.shiftDays', 'must be a non-zero whole number of days within 100 years');
    }
    dates = 'modified';
    shiftDays = days;
  } else if (retain !== undefined && retain !== false) invalid('retainLongitudinalDates', 'must be a boolean or { shiftDays }');
  const pseudonym = options.pseudonym;
  if (pseudonym !== undefined) {
    for (const key of ['patientId', 'patientName'] as const) {
      const value: unknown = pseudonym[key];
      // LO and PN hold at most 64 characters; a backslash would split the value in two.
      if (typeof value !== 'string' || !/^[\x20-\x5b\x5d-\x7e]{1,64}$/.test(value))
        invalid(`pseudonym.${key}`, 'must be 1 to 64 printable ASCII characters without a backslash');
    }
  }
  if (options.uidMap !== undefined && !(options.uidMap instanceof UidMap)) invalid('uidMap', 'must be a UidMap');
  const cleanDescriptors = options.cleanDescriptors === true;
  const codes: (readonly [string, string])[] = [CODES.basic];
  if (dates === 'full') codes.push(CODES.full);
  if (dates === 'modified') codes.push(CODES.modified);
  if (cleanDescriptors) codes.push(CODES.clean);
  return {
    dates,
    cleanDescriptors,
    shiftDays,
    uidMap: options.uidMap ?? new UidMap(),
    pseudonym: pseudonym === undefined ? undefined : { patientId: pseudonym.patientId, patientName: pseudonym.patientName },
    methodNames: codes.map(([, meaning]) => meaning),
    methodCodes: codes,
    allowBurnedInAnnotation: options.allowBurnedInAnnotation === true,
  };
}
