/** Options of {@link renderIndexHtml}. */
export interface IndexHtmlOptions {
  /** The page title. Default `medaas viewer`. */
  readonly title?: string;
  /** The bundled page script, relative to the page. Default `./viewer.js`. */
  readonly scriptUrl?: string;
  /** The image, relative to the page. Default `./volume`. */
  readonly volumeUrl?: string;
  /** The DeepGrow endpoint of the back end, relative to the page. Default `./api/deepgrow`. */
  readonly deepgrowUrl?: string;
}

/**
 * Renders the viewer's HTML: a canvas for NiiVue, the click-mode switch, the list of clicks and a status
 * line. The script finds its URLs in `data-` attributes of `#viewer`, so the same bundle serves any layout.
 *
 * @example
 * ```ts
 * await writeFile('dist/index.html', renderIndexHtml({ title: 'Liver annotation' }));
 * ```
 */
export function renderIndexHtml(options: IndexHtmlOptions = {}): string {
  const attr = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const title = attr(options.title ?? 'medaas viewer');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { margin: 0; font: 14px system-ui, sans-serif; background: #111; color: #eee; display: flex; }
  #viewer { flex: 0 0 auto; }
  #canvas { width: 640px; height: 640px; display: block; cursor: crosshair; }
  aside { padding: 12px 16px; width: 300px; }
  fieldset { border: 1px solid #444; margin: 0 0 12px; }
  #clicks { font-family: ui-monospace, monospace; padding-left: 20px; }
  .foreground { color: #6f6; } .background { color: #f88; }
  output { display: block; white-space: pre-wrap; margin-top: 8px; }
  output[data-state="error"] { color: #f66; }
</style>
</head>
<body>
<main id="viewer" data-volume-url="${attr(options.volumeUrl ?? './volume')}" data-deepgrow-url="${attr(options.deepgrowUrl ?? './api/deepgrow')}">
  <canvas id="canvas" width="640" height="640"></canvas>
</main>
<aside>
  <h1>${title}</h1>
  <fieldset>
    <legend>Click mode</legend>
    <label><input type="radio" name="mode" value="foreground" checked> Foreground (inside)</label><br>
    <label><input type="radio" name="mode" value="background"> Background (outside)</label>
  </fieldset>
  <button id="clear" type="button">Clear clicks</button>
  <ol id="clicks"></ol>
  <output id="status" data-state="loading">Loading the image…</output>
</aside>
<script type="module" src="${attr(options.scriptUrl ?? './viewer.js')}"></script>
</body>
</html>
`;
}
