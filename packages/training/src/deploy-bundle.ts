import { throwIfAborted, type CallOptions } from '@medaas/core';
import type { SshSession } from '@medaas/cluster-ssh';
import { TrainingError } from './errors.js';
import { remoteScript } from './pretrained/remote-script.js';

/**
 * The MONAI Label client {@link deployBundle} checks the deployed weights through: only the calls it makes.
 * The `MonaiLabelClient` of `@medaas/aiaa-client/monai-label` is one as it is.
 */
export interface MonaiLabelDeployClient {
  /** The server's address, for error messages. */
  readonly baseUrl: string;
  /** `GET /info/`: the models the server loaded, by name. */
  info(options?: CallOptions): Promise<{ readonly models: Readonly<Record<string, unknown>> }>;
  /** `GET /model/info/{name}`: the checksum of the weights it serves (`SHA256:<hex>`). */
  modelInfo(model: string, options?: CallOptions): Promise<{ readonly checksum: string }>;
}

/** Options of {@link deployBundle}. */
export interface DeployBundleOptions extends CallOptions {
  /** The bundle folder on the cluster: a training job's `bundleDir`, or a downloaded pretrained bundle. */
  readonly bundleDir: string;
  /** The MONAI Label app folder on the cluster (what `monailabel start_server --app` names); the bundle goes to `<appDir>/model/<name>/`. */
  readonly appDir: string;
  /** The MONAI Label server running that app, to check that it now serves the deployed weights. */
  readonly server?: MonaiLabelDeployClient;
}

/** Where a bundle went, and whether the server serves it. */
export interface DeployedBundle {
  /** `<appDir>/model/<name>`. */
  readonly dir: string;
  /** SHA-256 of the deployed `models/model.pt` (hex). */
  readonly sha256: string;
  /** Whether the bundle replaced one of the same name (its files were swapped in place, one atomic rename each). */
  readonly replaced: boolean;
  /** The server lists the model and reports the deployed weights' checksum: the next inference uses them. */
  readonly serving: boolean;
  /** The server does not list the model: MONAI Label loads new bundles when it starts (restart its job). */
  readonly restartRequired: boolean;
}

// The bundle is copied next to its final place (same file system), then either renamed into place (a new
// bundle) or, for a bundle the server already loaded, each file renamed over its old self, so a running
// server never sees a missing or half-written file. eval/ (metrics, TensorBoard) stays behind.
const DEPLOY_SCRIPT = `set -eu
src=$1; app=$2; name=$3
[ -d "$src" ] || { echo "medaas-deploy: no folder $src" >&2; exit 3; }
[ -f "$src/configs/metadata.json" ] || { echo "medaas-deploy: $src has no configs/metadata.json (not a MONAI bundle)" >&2; exit 3; }
[ -f "$src/models/model.pt" ] || { echo "medaas-deploy: $src has no models/model.pt (train or download the weights first)" >&2; exit 4; }
mkdir -p -- "$app/model"
tmp=$(mktemp -d "$app/model/.$name.medaas-XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
cp -R -- "$src/." "$tmp/"
rm -rf -- "$tmp/eval"
chmod 755 -- "$tmp"
sha=$(sha256sum -- "$tmp/models/model.pt" | cut -d' ' -f1)
final="$app/model/$name"
if [ -d "$final" ]; then
  (cd "$tmp" && find . -type d) | while IFS= read -r d; do mkdir -p -- "$final/$d"; done
  # Weights last: a server that reloads on the new model.pt finds the new configs already there.
  (cd "$tmp" && find . -type f ! -path ./models/model.pt) | while IFS= read -r f; do mv -f -- "$tmp/$f" "$final/$f"; done
  mv -f -- "$tmp/models/model.pt" "$final/models/model.pt"
  echo "replaced=1"
else
  mv -- "$tmp" "$final"
  echo "replaced=0"
fi
echo "sha256=$sha"`;

function checkPath(value: string, what: string): void {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\n\r\0]/.test(value)) {
    throw new TrainingError('TRAINING_INVALID_OPTIONS', `${what} must be an absolute path on the cluster without line breaks`, {
      details: { [what]: value },
    });
  }
}

/**
 * Places a MONAI bundle where a MONAI Label server loads it: `<appDir>/model/<name>/` on the cluster, as
 * the MONAI Label bundle app keeps its models. A new bundle is renamed into place whole; an existing one has
 * its files replaced one atomic rename each, the weights last, so a running server never reads a partial
 * file (MONAI Label reloads a network whose weights file changed). Given the running `server`, checks
 * that it lists the model with the deployed weights' checksum (`GET /model/info/{name}`); a bundle new to
 * the server needs its restart (`restartRequired`).
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS` for a bad name or path; `TRAINING_DEPLOY_FAILED` when the
 *   folder is no bundle with weights or the copy fails (`details.stderr`), or when the server lists the
 *   model but reports other weights.
 * @example
 * ```ts
 * const deployed = await deployBundle(session, 'spleen_ct_segmentation', { bundleDir: training.dir, appDir: '/shared/apps/monaibundle', server: client });
 * if (deployed.restartRequired) await restartServerJob();
 * ```
 */
export async function deployBundle(session: SshSession, name: string, options: DeployBundleOptions): Promise<DeployedBundle> {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.-]*$/.test(name) || name.length > 128) {
    throw new TrainingError(
      'TRAINING_INVALID_OPTIONS',
      `model name must be letters, digits, "_", "-" or ".", got ${JSON.stringify(name)}`,
      { details: { name } },
    );
  }
  checkPath(options.bundleDir, 'bundleDir');
  checkPath(options.appDir, 'appDir');
  throwIfAborted(options.signal);
  const call = { signal: options.signal, timeoutMs: options.timeoutMs };
  const result = await session.exec(
    remoteScript([], DEPLOY_SCRIPT, [options.bundleDir.replace(/\/+$/, ''), options.appDir.replace(/\/+$/, ''), name]),
    call,
  );
  if (result.exitCode !== 0) {
    const stderr = result.stderr.trim().split('\n').slice(-10).join('\n');
    throw new TrainingError(
      'TRAINING_DEPLOY_FAILED',
      `deploying ${options.bundleDir} as "${name}" failed (exit ${String(result.exitCode)}): ${stderr}`,
      {
        details: { name, bundleDir: options.bundleDir, appDir: options.appDir, exitCode: result.exitCode, stderr },
      },
    );
  }
  const sha256 = /^sha256=([0-9a-f]{64})$/m.exec(result.stdout)?.[1] ?? '';
  const replaced = /^replaced=1$/m.test(result.stdout);
  const dir = `${options.appDir.replace(/\/+$/, '')}/model/${name}`;
  if (!options.server) return { dir, sha256, replaced, serving: false, restartRequired: false };
  const info = await options.server.info(call);
  if (!Object.hasOwn(info.models, name)) return { dir, sha256, replaced, serving: false, restartRequired: true };
  const weights = await options.server.modelInfo(name, call);
  if (weights.checksum.toLowerCase() !== `sha256:${sha256}`) {
    throw new TrainingError(
      'TRAINING_DEPLOY_FAILED',
      `the server at ${options.server.baseUrl} serves "${name}" with other weights (${weights.checksum}) than deployed to ${dir} (SHA256:${sha256}): is it running another app folder?`,
      {
        details: { name, dir, deployed: sha256, served: weights.checksum, server: options.server.baseUrl },
      },
    );
  }
  return { dir, sha256, replaced, serving: true, restartRequired: false };
}
