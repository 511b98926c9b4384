import type { CallOptions } from '@medaas/core';
import { openConnection, type ConnectionOptions } from '../connection/connection.js';
import { wrongProtocolOr } from '../connection/protocol-probe.js';
import { guardSecrets } from '../connection/secret-guard.js';
import { nextSample, serverLogs, type MonaiLabelSample } from './active-learning.js';
import { parseAuthInfo, tokenAuthorizer, type MonaiLabelAuth, type MonaiLabelAuthInfo } from './auth.js';
import { infoCache, objectOf, type MonaiLabelContext } from './context.js';
import { datastoreCalls, type MonaiLabelDatastoreCalls } from './datastore.js';
import { inferCalls, type MonaiLabelInferCalls } from './infer.js';
import type { MonaiLabelInfo } from './info.js';
import { modelFileCalls, type MonaiLabelModelFileCalls } from './model-files.js';
import { sessionCalls, type MonaiLabelSessionCalls } from './sessions.js';
import { taskCalls, type MonaiLabelTaskStatus, type StartTaskOptions, type WaitForTaskOptions } from './tasks.js';

/** Options of {@link createMonaiLabelClient}: how to reach the server, and how to authenticate. */
export interface MonaiLabelClientOptions extends ConnectionOptions {
  /** Credentials for a server with authentication enabled; without them such a server answers `AIAA_UNAUTHORIZED`. */
  readonly auth?: MonaiLabelAuth;
  /** Sent as `client_id` with inference, uploads, labels, training and active learning, as MONAI Label's own client does. */
  readonly clientId?: string;
  /** The clock token expiry is judged by, in epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Options of starting a batch inference. */
export interface StartBatchInferenceOptions extends StartTaskOptions {
  /** Which datastore images: all, those with a `final` label, or those without. Default `all`. */
  readonly images?: 'all' | 'labeled' | 'unlabeled';
}

/**
 * A client of one MONAI Label server: the whole REST API, typed. It holds a connection pool: close it when
 * done (idempotent; `await using` works too).
 */
export interface MonaiLabelClient
  extends MonaiLabelInferCalls, MonaiLabelSessionCalls, MonaiLabelDatastoreCalls, MonaiLabelModelFileCalls, AsyncDisposable {
  /** The server's base URL. */
  readonly baseUrl: string;
  /**
   * The app's models, labels, trainers, strategies, scoring methods and datastore summary (`GET /info/`).
   *
   * @throws {AiaaError} `AIAA_WRONG_PROTOCOL` for an AIAA v1 server; `AIAA_UNAUTHORIZED` for an auth-enabled server without credentials.
   *
   * @example
   * ```ts
   * const info = await client.info();
   * const interactive = Object.values(info.models).filter((model) => model.type === 'deepedit');
   * console.log(info.labels, `${info.datastore.completed} of ${info.datastore.total} images labelled`);
   * ```
   */
  info(options?: CallOptions): Promise<MonaiLabelInfo>;
  /**
   * Whether the server has authentication enabled, and its realm (`GET /auth/`).
   *
   * @example
   * ```ts
   * const { enabled } = await client.authInfo();
   * if (enabled) console.log('this server wants credentials: pass the auth option');
   * ```
   */
  authInfo(options?: CallOptions): Promise<MonaiLabelAuthInfo>;
  /**
   * The user the current token belongs to (`GET /auth/token/valid`).
   *
   * @example
   * ```ts
   * console.log(await client.currentUser()); // the token's user and roles, as the server sends them
   * ```
   */
  currentUser(options?: CallOptions): Promise<Record<string, unknown>>;
  /**
   * The next image a strategy (`random`, `first`, ...) proposes, or `undefined` when none is left.
   *
   * @example
   * ```ts
   * const sample = await client.nextSample('random');
   * if (sample) {
   *   const { mask } = await client.segment('segmentation_spleen', sample.id);
   * }
   * ```
   */
  nextSample(
    strategy: string,
    options?: CallOptions & { readonly params?: Readonly<Record<string, unknown>> },
  ): Promise<MonaiLabelSample | undefined>;
  /**
   * Starts training a model (`POST /train/{model}`, `params` override the trainer's config). @throws {AiaaError} `AIAA_BUSY` when training runs and `enqueue` is not set.
   *
   * @example
   * ```ts
   * const task = await client.startTraining('segmentation_spleen', { params: { max_epochs: 10 }, enqueue: true });
   * console.log(task.id, task.status);
   * ```
   */
  startTraining(model: string, options?: StartTaskOptions): Promise<MonaiLabelTaskStatus>;
  /**
   * The latest training task, or `undefined` when none ever ran.
   *
   * @example
   * ```ts
   * const task = await client.trainingStatus();
   * console.log(task?.status ?? 'never trained', task?.details.at(-1));
   * ```
   */
  trainingStatus(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * Whether training runs now.
   *
   * @example
   * ```ts
   * if (!(await client.isTrainingRunning())) await client.startTraining('segmentation_spleen');
   * ```
   */
  isTrainingRunning(options?: CallOptions): Promise<boolean>;
  /**
   * Stops the running training; `undefined` when none was running.
   *
   * @example
   * ```ts
   * const stopped = await client.stopTraining();
   * console.log(stopped ? `stopped ${stopped.id}` : 'nothing was training');
   * ```
   */
  stopTraining(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * Polls until the latest training has finished and returns its last status.
   *
   * @example
   * ```ts
   * await client.startTraining('segmentation_spleen', { params: { max_epochs: 2 } });
   * const last = await client.waitForTraining({ pollIntervalMs: 5000, onStatus: (task) => console.log(task.details.at(-1)) });
   * if (last.status !== 'DONE') console.error(last.details.join('\n'));
   * ```
   */
  waitForTraining(options?: WaitForTaskOptions): Promise<MonaiLabelTaskStatus>;
  /**
   * Starts a scoring method (`POST /scoring/{method}`). @throws {AiaaError} `AIAA_BUSY` when scoring runs.
   *
   * @example
   * ```ts
   * const task = await client.startScoring('dice');
   * console.log(task.status);
   * ```
   */
  startScoring(method: string, options?: StartTaskOptions): Promise<MonaiLabelTaskStatus>;
  /**
   * The latest scoring task, or `undefined`.
   *
   * @example
   * ```ts
   * const task = await client.scoringStatus();
   * console.log(task?.status ?? 'never scored');
   * ```
   */
  scoringStatus(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * Stops the running scoring task.
   *
   * @example
   * ```ts
   * await client.stopScoring();
   * ```
   */
  stopScoring(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * Runs a model over datastore images in the background (`POST /batch/infer/{model}`). `params` default to
   * `multi_gpu: false`: with the server's own default a CPU-only server fails the task.
   *
   * @throws {AiaaError} `AIAA_BUSY` when a batch inference runs.
   *
   * @example
   * ```ts
   * const task = await client.startBatchInference('segmentation_spleen', { images: 'unlabeled' });
   * console.log(task.id);
   * ```
   */
  startBatchInference(model: string, options?: StartBatchInferenceOptions): Promise<MonaiLabelTaskStatus>;
  /**
   * The latest batch inference task, or `undefined`.
   *
   * @example
   * ```ts
   * const task = await client.batchInferenceStatus();
   * console.log(task?.status, task?.details.at(-1));
   * ```
   */
  batchInferenceStatus(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * Stops the running batch inference.
   *
   * @example
   * ```ts
   * await client.stopBatchInference();
   * ```
   */
  stopBatchInference(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /**
   * The server's log, its last `lines` lines (default 300).
   *
   * @example
   * ```ts
   * console.log(await client.logs({ lines: 50 }));
   * ```
   */
  logs(options?: CallOptions & { readonly lines?: number }): Promise<string>;
  /**
   * Closes the client's own connection pool (an injected dispatcher is left open). Idempotent.
   *
   * @example
   * ```ts
   * const client = createMonaiLabelClient({ baseUrl: 'http://127.0.0.1:8000' });
   * try {
   *   console.log((await client.info()).name);
   * } finally {
   *   await client.close();
   * }
   * ```
   */
  close(): Promise<void>;
}

/**
 * Creates a client for a MONAI Label server (the REST API 3D Slicer's and OHIF's MONAI Label plugins use):
 * over undici with connection reuse in Node, over `fetch` in browsers (the server must allow the page's
 * origin, CORS).
 *
 * @throws {AiaaError} `AIAA_INVALID_ARGUMENT` for a bad base URL, headers or auth.
 * @example
 * ```ts
 * await using client = createMonaiLabelClient({ baseUrl: 'http://127.0.0.1:8000' });
 * const { id } = await client.ensureImage(await openImageFile('ct.nii.gz'));   // uploaded only if the server lacks it
 * const { mask } = await client.segment('segmentation', id);
 * await client.saveLabel(id, mask);                                             // the validated label, tag `final`
 * ```
 */
export function createMonaiLabelClient(options: MonaiLabelClientOptions): MonaiLabelClient {
  const connection = openConnection(options, 'monai-label');
  if (options.auth) connection.authorize(tokenAuthorizer(connection, options.auth, options.clock));
  const context: MonaiLabelContext = {
    connection,
    clientId: options.clientId,
    send: (spec, kind) => connection.send({ ...spec, kind }),
    info: infoCache(async (call) => {
      try {
        return await connection.send({ operation: 'info', method: 'GET', path: '/info/', idempotent: true, kind: 'metadata', ...call });
      } catch (error) {
        // A 404 here is what an AIAA v1 server answers: name the protocol instead.
        throw await wrongProtocolOr(error, connection, 'monai-label', call);
      }
    }),
  };
  const train = taskCalls(context, 'train');
  const scoring = taskCalls(context, 'scoring');
  const batch = taskCalls(context, 'batch_infer');

  const client: MonaiLabelClient = {
    baseUrl: connection.baseUrl.href,
    ...inferCalls(context),
    ...sessionCalls(context),
    ...datastoreCalls(context),
    ...modelFileCalls(context),
    info: (call = {}) => context.info(call, true),
    async authInfo(call = {}) {
      return parseAuthInfo(
        objectOf(
          await context.send({ operation: 'authInfo', method: 'GET', path: '/auth/', idempotent: true, ...call }, 'metadata'),
          'authInfo',
        ),
      );
    },
    async currentUser(call = {}) {
      return objectOf(
        await context.send({ operation: 'currentUser', method: 'GET', path: '/auth/token/valid', idempotent: true, ...call }, 'metadata'),
        'currentUser',
      );
    },
    nextSample: (strategy, call) => nextSample(context, strategy, call),
    startTraining: (model, call) => train.start(model, call),
    trainingStatus: (call) => train.status(call),
    isTrainingRunning: (call) => train.running(call),
    stopTraining: (call) => train.stop(call),
    waitForTraining: (call) => train.wait(call),
    startScoring: (method, call) => scoring.start(method, call),
    scoringStatus: (call) => scoring.status(call),
    stopScoring: (call) => scoring.stop(call),
    startBatchInference(model, call = {}) {
      const { images = 'all', params, ...rest } = call;
      return batch.start(model, { ...rest, params: { multi_gpu: false, ...params } }, { images });
    },
    batchInferenceStatus: (call) => batch.status(call),
    stopBatchInference: (call) => batch.stop(call),
    logs: (call) => serverLogs(context, call),
    close: () => connection.close(),
    [Symbol.asyncDispose]() {
      return client.close();
    },
  };
  // Errors built from a reply after the exchange (a content type, a label name) are scrubbed of secrets too.
  return guardSecrets(client, connection.scrub);
}
