// The test page: the MONAI Label client and the common interface as a web page uses them, bundled for the
// browser by monai-label-browser.test.ts.
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { connectAnnotationServer } from '@medaas/aiaa-client/interactive';
const b64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
window.runMonaiLabel = async (baseUrl, imageB64, credentials) => {
  const image = new Blob([Uint8Array.from(atob(imageB64), (c) => c.charCodeAt(0))], { type: 'application/gzip' });
  const client = createMonaiLabelClient({ baseUrl, auth: credentials, clientId: 'browser' });
  const info = await client.info();
  // The checksum comes from Web Crypto; the second call finds the image and sends nothing.
  const first = await client.ensureImage(image);
  const second = await client.ensureImage(image);
  const seg = await client.segment('segmentation', first.id);
  const grown = await client.segment('deepgrow_3d', first.id, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
  const saved = await client.saveLabel(first.id, grown.mask);
  const label = await client.downloadLabel(first.id, { tag: 'final' });
  const session = await client.createSession(image, { expirySec: 60 });
  const fromSession = await client.segment('deepgrow_3d', session, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
  await session.close();
  const refused = await client.segment('no_such_model', first.id).catch((e) => ({ code: e.code }));
  const controller = new AbortController();
  const reason = new Error('the user closed the viewer');
  const pending = client.segment('segmentation', image, { signal: controller.signal });
  controller.abort(reason);
  const aborted = await pending.then(
    () => 'not aborted',
    (e) => (e === reason ? 'signal.reason' : String(e)),
  );
  // The rest of the API, endpoint by endpoint, from the page.
  const rest = {};
  rest.auth = (await client.authInfo()).enabled;
  rest.user = (await client.currentUser()).username;
  rest.stats = await client.datastoreStats();
  rest.contents = (await client.datastoreContents()).objects.map((o) => o.id);
  rest.trainList = (await client.trainingDatalist()).length;
  rest.uploaded = (await client.uploadImage(image, { id: 'second', params: { from: 'browser' } })).id;
  rest.imageInfo = (await client.updateImageInfo('second', { note: 'page' })).note;
  rest.downloaded = (await client.downloadImage('second')).fileName;
  rest.hasLabel = await client.hasLabel(first.id, { tag: 'final' });
  rest.labelInfo = (await client.updateLabelInfo(first.id, { reviewed: true }, { tag: 'final' })).reviewed;
  rest.dataset = (await client.downloadDataset()).fileName;
  rest.next = (await client.nextSample('first'))?.id;
  const task = await client.startTraining('segmentation', { params: { max_epochs: 3 } });
  rest.training = [task.status, (await client.waitForTraining({ pollIntervalMs: 50 })).status];
  rest.trainStatus = (await client.trainingStatus()).status;
  rest.stopIdle = await client.stopTraining();
  rest.model = (await client.modelInfo('segmentation')).checksum.slice(0, 7);
  const weights = await client.downloadModel('segmentation');
  rest.reuploaded = (await client.uploadModel('segmentation', weights.data, { fileName: 'segmentation.json' })).checksum.slice(0, 7);
  await client.startScoring('dice');
  for (let i = 0; i < 100 && (await client.scoringStatus())?.status !== 'DONE'; i += 1) await new Promise((r) => setTimeout(r, 50));
  rest.scoring = (await client.scoringStatus()).status;
  await client.startBatchInference('segmentation', { images: 'unlabeled' });
  for (let i = 0; i < 100 && (await client.batchInferenceStatus())?.status !== 'DONE'; i += 1) await new Promise((r) => setTimeout(r, 50));
  rest.batch = (await client.batchInferenceStatus()).status;
  rest.original = await client.hasLabel('second', { tag: 'original' });
  rest.logs = (await client.logs({ lines: 50 })).includes('/datastore/');
  const s2 = await client.createSession([{ data: image, fileName: 'a.nii.gz' }]);
  rest.sessionImage = (await client.downloadSessionImage(s2)).data.byteLength;
  rest.sessionInfo = (await client.getSession(s2, { touch: true })).id === s2.id;
  await s2.close();
  await client.deleteLabel('second', { tag: 'original' });
  await client.deleteModel('segmentation');
  await client.deleteImage('second');
  rest.gone = await client.hasImage('second');
  await client.close();
  const server = await connectAnnotationServer({ baseUrl, protocol: 'auto', auth: credentials });
  const opened = await server.openImage(image);
  const click = await server.click('deepgrow_3d', opened, { foreground: [[30, 28, 20]], background: [[2, 2, 2]] });
  await server.close();
  return {
    models: Object.keys(info.models),
    checksum: first.checksum,
    uploads: [first.uploaded, second.uploaded, opened.uploads],
    seg: b64(seg.mask),
    grown: b64(grown.mask),
    fromSession: b64(fromSession.mask),
    click: b64(click.mask),
    saved: saved.label,
    labelName: label.fileName,
    refused,
    aborted,
    protocol: server.protocol,
    rest,
  };
};
