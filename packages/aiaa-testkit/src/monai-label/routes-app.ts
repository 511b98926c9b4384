import { readFile } from 'node:fs/promises';
import { InternalFailure, MonaiProblem, sendFile, sendJson, sendText } from './replies.js';
import { TRAINER_CONFIG, describeMonaiModel } from './models.js';
import { filePart, flag, formBody, missing, multipart } from './request.js';
import type { FaceState, Route } from './route.js';
import { decodePathSegment } from '../request-target.js';

/** `/info/`, `/auth/...`, `/model/...` and `/logs/`. */
export function appRoutes(state: FaceState): Route[] {
  return [
    { methods: ['GET'], path: /^\/info\/?$/, role: 'user', handler: async (_req, res) => sendJson(res, 200, appInfo(state)) },
    {
      methods: ['GET'],
      path: /^\/auth\/?$/,
      role: undefined,
      handler: async (_req, res) =>
        sendJson(
          res,
          200,
          state.auth
            ? state.auth.describe()
            : { enabled: false, client_id: 'monailabel-app', realm: 'http://localhost:8080/realms/monailabel' },
        ),
    },
    {
      methods: ['POST'],
      path: /^\/auth\/token\/?$/,
      role: undefined,
      handler: async (req, res) => {
        const form = await formBody(state, req);
        if (!state.auth) return sendJson(res, 200, { access_token: null, token_type: null });
        const username = form.get('username');
        const password = form.get('password');
        if (username === null || password === null) throw missing('body', username === null ? 'username' : 'password');
        const token = state.auth.grant(username, password);
        // The real server forwards the grant to Keycloak and does not catch its refusal.
        if (!token) throw new InternalFailure(`401 Client Error: Unauthorized for user ${username}`);
        return sendJson(res, 200, token);
      },
    },
    {
      methods: ['GET'],
      path: /^\/auth\/token\/valid\/?$/,
      role: 'user',
      handler: async (req, res, _match, query) => {
        const user = state.auth?.check(req, query, 'user') ?? { username: 'admin', roles: ['admin', 'reviewer', 'annotator', 'user'] };
        return sendJson(res, 200, {
          username: user.username,
          email: `${user.username}@monailabel.test`,
          name: user.username,
          roles: user.roles,
        });
      },
    },
    {
      methods: ['GET'],
      path: /^\/model\/info\/([^/]+)$/,
      role: 'admin',
      handler: async (_req, res, match) => {
        const name = decodePathSegment(match[1]!);
        const described = await state.models.describe(name);
        if (!described) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
        return sendJson(res, 200, described);
      },
    },
    {
      methods: ['GET', 'PUT', 'DELETE'],
      path: /^\/model\/([^/]+)$/,
      role: 'admin',
      handler: async (req, res, match) => {
        const name = decodePathSegment(match[1]!);
        if (req.method === 'PUT') {
          const file = filePart(await multipart(state, req, state.context.limits.maxModelBytes), 'file');
          if (!file) throw missing('body', 'file');
          const saved = await state.models.upload(name, file.data);
          if (!saved) throw new MonaiProblem(500, `Model File Name NOT configured for ${name}`);
          return sendJson(res, 200, saved);
        }
        if (req.method === 'DELETE') {
          if (!(await state.models.retire(name))) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
          return sendJson(res, 200, {});
        }
        const path = state.models.file(name);
        if (!path) throw new MonaiProblem(404, `Model File NOT Found for ${name}`);
        return sendFile(res, await readFile(path), `${name}.json`);
      },
    },
    {
      methods: ['GET'],
      path: /^\/logs\/?$/,
      role: 'admin',
      handler: async (_req, res, _match, query) => {
        const lines = state.log.tail(Number(query.get('lines') ?? 300) || 300).join('\n');
        if (flag(query, 'text') || query.get('html') === 'false') return sendText(res, lines);
        return sendText(
          res,
          `<html><body><pre>${lines.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre></body></html>`,
          'text/html; charset=utf-8',
        );
      },
    },
    {
      methods: ['GET'],
      path: /^\/logs\/gpu\/?$/,
      role: 'admin',
      handler: async (_req, res) => sendText(res, 'NVIDIA-SMI has failed: this test server has no GPU'),
    },
  ];
}

/** What `GET /info/` answers: the app, its models (with their labels), trainers, strategies, scoring, training figures and datastore counts. */
function appInfo(state: FaceState): Record<string, unknown> {
  const labels = new Set<string>();
  const models: Record<string, unknown> = {};
  for (const model of state.models.models.values()) {
    models[model.name] = describeMonaiModel(model);
    for (const name of model.labels ?? ['object']) labels.add(name);
  }
  const trainers = Object.fromEntries(
    state.models
      .trainers()
      .map((name) => [name, { description: `Train ${name} on the datastore's final labels`, config: { ...TRAINER_CONFIG } }]),
  );
  return {
    name: 'medaas-testkit',
    description: 'GPU-free MONAI Label app of @medaas/aiaa-testkit (classical and learnable models)',
    version: '0.8.1',
    labels: [...labels],
    models,
    trainers,
    strategies: state.strategies,
    scoring: { dice: { description: 'Dice of the original label against the final label' } },
    train_stats: state.models.allTrainStats(),
    datastore: state.datastore.stats(),
  };
}
