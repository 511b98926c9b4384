// Try the viewer by hand: `node examples/viewer/serve.mjs [image.nii.gz]` builds the page and the back end,
// starts @medaas/aiaa-testkit and the viewer on 127.0.0.1 and prints the URL. Without an image it serves
// the demo phantom (three spheres on an oblique grid). Ctrl-C stops everything.
import { writeViewerDist } from './build.mjs';

const dist = await writeViewerDist();
const { startViewerServer, startTestServer, demoPhantom, writeNifti, readNiftiFile } = await import(`${dist}/server.mjs`);
const { readFile } = await import('node:fs/promises');

const imagePath = process.argv[2];
const image = imagePath ? await writeNifti(await readNiftiFile(imagePath), { gzip: true }) : await writeNifti(demoPhantom().volume, { gzip: true });
const aiaa = await startTestServer({ host: '127.0.0.1' });
const viewer = await startViewerServer({
  aiaaUrl: aiaa.url,
  image,
  page: { html: await readFile(`${dist}/index.html`, 'utf8'), script: await readFile(`${dist}/viewer.js`, 'utf8') },
  logger: { debug() {}, info: (m, f) => console.log(m, f ?? ''), warn: console.warn, error: console.error },
});
console.log(`AIAA testkit: ${aiaa.url}  (DeepGrow model: ${viewer.model})`);
console.log(`Viewer: ${viewer.url}`);
console.log(imagePath ? `Image: ${imagePath}` : 'Image: the demo phantom (click a bright sphere; a background click on the touching one keeps the mask out of it)');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await viewer.close();
  await aiaa.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
