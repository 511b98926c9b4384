// Runs inside headless Chromium (see dicomweb-browser.test.ts): the DICOMweb client of the browser build, on the
// browser's own fetch, against a real Orthanc behind the page's origin.
import { createDicomwebClient, dicomJsonString, DicomwebError } from '@medaas/dicom';

async function run(baseUrl: string, studyUid: string): Promise<Record<string, unknown>> {
  const client = createDicomwebClient({ baseUrl });
  const series = await client.searchSeries(studyUid);
  const seriesUid = dicomJsonString(series[0]!, 'SeriesInstanceUID')!;
  let instances = 0;
  let bytes = 0;
  const progress: number[] = [];
  for await (const instance of client.retrieveSeries(studyUid, seriesUid, { onProgress: ({ loaded }) => progress.push(loaded) })) {
    instances += 1;
    bytes += instance.byteLength;
  }
  const metadata = await client.retrieveSeriesMetadata(studyUid, seriesUid);
  const missing = await (async () => {
    for await (const instance of client.retrieveSeries(studyUid, '1.2.3.4.5.6.7.8.9')) return `got ${instance.byteLength} bytes`;
    return 'nothing';
  })().catch((error: unknown) => (error instanceof DicomwebError ? error.code : String(error)));
  const stored = await client.storeInstances([]).then(
    (result) => `sent ${result.sent}`,
    (error: unknown) => (error instanceof DicomwebError ? error.code : String(error)),
  );
  return {
    seriesUid,
    instances,
    bytes,
    metadata: metadata.length,
    modality: dicomJsonString(metadata[0]!, 'Modality'),
    progressed: progress.length > 0,
    missing,
    stored,
  };
}

(globalThis as unknown as { medaasRun: typeof run }).medaasRun = run;
