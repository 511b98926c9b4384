import { openCallScope, REDACTED, throwIfAborted, type ProgressCallback } from '@medaas/core';
import type { SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from '../errors.js';
import { fileContent, isTextPath, pretrainedKindOf, type PretrainedFiles, type PretrainedKind } from './archive-kind.js';
import { catalogCommand, runCatalogTool, type CatalogRun } from './catalog-run.js';
import type { PretrainedChecksum } from './checksum.js';
import { formatMarker, MARKER_FILE, parseMarker, type DownloadMarker } from './download-marker.js';
import { probeHost, type HostProbe } from './host-probe.js';
import {
  checkPretrainedOptions,
  type DownloadPretrainedOptions,
  type PretrainedCatalog,
  type PretrainedPlan,
} from './pretrained-options.js';
import { finalizeTree, makeTempDir, removeTree } from './remote-move.js';
import { inspectTree, readTree, type TreeFile } from './remote-tree.js';

/** A pretrained model in its final folder on the cluster, as {@link downloadPretrained} returns it. */
export interface PretrainedModel {
  readonly catalog: PretrainedCatalog;
  readonly name: string;
  readonly version: string;
  /** The model folder's absolute path on the cluster: `destDir/NAME_vVERSION`. */
  readonly dir: string;
  readonly kind: PretrainedKind;
  /** `false` when the folder already held this model and version (nothing was downloaded or run). */
  readonly downloaded: boolean;
  /**
   * The files read back, by POSIX path relative to `dir` (see the `read` option): `parseMmar(files)` or
   * `parseBundle(files)` of `@medaas/mmar` (by `kind`) gives the typed model, ready for `enableFineTuning`.
   */
  readonly files: PretrainedFiles;
  /** Every file's SHA-256 as it was downloaded, by relative path (from the folder's marker). */
  readonly sha256: Readonly<Record<string, string>>;
  /** The checksums the download was verified with. */
  readonly verified: readonly PretrainedChecksum[];
}

function where(session: SshSession): string {
  return `${session.username}@${session.host}:${session.port}`;
}

/**
 * Downloads a pretrained model where the network is: on the cluster's login node, over SSH, with the
 * catalog's own tool (`ngc registry model download-version` for NGC MMARs, `python -m monai.bundle download`
 * for MONAI zoo bundles), into `destDir/NAME_vVERSION`. The download goes into a hidden sibling folder,
 * is verified (the given checksums, the folder's layout), gets a `.medaas-pretrained.json` marker and is then
 * renamed into place: a failed, interrupted or mismatching download leaves nothing under the final name. A
 * second call for the same version finds the marker and runs nothing (`downloaded: false`).
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` before anything runs, for a name, version, path or
 *   option that could reach a shell or leave `destDir`; `TRAINING_CATALOG_TOOL_MISSING` (no `ngc`, no Python, or
 *   a Python without `monai`/`fire`); `TRAINING_CATALOG_CREDENTIALS_MISSING` (NGC without an API key);
 *   `TRAINING_DOWNLOAD_FAILED` (the tool's exit status and its stderr tail in `details`);
 *   `TRAINING_DOWNLOAD_INCOMPLETE`; `TRAINING_CHECKSUM_MISMATCH`; `TRAINING_DESTINATION_EXISTS` (the folder
 *   holds something else); `TRAINING_READ_FAILED`.
 * @throws {ClusterSshError} when the session fails; a timeout or abort rejects with the signal's reason and
 *   kills the remote tool.
 * @example
 * ```ts
 * const model = await downloadPretrained(session, {
 *   catalog: 'ngc', name: 'nvidia/med/clara_pt_spleen_ct_segmentation', version: '1',
 *   destDir: '/scratch/ana/pretrained',
 *   onProgress: ({ loaded, total }) => console.log(`${loaded} of ${total ?? '?'} bytes`),
 * });
 * model.dir; // '/scratch/ana/pretrained/clara_pt_spleen_ct_segmentation_v1'
 * model.files['config/config_train.json']; // the MMAR's training config, as text
 * const mmar = parseMmar(model.files); // @medaas/mmar: the typed archive, ready for enableFineTuning
 * ```
 */
export async function downloadPretrained(session: SshSession, options: DownloadPretrainedOptions): Promise<PretrainedModel> {
  const plan = checkPretrainedOptions(options);
  const scope = openCallScope('downloadPretrained', options);
  try {
    const { signal } = scope;
    throwIfAborted(signal);
    const final = `${plan.destDir}/${plan.folder}`;
    const probe = await probeHost(session, plan, options.ngcApiKey !== undefined, signal);
    if (probe.state === 'present') return await present(session, plan, final, probe.marker, options.onProgress, signal);
    if (probe.state === 'occupied') throw destinationExists(final, undefined);
    const toolPath = requireTool(session, plan, probe);
    const redact = (text: string): string => (options.ngcApiKey === undefined ? text : text.replaceAll(options.ngcApiKey, REDACTED));
    const tmp = await makeTempDir(session, plan, signal);
    let marker: DownloadMarker;
    try {
      const run = await runCatalogTool(session, plan, tmp, {
        signal,
        apiKey: options.ngcApiKey,
        onProgress: options.onProgress,
        onOutput: options.onOutput,
        redact,
      });
      if (runFailed(plan, run)) throw downloadFailed(session, plan, run);
      marker = await verify(session, plan, tmp, toolPath, options.onProgress, signal);
      const moved = await finalizeTree(session, `${tmp}/dl/${plan.toolFolder}`, final, formatMarker(marker), signal);
      if (!moved) {
        // Another download of the same model finished first: its folder is as good as this one.
        const again = await probeHost(session, plan, false, signal);
        if (again.state === 'present') return await present(session, plan, final, again.marker, options.onProgress, signal);
        throw destinationExists(final, undefined);
      }
    } finally {
      await removeTree(session, tmp);
    }
    const tree = await inspectTree(session, final, { hash: false, marker: MARKER_FILE, signal });
    const files = await readFiles(session, plan, final, tree.files, options.onProgress, signal);
    return {
      catalog: plan.catalog,
      name: plan.name,
      version: plan.version,
      dir: final,
      kind: marker.kind,
      downloaded: true,
      files,
      sha256: marker.sha256,
      verified: marker.verified,
    };
  } finally {
    scope.dispose();
  }
}

function requireTool(session: SshSession, plan: PretrainedPlan, probe: Extract<HostProbe, { state: 'absent' }>): string {
  const host = where(session);
  if (probe.toolPath === undefined) {
    const what = plan.catalog === 'ngc' ? 'the NGC CLI' : 'Python with MONAI';
    throw new TrainingError(
      'TRAINING_CATALOG_TOOL_MISSING',
      `${plan.tool} is not on the PATH of ${host}: install ${what} there, or pass tool (an absolute path) or env.PATH`,
      {
        details: { catalog: plan.catalog, tool: plan.tool, host },
      },
    );
  }
  if (plan.catalog === 'ngc' && probe.credentials === 'none') {
    throw new TrainingError(
      'TRAINING_CATALOG_CREDENTIALS_MISSING',
      `ngc on ${host} has no API key: neither NGC_API_KEY (nor NGC_CLI_API_KEY) is set there nor does ~/.ngc/config exist; set one (env option, login profile, \`ngc config set\`) or pass ngcApiKey`,
      { details: { catalog: plan.catalog, host, looked: ['NGC_API_KEY', 'NGC_CLI_API_KEY', '~/.ngc/config'] } },
    );
  }
  const missing = probe.missingModules ?? [];
  if (plan.catalog === 'monai-zoo' && missing.length > 0) {
    throw new TrainingError(
      'TRAINING_CATALOG_TOOL_MISSING',
      `${probe.toolPath} on ${host} cannot import ${missing.join(' and ')}: pip install 'monai[fire]' for that Python, or pass tool`,
      {
        details: { catalog: plan.catalog, tool: missing[0], python: probe.toolPath, missing, host },
      },
    );
  }
  return probe.toolPath;
}

// Old NGC CLIs report a failed transfer in their summary and still exit 0.
function runFailed(plan: PretrainedPlan, run: CatalogRun): boolean {
  return run.exitCode !== 0 || (plan.catalog === 'ngc' && /Download status:\s*FAILED/i.test(run.stdout));
}

function tail(text: string, max = 2000): string {
  const trimmed = text.trimEnd();
  return trimmed.length <= max ? trimmed : trimmed.slice(-max);
}

function downloadFailed(session: SshSession, plan: PretrainedPlan, run: CatalogRun): TrainingError {
  const command = catalogCommand(plan, '…').slice(0, -2).join(' ');
  const status = run.exitCode === null ? `signal ${run.exitSignal ?? '?'}` : `exit ${run.exitCode}`;
  const stderrTail = tail(run.stderr);
  const lastLine =
    (stderrTail || tail(run.stdout))
      .split(/\r?\n|\r/)
      .filter((l) => l.trim() !== '')
      .at(-1) ?? '';
  return new TrainingError(
    'TRAINING_DOWNLOAD_FAILED',
    `${command} failed on ${where(session)} (${status})${lastLine ? `: ${lastLine.trim()}` : ''}`,
    {
      details: {
        catalog: plan.catalog,
        name: plan.name,
        version: plan.version,
        host: where(session),
        exitCode: run.exitCode,
        exitSignal: run.exitSignal,
        stderrTail,
        stdoutTail: tail(run.stdout, 1000),
      },
    },
  );
}

function destinationExists(dir: string, found: DownloadMarker | undefined): TrainingError {
  const what = found ? `${found.catalog} ${found.name} version ${found.version}` : 'files that are not a download of this model';
  return new TrainingError('TRAINING_DESTINATION_EXISTS', `${dir} already exists and holds ${what}: choose another destDir or remove it`, {
    details: { dir, found: found ? { catalog: found.catalog, name: found.name, version: found.version } : undefined },
  });
}

function mismatch(plan: PretrainedPlan, checksum: PretrainedChecksum, actual: string | undefined, extra = ''): TrainingError {
  const file = checksum.file ?? `${plan.name}_v${plan.version}.zip`;
  const found = actual === undefined ? 'the file is missing' : `got ${actual}`;
  return new TrainingError('TRAINING_CHECKSUM_MISMATCH', `${file}: expected ${checksum.algorithm} ${checksum.value}, ${found}${extra}`, {
    details: {
      catalog: plan.catalog,
      name: plan.name,
      version: plan.version,
      file,
      algorithm: checksum.algorithm,
      expected: checksum.value,
      actual,
    },
  });
}

/** Checks the download in its temporary folder and returns the marker it gets: layout, checksums, hashes. */
async function verify(
  session: SshSession,
  plan: PretrainedPlan,
  tmp: string,
  toolPath: string,
  onProgress: ProgressCallback | undefined,
  signal: AbortSignal,
): Promise<DownloadMarker> {
  const modelDir = `${tmp}/dl/${plan.toolFolder}`;
  const targets = plan.checksums.map((c) => ({
    algorithm: c.algorithm,
    path: c.file === undefined ? `${tmp}/dl/${plan.name}_v${plan.version}.zip` : `${modelDir}/${c.file}`,
  }));
  const tree = await inspectTree(session, modelDir, { hash: true, marker: MARKER_FILE, targets, signal });
  const kind = tree.exists ? pretrainedKindOf(tree.files.map((f) => f.path)) : undefined;
  if (kind === undefined) {
    const found = tree.exists
      ? `a folder without config/config_train.json, config/environment.json or configs/metadata.json (${tree.files.length} files)`
      : `no ${plan.toolFolder}/ folder`;
    throw new TrainingError(
      'TRAINING_DOWNLOAD_INCOMPLETE',
      `${catalogCommand(plan, '…')[0] ?? plan.tool} succeeded on ${where(session)} but left ${found}`,
      {
        details: { catalog: plan.catalog, name: plan.name, version: plan.version, files: tree.files.slice(0, 50).map((f) => f.path) },
      },
    );
  }
  plan.checksums.forEach((checksum, i) => {
    if (tree.digests[i] !== checksum.value) throw mismatch(plan, checksum, tree.digests[i]);
  });
  const bytes = tree.files.reduce((sum, f) => sum + f.size, 0);
  report(onProgress, 'verify', bytes, bytes);
  return {
    format: 1,
    catalog: plan.catalog,
    name: plan.name,
    version: plan.version,
    kind,
    downloadedAt: new Date().toISOString(),
    tool: toolPath,
    verified: plan.checksums,
    sha256: Object.fromEntries(tree.files.map((f) => [f.path, f.sha256 ?? ''])),
  };
}

/** The answer for a folder that already has a marker: this model (checked against the checksums asked for) or an error. */
async function present(
  session: SshSession,
  plan: PretrainedPlan,
  final: string,
  text: string,
  onProgress: ProgressCallback | undefined,
  signal: AbortSignal,
): Promise<PretrainedModel> {
  const marker = parseMarker(text);
  if (!marker || marker.catalog !== plan.catalog || marker.name !== plan.name || marker.version !== plan.version)
    throw destinationExists(final, marker);
  const pending: { checksum: PretrainedChecksum; path: string }[] = [];
  for (const checksum of plan.checksums) {
    const recorded = marker.verified.find((v) => v.algorithm === checksum.algorithm && v.file === checksum.file);
    if (recorded) {
      if (recorded.value !== checksum.value) throw mismatch(plan, checksum, recorded.value, ' (as verified when it was downloaded)');
    } else if (checksum.file !== undefined) pending.push({ checksum, path: `${final}/${checksum.file}` });
    else
      throw mismatch(
        plan,
        checksum,
        undefined,
        `: ${final} was downloaded without this checksum and its archive is not kept; remove the folder to download and verify it again`,
      );
  }
  const tree = await inspectTree(session, final, {
    hash: false,
    marker: MARKER_FILE,
    targets: pending.map((p) => ({ algorithm: p.checksum.algorithm, path: p.path })),
    signal,
  });
  pending.forEach((p, i) => {
    if (tree.digests[i] !== p.checksum.value) throw mismatch(plan, p.checksum, tree.digests[i]);
  });
  const files = await readFiles(session, plan, final, tree.files, onProgress, signal);
  return {
    catalog: plan.catalog,
    name: plan.name,
    version: plan.version,
    dir: final,
    kind: marker.kind,
    downloaded: false,
    files,
    sha256: marker.sha256,
    verified: marker.verified,
  };
}

async function readFiles(
  session: SshSession,
  plan: PretrainedPlan,
  dir: string,
  all: readonly TreeFile[],
  onProgress: ProgressCallback | undefined,
  signal: AbortSignal,
): Promise<PretrainedFiles> {
  const wanted = plan.read === 'none' ? [] : plan.read === 'all' ? all : all.filter((f) => isTextPath(f.path));
  const total = wanted.reduce((sum, f) => sum + f.size, 0);
  let loaded = 0;
  const bytes = await readTree(session, dir, wanted, {
    signal,
    onBytes: (n) => {
      loaded += n;
      report(onProgress, 'read', loaded, total);
    },
  });
  const files: Record<string, string | Uint8Array> = {};
  for (const file of wanted) files[file.path] = fileContent(file.path, bytes.get(file.path) ?? new Uint8Array());
  return files;
}

function report(onProgress: ProgressCallback | undefined, phase: string, loaded: number, total: number): void {
  try {
    onProgress?.({ phase, loaded, total });
  } catch {
    // A faulty progress callback must never break the download it observes.
  }
}
