import type { SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from '../errors.js';
import { MARKER_FILE } from './download-marker.js';
import { B64, remoteScript, textFromB64 } from './remote-script.js';
import type { PretrainedPlan } from './pretrained-options.js';

/** What the cluster host has, in one round trip: the final folder's state first, the tool only when needed. */
export type HostProbe =
  | { readonly state: 'present'; readonly marker: string }
  | { readonly state: 'occupied' }
  | {
      readonly state: 'absent';
      /** The tool's path on the host, or `undefined` when it is not on PATH. */
      readonly toolPath: string | undefined;
      /** NGC: where the API key is (`env`, `config`) or `none`. */
      readonly credentials?: 'env' | 'config' | 'none';
      /** The zoo: the modules `python -m monai.bundle download` needs that the tool's Python lacks (`monai`, `fire`). */
      readonly missingModules?: readonly string[];
    };

// A present model is answered before any tool is looked for: a second call needs neither the tool nor
// the network. MONAI and fire (its command line) are found without importing them (MONAI imports torch: seconds on a login node).
const SCRIPT = `${B64}
final=$1 marker=$2 catalog=$3 tool=$4 keyed=$5
if [ -e "$final" ] || [ -L "$final" ]; then
  if [ -f "$final/$marker" ]; then echo state=present; printf 'marker='; b64 < "$final/$marker"; else echo state=occupied; fi
  exit 0
fi
echo state=absent
p=$(command -v "$tool" 2>/dev/null) || p=
printf 'tool='; printf %s "$p" | b64
[ -n "$p" ] || exit 0
case $catalog in
  ngc)
    if [ "$keyed" = 1 ] || [ -n "\${NGC_API_KEY:-}" ] || [ -n "\${NGC_CLI_API_KEY:-}" ]; then echo credentials=env
    elif [ -s "$HOME/.ngc/config" ]; then echo credentials=config
    else echo credentials=none; fi ;;
  monai-zoo)
    m=$("$p" -c 'import importlib.util as u; print(" ".join(n for n in ("monai", "fire") if u.find_spec(n) is None))' 2>/dev/null) || m='monai fire'
    echo "missing=$m" ;;
esac`;

/**
 * Looks at the final folder and, when it is absent, for the catalog's tool and what it needs.
 *
 * @throws {TrainingError} `TRAINING_READ_FAILED` when the host cannot run the probe.
 * @throws {ClusterSshError} when the session fails; a timeout or abort rejects with the signal's reason.
 */
export async function probeHost(session: SshSession, plan: PretrainedPlan, keyed: boolean, signal: AbortSignal): Promise<HostProbe> {
  const final = `${plan.destDir}/${plan.folder}`;
  const result = await session.exec(remoteScript(plan.env, SCRIPT, [final, MARKER_FILE, plan.catalog, plan.tool, keyed ? '1' : '0']), {
    signal,
  });
  const values = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  const state = values.get('state');
  if (state === undefined) {
    throw new TrainingError(
      'TRAINING_READ_FAILED',
      `cannot look at ${final} on ${session.host}: ${result.stderr.trim().slice(-300) || `exit ${String(result.exitCode)}`}`,
      {
        details: { dir: final, host: session.host, exitCode: result.exitCode },
      },
    );
  }
  if (state === 'present') return { state, marker: textFromB64(values.get('marker') ?? '') };
  if (state === 'occupied') return { state };
  const toolPath = textFromB64(values.get('tool') ?? '');
  const credentials = values.get('credentials');
  const missing = values.get('missing');
  return {
    state: 'absent',
    toolPath: toolPath === '' ? undefined : toolPath,
    ...(credentials === 'env' || credentials === 'config' || credentials === 'none' ? { credentials } : {}),
    ...(missing === undefined ? {} : { missingModules: missing.split(' ').filter((m) => m !== '') }),
  };
}
