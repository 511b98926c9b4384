// The test page: the client as a web page uses it, bundled for the browser by browser.test.ts.
import { createAiaaClient, isAiaaSession } from '@medaas/aiaa-client';
const b64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
window.runAiaa = async (baseUrl, imageB64) => {
  const image = new Blob([Uint8Array.from(atob(imageB64), (c) => c.charCodeAt(0))], { type: 'application/gzip' });
  // An extra header makes the browser ask the server first (a CORS preflight), as a proxy token would.
  const client = createAiaaClient({ baseUrl, headers: { 'x-medaas-site': 'radiology' } });
  const progress = [];
  const models = (await client.listModels()).map((m) => m.name);
  const session = await client.createSession(image, {
    expirySec: 60,
    onProgress: (p) => progress.push(p.phase + ':' + p.loaded + '/' + p.total),
  });
  const seg = await client.segmentation('segmentation_threshold', session);
  const grown = await client.deepgrow('deepgrow_3d', session, { foreground: [[30, 28, 20]], background: [] });
  const refused = await client
    .segmentation('no_such_model', session)
    .catch((e) => ({ code: e.code, status: e.details && e.details.status }));
  const controller = new AbortController();
  const reason = new Error('the user closed the viewer');
  const pending = client.segmentation('segmentation_threshold', image, { signal: controller.signal });
  controller.abort(reason);
  const aborted = await pending.then(
    () => 'not aborted',
    (e) => (e === reason ? 'signal.reason' : String(e)),
  );
  await session.close();
  const closedAfter = await client.getSession(session.id).then(
    () => 'still there',
    (e) => e.details && e.details.status,
  );
  await client.close();
  return {
    models,
    isSession: isAiaaSession(session),
    closedAfter,
    progress,
    seg: b64(seg.mask),
    points: seg.points,
    grown: b64(grown.mask),
    refused,
    aborted,
  };
};
// A call whose server answers with a redirect to another host: the outcome as the page sees it.
window.runRedirected = async (baseUrl, imageB64) => {
  const image = new Blob([Uint8Array.from(atob(imageB64), (c) => c.charCodeAt(0))], { type: 'application/gzip' });
  const client = createAiaaClient({ baseUrl, headers: { 'x-api-key': 'the-site-api-key' } });
  try {
    const { mask } = await client.segmentation('segmentation_threshold', image);
    return { resolved: new TextDecoder().decode(mask) };
  } catch (e) {
    return { code: e.code, status: e.details && e.details.status, message: e.message };
  } finally {
    await client.close();
  }
};
