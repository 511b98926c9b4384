import type { CallOptions } from '@medaas/core';
import type { SshSession } from '@medaas/cluster-ssh';
import { deployBundle, type DeployBundleOptions, type DeployedBundle } from './deploy-bundle.js';
import { TrainingError } from './errors.js';

/** A model's AIAA config (Clara's `config_aiaa.json`): a JSON object, or its text as read from the MMAR. */
export type AiaaModelConfigInput = Readonly<Record<string, unknown>> | string;

/**
 * The AIAA client {@link deployModel} deploys through: only the calls it makes. The `AiaaClient` of
 * `@medaas/aiaa-client` is one as it is, so the caller's dispatcher, TLS settings, headers and retries apply
 * to the upload; `Model` is what its `listModels` lists (`AiaaModel` there).
 */
export interface AiaaDeployClient<Model extends { readonly name: string } = { readonly name: string }> {
  /** The server's address, for error messages. */
  readonly baseUrl: string;
  /** `PUT /admin/model/{name}`: the model's config and weights. */
  putModel(
    name: string,
    input: { readonly config: AiaaModelConfigInput; readonly weights: Uint8Array | Blob; readonly weightsFileName?: string },
    options?: CallOptions,
  ): Promise<unknown>;
  /** The models the server serves. */
  listModels(options?: CallOptions): Promise<readonly Model[]>;
}

/** Options of {@link deployModel}. */
export interface DeployModelOptions extends CallOptions {
  /** The model's AIAA config (`config/config_aiaa.json` of the MMAR). */
  readonly config: AiaaModelConfigInput;
  /** The exported model file's bytes (TorchScript `model.ts`, or the testkit's `model.json`). */
  readonly weights: Uint8Array | Blob;
  /** The file name the server sees. Default `model.ts`. */
  readonly weightsFileName?: string;
}

/**
 * Loads a trained model into an AIAA server (`PUT /admin/model/{name}`) through the caller's client, and
 * checks that `listModels()` now shows it, so the next segmentation can use it. A refused model leaves the
 * server's previous model serving.
 *
 * @throws {TrainingError} `TRAINING_DEPLOY_FAILED` with the server's message when it refuses the model
 *   (the `AiaaError` is the `cause`), or when the model is not listed afterwards.
 * @example
 * ```ts
 * await using client = createAiaaClient({ baseUrl, dispatcher }); // @medaas/aiaa-client
 * const model = await deployModel(client, 'spleen_finetuned', { config: configAiaaText, weights: modelBytes });
 * ```
 */
export function deployModel<Model extends { readonly name: string }>(
  client: AiaaDeployClient<Model>,
  name: string,
  options: DeployModelOptions,
): Promise<Model>;
/**
 * Places a MONAI bundle where a MONAI Label server loads it (`<appDir>/model/<name>/` on the cluster),
 * the same as {@link deployBundle}.
 *
 * @throws {TrainingError} `TRAINING_INVALID_OPTIONS`, `TRAINING_DEPLOY_FAILED` (see {@link deployBundle}).
 * @example
 * ```ts
 * await deployModel(session, 'spleen_ct_segmentation', { bundleDir: training.dir, appDir: '/shared/apps/monaibundle', server });
 * ```
 */
export function deployModel(session: SshSession, name: string, options: DeployBundleOptions): Promise<DeployedBundle>;
export function deployModel<Model extends { readonly name: string }>(
  target: AiaaDeployClient<Model> | SshSession,
  name: string,
  options: DeployModelOptions | DeployBundleOptions,
): Promise<Model | DeployedBundle> {
  if ('bundleDir' in options) return deployBundle(target as SshSession, name, options);
  return deployAiaaModel(target as AiaaDeployClient<Model>, name, options);
}

async function deployAiaaModel<Model extends { readonly name: string }>(
  client: AiaaDeployClient<Model>,
  name: string,
  options: DeployModelOptions,
): Promise<Model> {
  const call = { signal: options.signal, timeoutMs: options.timeoutMs };
  try {
    await client.putModel(
      name,
      {
        config: options.config,
        weights: options.weights,
        ...(options.weightsFileName ? { weightsFileName: options.weightsFileName } : {}),
      },
      call,
    );
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    const server = error instanceof Error ? error.message : String(error);
    throw new TrainingError('TRAINING_DEPLOY_FAILED', `the AIAA server at ${client.baseUrl} refused model "${name}": ${server}`, {
      details: { model: name, server: client.baseUrl },
      cause: error,
    });
  }
  const listed = (await client.listModels(call)).find((m) => m.name === name);
  if (!listed) {
    throw new TrainingError(
      'TRAINING_DEPLOY_FAILED',
      `the AIAA server at ${client.baseUrl} accepted model "${name}" but does not list it`,
      { details: { model: name, server: client.baseUrl } },
    );
  }
  return listed;
}
