import { sleep, type ProgressCallback } from '@medaas/core';
import type { SshSession } from '@medaas/cluster-ssh';
import type { PretrainedPlan } from './pretrained-options.js';
import { B64, fromB64, remoteScript } from './remote-script.js';
import { parseToolProgress } from './tool-progress.js';

/**
 * The catalog's own download command, writing into `dest`:
 * `ngc registry model download-version ORG/TEAM/NAME:VERSION --dest DEST` (NGC writes `DEST/NAME_vVERSION/`),
 * `python -m monai.bundle download --name NAME --version VERSION --bundle_dir DEST` (MONAI writes
 * `DEST/NAME_vVERSION.zip` and extracts it to `DEST/NAME/`).
 *
 * @example
 * ```ts
 * catalogCommand(plan, '/scratch/.x/dl'); // ['ngc', 'registry', 'model', 'download-version', 'nvidia/med/clara_pt_spleen_ct_segmentation:1', '--dest', '/scratch/.x/dl']
 * ```
 */
export function catalogCommand(plan: Pick<PretrainedPlan, 'catalog' | 'name' | 'version' | 'tool'>, dest: string): string[] {
  if (plan.catalog === 'ngc') return [plan.tool, 'registry', 'model', 'download-version', `${plan.name}:${plan.version}`, '--dest', dest];
  return [plan.tool, '-m', 'monai.bundle', 'download', '--name', plan.name, '--version', plan.version, '--bundle_dir', dest];
}

/** What the tool printed and how it ended. */
export interface CatalogRun {
  readonly exitCode: number | null;
  readonly exitSignal?: string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCatalogTool}. */
export interface CatalogRunOptions {
  readonly signal: AbortSignal;
  /** Given to the tool through its standard input (the NGC key), never on a command line. */
  readonly apiKey?: string | undefined;
  readonly onProgress?: ProgressCallback | undefined;
  readonly onOutput?: ((line: string, stream: 'stdout' | 'stderr') => void) | undefined;
  /** Removes secrets from a line before anyone sees it. */
  readonly redact: (text: string) => string;
}

// The tool replaces the shell (`exec`), so that an abort's KILL reaches the tool itself; its output goes to
// files beside the download, which a second channel reads while it runs (an exec's output only arrives at
// its end).
const RUN = `tmp=$1 keyed=$2; shift 2
cd "$tmp" && mkdir dl || exit 97
if [ "$keyed" = 1 ]; then IFS= read -r NGC_API_KEY || exit 98; NGC_CLI_API_KEY=$NGC_API_KEY; export NGC_API_KEY NGC_CLI_API_KEY; fi
exec "$@" >out 2>err </dev/null`;

const POLL = `${B64}
cd "$1" 2>/dev/null || exit 0
tail -c +"$2" out 2>/dev/null | b64
tail -c +"$3" err 2>/dev/null | b64`;

/** Splits streamed output into lines at `\n` and at tqdm's `\r` redraws, keeping an unfinished line back. */
class LineStream {
  text = '';
  #decoder = new TextDecoder('utf-8');
  #pending = '';
  bytes = 0;

  constructor(
    readonly name: 'stdout' | 'stderr',
    readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Uint8Array, final: boolean): void {
    this.bytes += chunk.length;
    const text = this.#decoder.decode(chunk, { stream: !final });
    this.text += text;
    const parts = (this.#pending + text).split(/\r\n|\r|\n/);
    this.#pending = final ? '' : (parts.pop() ?? '');
    for (const line of parts) if (line.trim() !== '') this.onLine(line);
  }
}

/**
 * Runs the catalog's command in `tmp` on the cluster and reports its progress from its output lines as they
 * stream. A non-zero exit is returned, not thrown.
 *
 * @throws {ClusterSshError} when the session fails; a timeout or abort rejects with the signal's reason
 *   (the remote tool is killed).
 */
export async function runCatalogTool(
  session: SshSession,
  plan: PretrainedPlan,
  tmp: string,
  options: CatalogRunOptions,
): Promise<CatalogRun> {
  const { signal, redact } = options;
  let last: number | undefined;
  const onLine =
    (stream: 'stdout' | 'stderr') =>
    (raw: string): void => {
      const line = redact(raw);
      options.onOutput?.(line, stream);
      const progress = parseToolProgress(line);
      if (progress && progress.loaded !== last && options.onProgress) {
        last = progress.loaded;
        try {
          options.onProgress(
            progress.total === undefined
              ? { phase: 'download', loaded: progress.loaded }
              : { phase: 'download', loaded: progress.loaded, total: progress.total },
          );
        } catch {
          // A faulty progress callback must never break the download it observes.
        }
      }
    };
  const out = new LineStream('stdout', onLine('stdout'));
  const err = new LineStream('stderr', onLine('stderr'));
  const poll = async (final: boolean): Promise<void> => {
    const result = await session.exec(remoteScript([], POLL, [tmp, String(out.bytes + 1), String(err.bytes + 1)]), final ? {} : { signal });
    const [outLine = '', errLine = ''] = result.stdout.split('\n');
    out.push(fromB64(outLine), final);
    err.push(fromB64(errLine), final);
  };
  const keyed = options.apiKey !== undefined;
  const running = session.exec(remoteScript(plan.env, RUN, [tmp, keyed ? '1' : '0', ...catalogCommand(plan, `${tmp}/dl`)]), {
    signal,
    ...(keyed ? { stdin: `${options.apiKey}\n` } : {}),
  });
  const settled = running.then(
    () => true,
    () => true,
  );
  for (;;) {
    const done = await Promise.race([
      settled,
      sleep(plan.pollIntervalMs, { signal }).then(
        () => false,
        () => true,
      ),
    ]);
    if (done) break;
    // A poll that fails (a busy login node refusing a channel) only delays the progress; the run decides.
    await poll(false).catch(() => undefined);
  }
  const result = await running;
  await poll(true);
  return {
    exitCode: result.exitCode,
    ...(result.exitSignal === undefined ? {} : { exitSignal: result.exitSignal }),
    stdout: redact(out.text),
    stderr: redact(err.text),
  };
}
