import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { HttpProblem } from '../errors.js';
import type { Face, FaceContext } from '../face.js';
import { readBody, readMultipart } from '../http-body.js';
import type { TestModel } from '../models.js';
import type { RequestPart } from '../request-multipart.js';
import { TokenIssuer, type MonaiRole, type TestAuthOptions } from './auth.js';
import { LocalDatastore, extensionOf } from './datastore.js';
import { ImageDecoder } from './images.js';
import { binaryLabel, runInference } from './inference.js';
import { ServerLog } from './log.js';
import { ModelStore } from './model-store.js';
import { TRAINER_CONFIG, describeMonaiModel } from './models.js';
import { InternalFailure, MonaiProblem, sendFile, sendInferMultipart, sendInternalError, sendJson, sendText, tempName } from './replies.js';
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

type Handler = (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, query: URLSearchParams) => Promise<void>;

interface Route {
  readonly methods: readonly string[];
  readonly path: RegExp;
  /** The RBAC role the route needs when authentication is on; `undefined`: open (the auth routes). */
  readonly role: MonaiRole | undefined;
  readonly handler: Handler;
}

/**
 * The MONAI Label face of the test server: MONAI Label 0.8's REST API over the testkit's classical and
 * learnable models, with a local datastore on disk, sliding-expiry sessions, background training, scoring
 * and batch inference, active learning (`random`, `first`), model files, logs and optional authentication.
 * Replies have the shapes a real server sends (FastAPI's `{"detail": ...}`, uvicorn's bare 500 for what
 * MONAI Label does not catch, the multipart `params` + `image` reply of `/infer`).
 */
export async function createMonaiLabelFace(context: FaceContext, models: Map<string, TestModel>, options: MonaiLabelFaceOptions): Promise<Face> {
  const temporary: string[] = [];
  const folder = async (given: string | undefined, prefix: string): Promise<string> => {
    if (given) return given;
    const dir = await mkdtemp(join(tmpdir(), prefix));
    temporary.push(dir);
    return dir;
  };
  const studies = await folder(options.studies, 'medaas-monai-studies-');
  const app = await folder(options.app, 'medaas-monai-app-');
  const datastore = await LocalDatastore.open(studies, context.clock);
  const store = await ModelStore.open(models, join(app, 'model'));
  const log = new ServerLog();
  const sessions = new MonaiSessionStore(context.sessionLimits, context.clock, (options.sessionSweepSec ?? 300) * 1000, join(app, 'sessions'));
  const images = new ImageDecoder(datastore);
  const auth = options.auth ? new TokenIssuer(options.auth, context.clock) : undefined;
  const deps = { datastore, models: store };
  const tasks = {
    train: new TaskKind('train', trainBody(deps), log),
    scoring: new TaskKind('scoring', scoringBody(deps), log),
    batch: new TaskKind('batch_infer', batchInferBody(deps), log),
  };
  const strategies: Record<string, { description: string }> = { random: { description: 'Random Strategy' }, first: { description: 'Get First Sample' } };
  const limits = { maxBytes: context.maxUploadBytes, counter: context.counters };
  const multipart = (req: IncomingMessage): Promise<RequestPart[]> => readMultipart(req, limits.maxBytes, limits.counter);
  const required = (query: URLSearchParams, name: string): string => {
    const value = query.get(name);
    if (value === null) throw new MonaiProblem(422, [{ loc: ['query', name], msg: 'field required', type: 'value_error.missing' }]);
    return value;
  };

  const info = (): Record<string, unknown> => {
    const labels = new Set<string>();
    const described: Record<string, unknown> = {};
    for (const model of store.models.values()) {
      described[model.name] = describeMonaiModel(model);
      for (const name of model.labels ?? ['object']) labels.add(name);
    }
    const trainers = Object.fromEntries(store.trainers().map((name) => [name, { description: `Train ${name} on the datastore's final labels`, config: { ...TRAINER_CONFIG } }]));
    return {
      name: 'medaas-testkit',
      description: 'GPU-free MONAI Label app of @medaas/aiaa-testkit (classical and learnable models)',
      version: '0.8.1',
      labels: [...labels],
      models: described,
      trainers,
      strategies,
      scoring: { dice: { description: 'Dice of the original label against the final label' } },
      train_stats: store.allTrainStats(),
      datastore: datastore.stats(),
    };
  };

  const taskRoutes = (kind: TaskKind, base: string, roles: { read: MonaiRole; write: MonaiRole }, trailingSlash: boolean): Route[] => [
    {
      methods: ['GET'],
      path: new RegExp(`^${base}${trailingSlash ? '/?' : '/?'}$`),
      role: roles.read,
      handler: async (_req, res, _m, query) => {
        if (flag(query, 'check_if_running')) {
          const running = kind.current();
          if (!running) throw new MonaiProblem(404, `No ${capitalize(kind.name)} Tasks are currently Running`);
          return sendJson(res, 200, running);
        }
        const latest = kind.latest();
        if (!latest) throw new MonaiProblem(404, `No ${capitalize(kind.name)} Tasks Found`);
        return sendJson(res, 200, flag(query, 'all') ? kind.all() : latest);
      },
    },
    {
      methods: ['DELETE'],
      path: new RegExp(`^${base}/?$`),
      role: roles.write,
      handler: async (_req, res) => sendJson(res, 200, kind.stop() ?? null),
    },
    {
      methods: ['POST'],
      path: new RegExp(`^${base}/([^/]+)$`),
      role: roles.write,
      handler: async (req, res, match, query) => {
        const name = decodeURIComponent(match[1]!);
        const body = await jsonBody(req, limits);
        const request =
          kind.name === 'train'
            ? { model: name, ...TRAINER_CONFIG, ...body }
            : kind.name === 'scoring'
              ? { method: name, ...body }
              : { model: name, images: query.get('images') ?? 'all', device: 'cuda', multi_gpu: true, gpus: 'all', save_label: true, label_tag: 'original', ...body };
        if (kind.name === 'train' && !store.get(name)?.trainable) throw new InternalFailure(`no trainer "${name}"`);
        const record = kind.submit(request, flag(query, 'enqueue'));
        if (!record) throw new MonaiProblem(429, `++++++++++ ${capitalize(kind.name)} Task is Already Running`);
        if (flag(query, 'run_sync')) {
          await kind.idle();
          return sendJson(res, 200, record);
        }
        return sendJson(res, 200, record);
      },
    },
  ];

  const routes: Route[] = [
    { methods: ['GET'], path: /^\/info\/?$/, role: 'user', handler: async (_req, res) => sendJson(res, 200, info()) },

    // Authentication.
    {
      methods: ['GET'],
      path: /^\/auth\/?$/,
      role: undefined,
      handler: async (_req, res) => sendJson(res, 200, auth ? auth.describe() : { enabled: false, client_id: 'monailabel-app', realm: 'http://localhost:8080/realms/monailabel' }),
    },
    {
      methods: ['POST'],
      path: /^\/auth\/token\/?$/,
      role: undefined,
      handler: async (req, res) => {
        const form = new URLSearchParams((await readBody(req, 64 * 1024, limits.counter)).toString('utf8'));
        if (!auth) return sendJson(res, 200, { access_token: null, token_type: null });
        const username = form.get('username');
        const password = form.get('password');
        if (username === null || password === null) throw new MonaiProblem(422, [{ loc: ['body', username === null ? 'username' : 'password'], msg: 'field required', type: 'value_error.missing' }]);
        const token = auth.grant(username, password);
        // The real server forwards the grant to Keycloak and does not catch its refusal.
        if (!token) throw new InternalFailure(`401 Client Error: Unauthorized for user ${username}`);
        return sendJson(res, 200, token);
      },
    },
    {
      methods: ['GET'],
      path: /^\/auth\/token\/valid\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        const user = auth?.check(req, query, 'user') ?? { username: 'admin', roles: ['admin', 'reviewer', 'annotator', 'user'] };
        return sendJson(res, 200, { username: user.username, email: `${user.username}@monailabel.test`, name: user.username, roles: user.roles });
      },
    },

    // Inference.
    {
      methods: ['POST'],
      path: /^\/infer\/([^/]+)$/,
      role: 'user',
      handler: async (req, res, match, query) => {
        const name = decodeURIComponent(match[1]!);
        const parts = await multipart(req);
        const params = paramsOf(parts);
        const file = parts.find((p) => p.name === 'file' && p.fileName !== undefined);
        const labelPart = parts.find((p) => p.name === 'label' && p.fileName !== undefined);
        const imageId = query.get('image') ?? '';
        const sessionId = query.get('session_id') ?? '';
        const output = query.get('output');
        if (output !== null && !['image', 'json', 'all', 'dicom_seg'].includes(output)) {
          throw new MonaiProblem(422, [{ loc: ['query', 'output'], msg: "value is not a valid enumeration member; permitted: 'image', 'json', 'all', 'dicom_seg'", type: 'type_error.enum' }]);
        }
        if (!file && !imageId && !sessionId) throw new MonaiProblem(500, 'Neither Image nor File not Session ID input is provided');
        const model = store.get(name);
        if (!model || store.isBroken(name)) throw new InternalFailure(`Inference Task is not Initialized. There is no model '${name}' available`);
        const started = performance.now();
        try {
          // As MONAI Label: an upload wins, then a live session, then the datastore image; an unknown or
          // expired session is silently ignored.
          const session = sessionId ? sessions.get(sessionId, true) : undefined;
          const volume = file ? await images.decodeUpload(file) : session ? await images.decodeSession(session) : await images.decodeStored(imageId);
          const label = labelPart ? ((extensionOf(labelPart.fileName) === '.bin' ? binaryLabel(labelPart.data, volume) : await images.decodeUpload(labelPart)) ?? fail('the .bin label is not on the image grid')) : undefined;
          const result = await runInference(model, volume, params, label ? { label } : {});
          if (result.kind === 'mask' && params['save_label'] === true && imageId && datastore.has(imageId)) {
            await datastore.saveLabel(imageId, result.file, '.nii.gz', String(params['label_tag'] ?? 'original'), { model: name });
          }
          if (output === 'json' || result.kind === 'json') return sendJson(res, 200, result.params);
          if (output === 'dicom_seg') throw new MonaiProblem(500, 'DICOM SEG format is not supported in a non-DICOM datastore');
          const fileName = tempName('.nii.gz');
          if (output === 'image') return sendFile(res, result.file, fileName);
          return sendInferMultipart(res, result.params, result.file, fileName);
        } finally {
          context.counters.busyMs += performance.now() - started;
        }
      },
    },

    // Sessions.
    {
      methods: ['PUT'],
      path: /^\/session\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        const expiry = Number(query.get('expiry') ?? 0);
        if (!Number.isInteger(expiry)) throw new MonaiProblem(422, [{ loc: ['query', 'expiry'], msg: 'value is not a valid integer', type: 'type_error.integer' }]);
        const files = (await multipart(req)).filter((p) => p.name === 'files' && p.fileName !== undefined);
        if (files.length === 0) throw new MonaiProblem(422, [{ loc: ['body', 'files'], msg: 'field required', type: 'value_error.missing' }]);
        const bytes = files.reduce((sum, f) => sum + f.data.length, 0);
        if (bytes > context.maxSessionBytes) throw new HttpProblem(413, 'the session is larger than the server allows');
        const session = sessions.create(files.map((f, i) => ({ name: baseName(f.fileName) || `file${i}`, data: f.data })), Math.max(0, expiry));
        return sendJson(res, 200, { session_id: session.id, session_info: sessions.info(session) });
      },
    },
    {
      methods: ['GET', 'DELETE'],
      path: /^\/session\/([^/]+)\/?$/,
      role: 'user',
      handler: async (req, res, match, query) => {
        const id = decodeURIComponent(match[1]!);
        const session = sessions.get(id, req.method === 'GET' && flag(query, 'update_ts'));
        if (!session) throw new MonaiProblem(404, req.method === 'GET' ? `Session (${id}) Not Found` : 'Session Not Found');
        if (req.method === 'DELETE') {
          const described = sessions.info(session);
          sessions.delete(id);
          return sendJson(res, 200, described);
        }
        if (flag(query, 'image')) {
          if (session.files.length !== 1) throw new InternalFailure('a session of several files has no single image to send');
          return sendFile(res, session.files[0]!.data, session.files[0]!.name);
        }
        return sendJson(res, 200, sessions.info(session));
      },
    },

    // Datastore.
    {
      methods: ['GET'],
      path: /^\/datastore\/?$/,
      role: 'user',
      handler: async (_req, res, _m, query) => {
        const output = query.get('output') ?? 'stats';
        if (output === 'all') return sendJson(res, 200, datastore.json());
        if (output === 'train') return sendJson(res, 200, datastore.datalist());
        if (output === 'stats') return sendJson(res, 200, datastore.stats());
        throw new MonaiProblem(422, [{ loc: ['query', 'output'], msg: "value is not a valid enumeration member; permitted: 'train', 'stats', 'all'", type: 'type_error.enum' }]);
      },
    },
    {
      // `PUT /datastore/?image=` is the deprecated route MONAI Label's own client still uses.
      methods: ['PUT'],
      path: /^\/datastore(\/image)?\/?$/,
      role: 'annotator',
      handler: async (req, res, _m, query) => {
        const parts = await multipart(req);
        const file = parts.find((p) => p.name === 'file' && p.fileName !== undefined);
        if (!file) throw new MonaiProblem(422, [{ loc: ['body', 'file'], msg: 'field required', type: 'value_error.missing' }]);
        const ext = extensionOf(file.fileName);
        const id = query.get('image') || baseName(file.fileName).slice(0, -ext.length) || 'image';
        const saved = await datastore.addImage(id, file.data, ext, paramsOf(parts));
        images.forget(saved);
        return sendJson(res, 200, { image: saved });
      },
    },
    {
      methods: ['DELETE'],
      path: /^\/datastore(\/image)?\/?$/,
      role: 'admin',
      handler: async (_req, res, _m, query) => {
        const id = required(query, 'id');
        await datastore.removeImage(id);
        images.forget(id);
        return sendJson(res, 200, {});
      },
    },
    {
      methods: ['GET', 'HEAD'],
      path: /^\/datastore\/image\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        const id = required(query, 'image');
        if (!datastore.has(id)) throw new MonaiProblem(404, 'Image NOT Found');
        if (req.method === 'HEAD') {
          const expected = query.get('check_sum');
          if (expected) {
            const digest = expected.includes(':') ? expected.slice(expected.indexOf(':') + 1) : expected;
            if (`SHA256:${digest}` !== (await datastore.checksum(id))) throw new MonaiProblem(404, 'Image NOT Found (checksum failed)');
          }
          return sendJson(res, 200, {});
        }
        const file = await datastore.readImage(id);
        if (!file) throw new MonaiProblem(404, 'Image NOT Found');
        return sendFile(res, file.data, file.fileName, file.mtimeMs);
      },
    },
    {
      methods: ['GET', 'PUT'],
      path: /^\/datastore\/image\/info\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        const id = required(query, 'image');
        if (req.method === 'GET') {
          const found = datastore.imageInfo(id);
          if (!found) throw new InternalFailure(`image ${id} not found`);
          return sendJson(res, 200, found);
        }
        requireRole(req, query, 'annotator');
        return sendJson(res, 200, await datastore.updateImageInfo(id, await formInfo(req, limits)));
      },
    },
    {
      methods: ['PUT'],
      path: /^\/datastore\/label\/?$/,
      role: 'annotator',
      handler: async (req, res, _m, query) => {
        const id = required(query, 'image');
        const tag = query.get('tag') || 'final';
        const parts = await multipart(req);
        const label = parts.find((p) => p.name === 'label' && p.fileName !== undefined);
        if (!label) throw new MonaiProblem(422, [{ loc: ['body', 'label'], msg: 'field required', type: 'value_error.missing' }]);
        const saved = await datastore.saveLabel(id, label.data, extensionOf(label.fileName), tag, paramsOf(parts));
        return sendJson(res, 200, { image: id, label: saved });
      },
    },
    {
      methods: ['GET', 'HEAD', 'DELETE'],
      path: /^\/datastore\/label\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        if (req.method === 'DELETE') {
          requireRole(req, query, 'admin');
          await datastore.removeLabel(required(query, 'id'), required(query, 'tag'));
          return sendJson(res, 200, {});
        }
        const id = req.method === 'HEAD' ? required(query, 'image') : required(query, 'label');
        const file = await datastore.readLabel(id, required(query, 'tag'));
        if (!file) throw new MonaiProblem(404, 'Label NOT Found');
        if (req.method === 'HEAD') return sendJson(res, 200, {});
        return sendFile(res, file.data, file.fileName, file.mtimeMs);
      },
    },
    {
      methods: ['GET', 'PUT'],
      path: /^\/datastore\/label\/info\/?$/,
      role: 'user',
      handler: async (req, res, _m, query) => {
        const id = required(query, 'label');
        const tag = required(query, 'tag');
        if (req.method === 'GET') {
          const found = datastore.labelInfo(id, tag);
          if (!found) throw new InternalFailure(`label ${id} (${tag}) not found`);
          return sendJson(res, 200, found);
        }
        requireRole(req, query, 'annotator');
        return sendJson(res, 200, await datastore.updateLabelInfo(id, tag, await formInfo(req, limits)));
      },
    },
    {
      methods: ['GET'],
      path: /^\/datastore\/dataset\/?$/,
      role: 'annotator',
      handler: async (_req, res, _m, query) => {
        const limit = query.get('limit_cases');
        const count = limit === null ? Infinity : Number(limit);
        if (!Number.isFinite(count) && limit !== null) throw new MonaiProblem(422, [{ loc: ['query', 'limit_cases'], msg: 'value is not a valid integer', type: 'type_error.integer' }]);
        const files: Record<string, Uint8Array> = {};
        for (const pair of datastore.datalist().slice(0, count)) {
          const id = datastore.ids().find((candidate) => datastore.imagePath(candidate) === pair.image)!;
          files[`images/${baseName(pair.image)}`] = await readFile(pair.image);
          files[`labels/final/${baseName(pair.label)}`] = await readFile(pair.label);
          void id;
        }
        // The images are gzip'd NIfTI already: stored entries, no second compression.
        return sendFile(res, zipSync(files, { level: 0 }), 'dataset.zip');
      },
    },

    // Active learning.
    {
      methods: ['POST'],
      path: /^\/activelearning\/([^/]+)$/,
      role: 'user',
      handler: async (req, res, match) => {
        const strategy = decodeURIComponent(match[1]!);
        const body = await jsonBody(req, limits);
        if (!strategies[strategy]) throw new InternalFailure(`strategy "${strategy}" not found`);
        const candidates = datastore.withoutLabel('final');
        if (candidates.length === 0) return sendJson(res, 200, {});
        const id = strategy === 'first' ? [...candidates].sort()[0]! : candidates[Math.floor(Math.random() * candidates.length)]!;
        const imageInfo = datastore.imageInfo(id) ?? {};
        const previous = (imageInfo['strategy'] ?? {}) as Record<string, unknown>;
        const strategyInfo = { ...previous, [strategy]: { ts: Math.floor(context.clock() / 1000), client_id: body['client_id'] ?? 'user-xyz' } };
        await datastore.updateImageInfo(id, { strategy: strategyInfo });
        return sendJson(res, 200, { id, path: datastore.imagePath(id), ts: imageInfo['ts'], name: imageInfo['name'], strategy: strategyInfo });
      },
    },

    ...taskRoutes(tasks.train, '/train', { read: 'user', write: 'admin' }, true),
    ...taskRoutes(tasks.scoring, '/scoring', { read: 'user', write: 'annotator' }, true),
    ...taskRoutes(tasks.batch, '/batch/infer', { read: 'user', write: 'admin' }, false),

    // Model weights.
    {
      methods: ['GET'],
      path: /^\/model\/info\/([^/]+)$/,
      role: 'admin',
      handler: async (_req, res, match) => {
        const name = decodeURIComponent(match[1]!);
        const described = await store.describe(name);
        if (!described) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
        return sendJson(res, 200, described);
      },
    },
    {
      methods: ['GET', 'PUT', 'DELETE'],
      path: /^\/model\/([^/]+)$/,
      role: 'admin',
      handler: async (req, res, match) => {
        const name = decodeURIComponent(match[1]!);
        if (req.method === 'PUT') {
          const file = (await multipart(req)).find((p) => p.name === 'file' && p.fileName !== undefined);
          if (!file) throw new MonaiProblem(422, [{ loc: ['body', 'file'], msg: 'field required', type: 'value_error.missing' }]);
          const saved = await store.upload(name, file.data);
          if (!saved) throw new MonaiProblem(500, `Model File Name NOT configured for ${name}`);
          return sendJson(res, 200, { checksum: saved.checksum, modified_time: saved.modified_time });
        }
        if (req.method === 'DELETE') {
          if (!(await store.retire(name))) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
          return sendJson(res, 200, {});
        }
        const path = store.file(name);
        if (!path) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
        return sendFile(res, await readFile(path), `${name}.json`);
      },
    },

    // Logs.
    {
      methods: ['GET'],
      path: /^\/logs\/?$/,
      role: 'admin',
      handler: async (_req, res, _m, query) => {
        const lines = log.tail(Number(query.get('lines') ?? 300) || 300).join('\n');
        if (flag(query, 'text') || query.get('html') === 'false') return sendText(res, lines);
        return sendText(res, `<html><body><pre>${lines.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre></body></html>`, 'text/html; charset=utf-8');
      },
    },
    { methods: ['GET'], path: /^\/logs\/gpu\/?$/, role: 'admin', handler: async (_req, res) => sendText(res, 'NVIDIA-SMI has failed: no GPU on this test server') },
  ];

  const requireRole = (req: IncomingMessage, query: URLSearchParams, role: MonaiRole): void => {
    auth?.check(req, query, role);
  };

  return {
    sessions: () => sessions.size,
    async close() {
      for (const kind of Object.values(tasks)) kind.stop();
      sessions.clear();
      for (const dir of temporary) await rm(dir, { recursive: true, force: true });
    },
    async handle(req, res, path, query, method) {
      try {
        const candidates = routes.map((route) => ({ route, match: route.path.exec(path) })).filter((c) => c.match);
        if (candidates.length === 0) throw new MonaiProblem(404, 'Not Found');
        const found = candidates.find((c) => c.route.methods.includes(method));
        if (!found) throw new MonaiProblem(405, 'Method Not Allowed');
        if (auth && found.route.role) auth.check(req, query, found.route.role);
        await found.route.handler(req, res, found.match!, query);
        log.info(`${method} ${path} ${res.statusCode}`);
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (!req.complete) res.setHeader('connection', 'close');
        if (error instanceof MonaiProblem) {
          log.info(`${method} ${path} ${error.status}: ${error.message}`);
          return sendJson(res, error.status, { detail: error.detail }, error.headers);
        }
        if (error instanceof HttpProblem) {
          // Limits of the test server itself (413) and unreadable multipart (400).
          if (error.status === 413) req.once('end', () => undefined).resume();
          return sendJson(res, error.status, { detail: error.message });
        }
        log.error(`${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
        return sendInternalError(res);
      }
    },
  };
}

function paramsOf(parts: readonly RequestPart[]): Record<string, unknown> {
  const part = parts.find((p) => p.fileName === undefined && p.name === 'params');
  if (!part || part.data.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(part.data.toString('utf8'));
  } catch {
    throw new InternalFailure('params is not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InternalFailure('params must be a JSON object');
  return value as Record<string, unknown>;
}

async function jsonBody(req: IncomingMessage, limits: { maxBytes: number; counter: FaceContext['counters'] }): Promise<Record<string, unknown>> {
  const text = (await readBody(req, Math.min(limits.maxBytes, 1024 * 1024), limits.counter)).toString('utf8').trim();
  if (text === '' || text === 'null') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new MonaiProblem(422, [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
}

async function formInfo(req: IncomingMessage, limits: { maxBytes: number; counter: FaceContext['counters'] }): Promise<Record<string, unknown>> {
  const form = new URLSearchParams((await readBody(req, Math.min(limits.maxBytes, 1024 * 1024), limits.counter)).toString('utf8'));
  try {
    const value: unknown = JSON.parse(form.get('info') ?? form.get('params') ?? '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InternalFailure('info is not a JSON object');
}

function flag(query: URLSearchParams, name: string): boolean {
  return /^(true|1|yes|on)$/i.test(query.get(name) ?? '');
}

function baseName(fileName: string | undefined): string {
  return (fileName ?? '').split(/[/\\]/).pop() ?? '';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fail(message: string): never {
  throw new InternalFailure(message);
}
