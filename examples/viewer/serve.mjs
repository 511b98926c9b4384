// Try the viewer by hand: `node examples/viewer/serve.mjs [--protocol aiaa|monai-label] [image.nii.gz]` builds
// the page and the back end, starts @medaas/aiaa-testkit (AIAA v1 by default, or its MONAI Label face) and the
// viewer on 127.0.0.1 and prints the URL. Without an image it serves the demo phantom (three spheres on an
// oblique grid). Ctrl-C stops everything.
import { writeViewerDist } from './build.mjs';

const dist = await writeViewerDist();
const { startViewerServer, startTestServer, demoPhantom, writeNifti, readNiftiFile } = await import(`${dist}/server.mjs`);
const { readFile } = await import('node:fs/promises');

const args = process.argv.slice(2);
const flag = args.indexOf('--protocol');
const protocol = flag >= 0 ? args.splice(flag, 2)[1] : 'aiaa';
if (protocol !== 'aiaa' && protocol !== 'monai-label') {
  console.error(`--protocol must be aiaa or monai-label, not ${protocol}`);
  process.exit(2);
}
const imagePath = args[0];
const image = imagePath
  ? await writeNifti(await readNiftiFile(imagePath), { gzip: true })
  : await writeNifti(demoPhantom().volume, { gzip: true });
const aiaa = await startTestServer({ host: '127.0.0.1', protocol });
const viewer = await startViewerServer({
  serverUrl: aiaa.url,
  protocol,
  image,
  page: { html: await readFile(`${dist}/index.html`, 'utf8'), script: await readFile(`${dist}/viewer.js`, 'utf8') },
  logger: { debug() {}, info: (m, f) => console.log(m, f ?? ''), warn: console.warn, error: console.error },
});
console.log(`${protocol === 'aiaa' ? 'AIAA' : 'MONAI Label'} testkit: ${aiaa.url}  (model: ${viewer.model})`);
console.log(`Viewer: ${viewer.url}`);
console.log(
  imagePath
    ? `Image: ${imagePath}`
    : 'Image: the demo phantom (click a bright sphere; a background click on the touching one keeps the mask out of it)',
);

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
