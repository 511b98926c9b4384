import type { SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from '../errors.js';
import type { ChecksumAlgorithm } from './checksum.js';
import { fromB64, remoteScript, textFromB64 } from './remote-script.js';

/** One file of a model folder on the cluster. */
export interface TreeFile {
  /** POSIX path relative to the folder. */
  readonly path: string;
  readonly size: number;
  /** Its SHA-256, when the tree was hashed. */
  readonly sha256?: string;
}

/** A model folder as {@link inspectTree} found it. */
export interface TreeInspection {
  readonly exists: boolean;
  readonly files: readonly TreeFile[];
  /** The digest of each requested target, in order (`undefined` when the file is missing). */
  readonly digests: readonly (string | undefined)[];
}

// Shell functions shared by the outer script and the `find -exec sh -c` it runs per batch of files, so they
// are kept as the text of a variable. Digests use coreutils, then `shasum`, then `openssl`.
const FUNCS = [
  `b64() { base64 | tr -d "\\n"; echo; }`,
  `dg() { if command -v "\${1}sum" >/dev/null 2>&1; then "\${1}sum"; elif [ "$1" != md5 ] && command -v shasum >/dev/null 2>&1; then shasum -a "\${1#sha}"; else openssl dgst "-$1" -r; fi | cut -d" " -f1; }`,
].join('\n');

const EACH = `for f; do s=$(wc -c < "$f" | tr -d " "); if [ "$hash" = 1 ]; then h=$(dg sha256 < "$f"); else h=-; fi; printf "file %s %s " "$s" "$h"; printf %s "\${f#./}" | b64; done`;

const INSPECT = `funcs='${FUNCS}'
each='${EACH}'
eval "$funcs"
dir=$1 marker=$2 hash=$3; shift 3
[ -d "$dir" ] || { echo missing; exit 0; }
echo found
i=0
while [ $# -ge 2 ]; do
  if [ -f "$2" ]; then d=$(dg "$1" < "$2"); else d=; fi
  echo "check $i \${d:--}"
  i=$((i+1)); shift 2
done
cd "$dir" || exit 1
export hash
find . -type f ! -path "./$marker" -exec sh -c "$funcs
$each" sh {} +`;

/**
 * Lists a folder's files with their sizes (and SHA-256 when `hash`), and digests the given targets (absolute
 * paths) with their algorithms, in one round trip on the cluster.
 *
 * @throws {TrainingError} `TRAINING_READ_FAILED` when the folder cannot be listed.
 */
export async function inspectTree(
  session: SshSession,
  dir: string,
  options: {
    readonly hash: boolean;
    readonly marker: string;
    readonly targets?: readonly { readonly path: string; readonly algorithm: ChecksumAlgorithm }[];
    readonly signal: AbortSignal;
  },
): Promise<TreeInspection> {
  const targets = (options.targets ?? []).flatMap((t) => [t.algorithm, t.path]);
  const result = await session.exec(remoteScript([], INSPECT, [dir, options.marker, options.hash ? '1' : '0', ...targets]), {
    signal: options.signal,
  });
  const lines = result.stdout.split('\n');
  if (lines[0] === 'missing') return { exists: false, files: [], digests: [] };
  if (lines[0] !== 'found' || result.exitCode !== 0) throw readFailed(session, dir, result.stderr, result.exitCode);
  const digests: (string | undefined)[] = [];
  const files: TreeFile[] = [];
  for (const line of lines.slice(1)) {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'check' && a !== undefined && b !== undefined) digests[Number(a)] = b === '-' ? undefined : b.toLowerCase();
    if (kind === 'file' && a !== undefined && b !== undefined && c !== undefined) {
      const entry = { path: textFromB64(c), size: Number(a) };
      files.push(b === '-' ? entry : { ...entry, sha256: b.toLowerCase() });
    }
  }
  files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { exists: true, files, digests };
}

function readFailed(session: SshSession, dir: string, stderr: string, exitCode: number | null): TrainingError {
  return new TrainingError(
    'TRAINING_READ_FAILED',
    `cannot read ${dir} on ${session.host}: ${stderr.trim().slice(-300) || `exit ${String(exitCode)}`}`,
    {
      details: { dir, host: session.host, exitCode },
    },
  );
}

const MIB = 1024 * 1024;
/** Bytes per exec when reading: small files go together up to this, large ones in slices of it (`dd`). */
const BATCH_BYTES = 32 * MIB;

const READ_FILES = `funcs='${FUNCS}'
eval "$funcs"
cd "$1" || exit 1; shift
for f; do if [ -f "$f" ] && [ -r "$f" ]; then printf 'ok '; b64 < "$f"; else echo fail; fi; done`;

const READ_SLICE = `funcs='${FUNCS}'
eval "$funcs"
dd if="$1" bs=1048576 skip="$2" count="$3" 2>/dev/null | b64`;

/**
 * Reads files of a folder on the cluster: small ones several per round trip, large ones in 32 MiB slices, so
 * that no single command's output outgrows memory.
 *
 * @throws {TrainingError} `TRAINING_READ_FAILED` when a file cannot be read.
 */
export async function readTree(
  session: SshSession,
  dir: string,
  files: readonly TreeFile[],
  options: { readonly signal: AbortSignal; readonly onBytes?: (bytes: number) => void },
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const exec = (script: string, args: string[], bytes: number): ReturnType<SshSession['exec']> =>
    session.exec(remoteScript([], script, args), { signal: options.signal, maxOutputBytes: Math.ceil(bytes * 1.4) + MIB });
  let batch: TreeFile[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const size = batch.reduce((sum, f) => sum + f.size, 0);
    const result = await exec(READ_FILES, [dir, ...batch.map((f) => f.path)], size);
    const lines = result.stdout.split('\n');
    batch.forEach((file, i) => {
      const line = lines[i] ?? '';
      if (!line.startsWith('ok ') || result.truncated) throw readFailed(session, `${dir}/${file.path}`, result.stderr, result.exitCode);
      out.set(file.path, fromB64(line.slice(3)));
    });
    options.onBytes?.(size);
    batch = [];
  };
  for (const file of files) {
    if (file.size <= BATCH_BYTES) {
      if (batch.reduce((sum, f) => sum + f.size, 0) + file.size > BATCH_BYTES) await flush();
      batch.push(file);
      continue;
    }
    const parts: Uint8Array[] = [];
    for (let skip = 0; skip * MIB < file.size; skip += BATCH_BYTES / MIB) {
      const result = await exec(READ_SLICE, [`${dir}/${file.path}`, String(skip), String(BATCH_BYTES / MIB)], BATCH_BYTES);
      if (result.exitCode !== 0 || result.truncated) throw readFailed(session, `${dir}/${file.path}`, result.stderr, result.exitCode);
      const part = fromB64(result.stdout);
      parts.push(part);
      options.onBytes?.(part.length);
    }
    const whole = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const part of parts) {
      whole.set(part, at);
      at += part.length;
    }
    if (whole.length !== file.size) throw readFailed(session, `${dir}/${file.path}`, `read ${whole.length} of ${file.size} bytes`, null);
    out.set(file.path, whole);
  }
  await flush();
  return out;
}
