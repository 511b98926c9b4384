import { MULTIPLANAR_TYPE, Niivue, NVImage, SHOW_RENDER } from '@niivue/niivue';
import { readNifti, voxelToWorld, type NiftiVolume, type Vec3 } from '@medaas/nifti-io';
import { isMedaasError } from '@medaas/core';
import { voxelIndexOfLocation, type VoxelIndex } from './coordinates.js';
import { requestDeepgrow } from './deepgrow-request.js';
import { ViewerError } from './errors.js';
import { summarizeMask } from './mask-summary.js';
import { startVoxelOf } from './start-point.js';

/** Where a viewer finds its image and its clicks endpoint. */
export interface ViewerConfig {
  /** The NIfTI image (`.nii` or `.nii.gz` bytes). */
  readonly volumeUrl: string;
  /** `POST` endpoint of the back end that turns clicks into a mask (see `startViewerServer`). */
  readonly deepgrowUrl: string;
}

/** What a running viewer offers to the page around it (and to tests, which drive it like a user). */
export interface ViewerHandle {
  /** The image as `@medaas/nifti-io` read it: the grid clicks are converted to. */
  readonly volume: NiftiVolume;
  /** The voxel the first view's three planes cut through (see {@link startVoxelOf}). */
  readonly startVoxel: VoxelIndex;
  /** Moves the crosshair, and so the shown slices, to a world position (RAS+ mm), as "go to" in a viewer. */
  goToWorldMm(worldMm: Vec3): void;
  /** Where a world position appears on screen, in CSS pixels of the page (for `mouse.click`), or `undefined` when not shown. */
  screenPointOfWorldMm(worldMm: Vec3): { readonly x: number; readonly y: number } | undefined;
}

type Mode = 'foreground' | 'background';

/**
 * Starts the viewer on the page made by `renderIndexHtml`: shows the image with NiiVue in three planes
 * (axial, coronal, sagittal) cutting through its bright structures, turns each left click into the clicked
 * voxel's `[i, j, k]` (via {@link voxelIndexOfLocation}), sends the clicks so far to the back end and overlays
 * the mask that comes back, in red, with its volume in millilitres.
 *
 * @throws {NiftiError} when the image cannot be read; {@link ViewerError} `VIEWER_CONNECTION` or
 * `VIEWER_HTTP_STATUS` when it cannot be fetched. Click errors are shown in the status line, not thrown.
 * @example
 * ```ts
 * const viewer = await startViewer(document, { volumeUrl: './volume', deepgrowUrl: './api/deepgrow' });
 * viewer.goToWorldMm([0, 0, 0]);
 * ```
 */
export async function startViewer(document: Document, config: ViewerConfig): Promise<ViewerHandle> {
  const canvas = element<HTMLCanvasElement>(document, 'canvas');
  const status = element<HTMLOutputElement>(document, 'status');
  const clickList = element<HTMLOListElement>(document, 'clicks');
  const show = (state: string, text: string, data: Record<string, string> = {}): void => {
    status.dataset['state'] = state;
    for (const key of Object.keys(status.dataset)) if (key !== 'state' && !(key in data)) delete status.dataset[key];
    Object.assign(status.dataset, data);
    status.textContent = text;
  };

  const bytes = await fetchBytes(config.volumeUrl);
  const volume = await readNifti(bytes);
  // A thin cyan crosshair: NiiVue's default red would hide the red mask under the click.
  const nv = new Niivue({
    isResizeCanvas: false,
    dragAndDropEnabled: false,
    logLevel: 'error',
    show3Dcrosshair: false,
    backColor: [0, 0, 0, 1],
    crosshairColor: [0, 0.8, 1, 0.6],
    crosshairWidth: 0.25,
    // Three planes in a grid, no 3-D render: what a reader of cross-sections expects to see first.
    multiplanarShowRender: SHOW_RENDER.NEVER,
    multiplanarLayout: MULTIPLANAR_TYPE.GRID,
  });
  await nv.attachToCanvas(canvas);
  nv.setSliceType(nv.sliceTypeMultiplanar);
  // NiiVue chooses its reader by name; bytes without a name are sniffed for gzip, which is all we need.
  nv.addVolume(await NVImage.loadFromUrl({ url: bytes.slice() }));
  // The middle of the field of view may hold nothing; start where the structures are.
  const startVoxel = startVoxelOf(volume);
  const goTo = (worldMm: Vec3): void => {
    nv.scene.crosshairPos = nv.mm2frac([...worldMm], 0, true);
    nv.updateGLVolume();
    nv.drawScene();
  };
  goTo(voxelToWorld(volume.affine, startVoxel));

  const foreground: VoxelIndex[] = [];
  const background: VoxelIndex[] = [];
  let lastLocation: unknown;
  let inFlight: AbortController | undefined;
  let overlay: NVImage | undefined;
  const superseded = new Error('superseded by a newer click');

  const setOverlay = async (mask: Uint8Array | undefined): Promise<void> => {
    if (overlay) nv.removeVolume(overlay);
    overlay = undefined;
    if (mask) {
      overlay = await NVImage.loadFromUrl({ url: mask.slice(), opacity: 0.5 });
      // Masks are NIfTI label images (intent 1002): NiiVue draws those through a label lookup table,
      // not a colour ramp, so label 1 gets its colour here.
      overlay.setColormapLabel({ R: [0, 255], G: [0, 0], B: [0, 0], A: [0, 255], I: [0, 1], labels: ['', 'mask'] });
      nv.addVolume(overlay);
    }
    nv.drawScene();
  };

  const send = async (): Promise<void> => {
    inFlight?.abort(superseded);
    if (foreground.length === 0) {
      show('idle', background.length ? 'Add a foreground click inside the structure.' : 'Click inside a structure.');
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    show('busy', `Segmenting from ${foreground.length} foreground and ${background.length} background clicks…`);
    try {
      const mask = await requestDeepgrow(
        config.deepgrowUrl,
        { foreground: [...foreground], background: [...background] },
        { signal: controller.signal, timeoutMs: 120_000 },
      );
      const summary = summarizeMask(await readNifti(mask));
      if (controller.signal.aborted) return;
      await setOverlay(mask);
      const c = summary.centroidIndex;
      show(
        'done',
        c
          ? `Mask: ${summary.volumeMl.toFixed(2)} ml (${summary.voxels} voxels), centroid [${c.map((v) => v.toFixed(1)).join(', ')}] (i, j, k)`
          : 'Mask: empty',
        {
          voxels: String(summary.voxels),
          volumeMl: summary.volumeMl.toFixed(3),
          ...(c ? { centroid: c.map((v) => v.toFixed(2)).join(',') } : {}),
        },
      );
    } catch (error) {
      if (error === superseded) return;
      show('error', `The server failed: ${isMedaasError(error) ? `${error.code}: ${error.message}` : String(error)}`);
    } finally {
      if (inFlight === controller) inFlight = undefined;
    }
  };

  nv.onLocationChange = (location: unknown) => {
    lastLocation = location;
  };
  nv.onMouseUp = (ui: unknown) => {
    const { isDragging, mouseButtonRightDown, mouseButtonCenterDown, fracPos } = ui as Record<string, unknown>;
    if (isDragging || mouseButtonRightDown || mouseButtonCenterDown) return;
    // NiiVue reports a negative fraction for a release outside every slice tile.
    if ((Array.isArray(fracPos) || ArrayBuffer.isView(fracPos)) && Number((fracPos as ArrayLike<number>)[0]) < 0) return;
    const ijk = voxelIndexOfLocation(lastLocation, volume);
    if (!ijk) {
      show('idle', 'That point is outside the image.');
      return;
    }
    const mode = (document.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? 'foreground') as Mode;
    (mode === 'foreground' ? foreground : background).push(ijk);
    const item = document.createElement('li');
    item.className = mode;
    item.dataset['ijk'] = ijk.join(',');
    item.textContent = `${mode} [${ijk.join(', ')}]`;
    clickList.append(item);
    void send();
  };
  element<HTMLButtonElement>(document, 'clear').addEventListener('click', () => {
    inFlight?.abort(superseded);
    foreground.length = 0;
    background.length = 0;
    clickList.replaceChildren();
    void setOverlay(undefined);
    show('idle', 'Click inside a structure.');
  });

  show('idle', `Image ${volume.dims.slice(0, 3).join('x')} loaded. Click inside a structure.`, { dims: volume.dims.slice(0, 3).join(',') });
  return {
    volume,
    startVoxel,
    goToWorldMm: goTo,
    screenPointOfWorldMm(worldMm) {
      const pos = nv.frac2canvasPos(nv.mm2frac([...worldMm], 0, true));
      if (!pos || pos.length < 2) return undefined;
      const rect = canvas.getBoundingClientRect();
      // NiiVue works in the canvas's device pixels; the page's mouse works in CSS pixels.
      const scale = canvas.width / rect.width;
      return { x: rect.left + pos[0]! / scale, y: rect.top + pos[1]! / scale };
    },
  };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ViewerError('VIEWER_CONNECTION', `cannot fetch the image: ${String(error)}`, { cause: error });
  }
  if (!response.ok)
    throw new ViewerError('VIEWER_HTTP_STATUS', `cannot fetch the image: HTTP ${response.status}`, {
      details: { status: response.status },
    });
  return new Uint8Array(await response.arrayBuffer());
}

function element<T extends HTMLElement>(document: Document, id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}: render it with renderIndexHtml`);
  return found as T;
}
