// The page's entry: reads the URLs from #viewer's data attributes and starts the viewer. Bundled by build.mjs.
import { startViewer, type ViewerHandle } from './viewer.js';

declare global {
  interface Window {
    /** The running viewer, once the image is shown (`undefined` before); tests drive the page through it. */
    medaasViewer?: ViewerHandle;
  }
}

const root = document.getElementById('viewer');
if (root) {
  startViewer(document, {
    volumeUrl: root.dataset['volumeUrl'] ?? './volume',
    deepgrowUrl: root.dataset['deepgrowUrl'] ?? './api/deepgrow',
  }).then(
    (viewer) => {
      window.medaasViewer = viewer;
    },
    (error: unknown) => {
      const status = document.getElementById('status');
      if (status) {
        status.dataset['state'] = 'error';
        status.textContent = `The viewer could not start: ${String(error)}`;
      }
    },
  );
}
