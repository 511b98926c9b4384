import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpProblem } from '../errors.js';
import { drainRefusedBody } from '../http-body.js';
import type { Face, FaceContext } from '../face.js';
import type { TestModel } from '../models.js';
import { TokenIssuer, type TestAuthOptions } from './auth.js';
import { LocalDatastore } from './datastore.js';
import { ImageDecoder } from './images.js';
import { ServerLog } from './log.js';
import { ModelStore } from './model-store.js';
import { MonaiProblem, sendInternalError, sendJson } from './replies.js';
import type { FaceState, Route } from './route.js';
import { appRoutes } from './routes-app.js';
import { datastoreRoutes } from './routes-datastore.js';
import { inferRoutes } from './routes-infer.js';
import { taskRoutes } from './routes-tasks.js';
import { MonaiSessionStore } from './sessions.js';
import { batchInferBody, scoringBody, trainBody } from './task-bodies.js';
import { TaskKind } from './tasks.js';

/** Options of the MONAI Label face (`protocol: 'monai-label'`); the AIAA face ignores them. */
export interface MonaiLabelFaceOptions {
  /** MONAI Label: the datastore folder (`--studies`). Default a temporary folder, removed on close. */
  readonly studies?: string;
  /** MONAI Label: the app folder (`--app`); trained weights go to `<app>/model/<name>.json`. Default a temporary folder, removed on close. */
  readonly app?: string;
  /** MONAI Label: authentication with users and roles, as `MONAI_LABEL_AUTH_ENABLE=true` with Keycloak. Default off. */
  readonly auth?: TestAuthOptions;
  /** MONAI Label: seconds between sweeps of expired sessions (the real server: 300). */
  readonly sessionSweepSec?: number;
}

/**
 * The MONAI Label face of the test server: MONAI Label 0.8's REST API over the testkit's classical and
 * learnable models, with a local datastore on disk, sliding-expiry sessions, background training, scoring
 * and batch inference, active learning (`random`, `first`), model files, logs and optional authentication.
 * Replies have the shapes a real server sends (FastAPI's `{"detail": ...}`, uvicorn's bare 500 for what
 * MONAI Label does not catch, the multipart `params` + `image` reply of `/infer`).
 */
export async function createMonaiLabelFace(
  context: FaceContext,
  models: Map<string, TestModel>,
  options: MonaiLabelFaceOptions,
): Promise<Face> {
  const temporary: string[] = [];
  const folder = async (given: string | undefined, prefix: string): Promise<string> => {
    if (given) return given;
    const dir = await mkdtemp(join(tmpdir(), prefix));
    temporary.push(dir);
    return dir;
  };
  const studies = await folder(options.studies, 'medaas-monai-studies-');
  const app = await folder(options.app, 'medaas-monai-app-');
  const datastore = await LocalDatastore.open(studies, context.clock, {
    maxImages: context.limits.maxDatastoreImages,
    maxInfoBytes: context.limits.maxJsonBodyBytes,
  });
  const log = new ServerLog();
  const modelStore = await ModelStore.open(models, join(app, 'model'), (line) => log.info(line));
  const deps = { datastore, models: modelStore, limits: context.limits };
  const state: FaceState = {
    context,
    datastore,
    models: modelStore,
    sessions: new MonaiSessionStore(context.sessionLimits, context.clock, (options.sessionSweepSec ?? 300) * 1000, join(app, 'sessions')),
    images: new ImageDecoder(datastore, context.limits),
    auth: options.auth ? new TokenIssuer(options.auth, context.clock) : undefined,
    tasks: {
      train: new TaskKind('train', trainBody(deps), log, context.limits.maxQueuedTasks),
      scoring: new TaskKind('scoring', scoringBody(deps), log, context.limits.maxQueuedTasks),
      batch: new TaskKind('batch_infer', batchInferBody(deps), log, context.limits.maxQueuedTasks),
    },
    log,
    strategies: { random: { description: 'Random Strategy' }, first: { description: 'Get First Sample' } },
  };
  const routes: Route[] = [...appRoutes(state), ...inferRoutes(state), ...datastoreRoutes(state), ...taskRoutes(state)];

  const problem = (res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void => {
    if (status === 500) return sendInternalError(res);
    sendJson(res, status, { detail: message }, headers);
  };

  return {
    problem,
    sessions: () => state.sessions.size,
    async close() {
      for (const kind of Object.values(state.tasks)) kind.stop();
      state.sessions.clear();
      for (const dir of temporary) await rm(dir, { recursive: true, force: true });
    },
    async handle(req, res, path, query, method) {
      try {
        const candidates = routes.map((route) => ({ route, match: route.path.exec(path) })).filter((c) => c.match);
        if (candidates.length === 0) throw new MonaiProblem(404, 'Not Found');
        const found = candidates.find((c) => c.route.methods.includes(method));
        if (!found) throw new MonaiProblem(405, 'Method Not Allowed');
        if (state.auth && found.route.role) state.auth.check(req, query, found.route.role);
        await found.route.handler(req, res, found.match!, query);
        log.info(`${method} ${path} ${res.statusCode}`);
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const answer = (): void => {
          if (error instanceof MonaiProblem) {
            log.info(`${method} ${path} ${error.status}: ${error.message.slice(0, 500)}`);
            return sendJson(res, error.status, { detail: error.detail }, error.headers);
          }
          if (error instanceof HttpProblem) {
            // Limits of the test server itself (413, 422, 503) and unreadable multipart (400), in FastAPI's shape.
            log.info(`${method} ${path} ${error.status}: ${error.message.slice(0, 500)}`);
            return problem(res, error.status, error.message, error.headers);
          }
          log.error(`${method} ${path} failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 2000)}`);
          return sendInternalError(res);
        };
        // An answer before the upload was read: the rest is dropped first (bounded), then the answer goes.
        if (req.complete) return answer();
        const whole = await drainRefusedBody(req);
        if (!whole) {
          res.setHeader('connection', 'close');
          res.on('finish', () => req.destroy());
        }
        return answer();
      }
    },
  };
}
