// Runs inside headless Chromium (see seg-browser.test.ts): the SEG writer and reader of the browser build.
import { convertDicomSeries, readDicomSeg, writeDicomSeg, type DicomInput } from '@medaas/dicom';

async function run(base: string, names: readonly string[]): Promise<Record<string, unknown>> {
  const files: DicomInput[] = await Promise.all(
    names.map(async (name) => new File([await (await fetch(`${base}/ct5/${name}`)).arrayBuffer()], name)),
  );
  const volume = await convertDicomSeries(files);
  const data = new Uint8Array(await (await fetch(`${base}/mask.raw`)).arrayBuffer());
  const mask = { dims: volume.dims, datatype: 'uint8' as const, data, affine: volume.affine };
  const seg = await writeDicomSeg(mask, files, {
    segments: [
      { label: 1, name: 'Left sphere' },
      { label: 2, name: 'Right sphere' },
    ],
    seriesDescription: 'From a browser',
  });
  const back = await readDicomSeg(new File([seg], 'seg.dcm'), files);
  const same = back.mask.data.length === data.length && (back.mask.data as Uint8Array).every((v, i) => v === data[i]);
  const refused = await writeDicomSeg({ ...mask, data: new Uint8Array(data.length) }, files).then(
    () => 'written',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
  return { seg: Array.from(seg), same, segments: back.segments.map((s) => s.name), refused };
}

(globalThis as unknown as { medaasRun: typeof run }).medaasRun = run;
