import type { SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from '../errors.js';
import { MARKER_FILE } from './download-marker.js';
import type { PretrainedPlan } from './pretrained-options.js';
import { remoteScript } from './remote-script.js';

/** Temporary download folders older than this many days are left-overs of a lost connection: removed. */
const STALE_DAYS = 7;

// A hidden sibling of the final folder, so the final rename stays on one file system (atomic).
const MAKE_TEMP = `dest=$1 folder=$2
mkdir -p "$dest" || exit 1
find "$dest" -maxdepth 1 -type d -name ".$folder.medaas-*" -mtime +${STALE_DAYS} -exec rm -rf {} + 2>/dev/null
mktemp -d "$dest/.$folder.medaas-XXXXXX"`;

/**
 * Creates the download's temporary folder beside the final one (`destDir/.NAME_vVERSION.medaas-XXXXXX`).
 *
 * @throws {TrainingError} `TRAINING_DOWNLOAD_FAILED` when `destDir` cannot be created or written.
 */
export async function makeTempDir(session: SshSession, plan: PretrainedPlan, signal: AbortSignal): Promise<string> {
  const result = await session.exec(remoteScript(plan.env, MAKE_TEMP, [plan.destDir, plan.folder]), { signal });
  const tmp = result.stdout.trim();
  if (result.exitCode !== 0 || !tmp.startsWith(`${plan.destDir}/.${plan.folder}.medaas-`) || tmp.includes('\n')) {
    throw new TrainingError(
      'TRAINING_DOWNLOAD_FAILED',
      `cannot create a download folder in ${plan.destDir} on ${session.host}: ${result.stderr.trim().slice(-300) || `exit ${String(result.exitCode)}`}`,
      {
        details: {
          catalog: plan.catalog,
          name: plan.name,
          version: plan.version,
          destDir: plan.destDir,
          exitCode: result.exitCode,
          stderrTail: result.stderr.trim().slice(-2000),
        },
      },
    );
  }
  return tmp;
}

// The marker is written last inside the complete folder, which is then renamed into place in one step:
// `mv -T` refuses to move into an existing folder. Where `mv` has no -T (BSD), an existence check stands in.
const FINALIZE = `src=$1 final=$2 marker=$3
cat > "$src/$marker" || exit 1
mv -T "$src" "$final" 2>/dev/null && exit 0
[ -e "$final" ] && exit 3
mv "$src" "$final"`;

/**
 * Writes the marker into the verified folder and renames it to its final name; `false` when the final name
 * was taken in the meantime (the download stays where it was, to be removed with its temporary folder).
 *
 * @throws {TrainingError} `TRAINING_DOWNLOAD_FAILED` when the marker cannot be written or the rename fails.
 */
export async function finalizeTree(session: SshSession, src: string, final: string, marker: string, signal: AbortSignal): Promise<boolean> {
  const result = await session.exec(remoteScript([], FINALIZE, [src, final, MARKER_FILE]), { signal, stdin: marker });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 3) return false;
  throw new TrainingError(
    'TRAINING_DOWNLOAD_FAILED',
    `cannot move the download to ${final} on ${session.host}: ${result.stderr.trim().slice(-300) || `exit ${String(result.exitCode)}`}`,
    {
      details: { dir: final, exitCode: result.exitCode, stderrTail: result.stderr.trim().slice(-2000) },
    },
  );
}

/**
 * Removes a temporary folder; runs even after an abort (with its own short timeout), and never throws: a
 * folder it cannot remove is a hidden left-over that a later download clears.
 */
export async function removeTree(session: SshSession, dir: string): Promise<void> {
  try {
    await session.exec(['rm', '-rf', '--', dir], { timeoutMs: 30_000 });
  } catch {
    // The connection is gone: the next download in this destDir removes it once it is stale.
  }
}
