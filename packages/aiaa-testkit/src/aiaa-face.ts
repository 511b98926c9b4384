import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminInfo, checkAdminToken, modelFromUpload } from './admin.js';
import { HttpProblem } from './errors.js';
import { MODEL_ENDPOINTS, decodeImage, firstFile, fixPolygon, paramsOf, pngAsVolume, polygonsOf, runModel } from './endpoints.js';
import { readMultipart, type BodyLimits } from './http-body.js';
import { describeModel, type TestModel } from './models.js';
import { decodePng, isPng } from './png.js';
import { sendJson, sendMultipart } from './replies.js';
import { decodePathSegment } from './request-target.js';
import type { Face, FaceContext } from './face.js';
import { SessionStore } from './sessions.js';

/**
 * The AIAA v1 face of the test server: `/v1/models`, `/session/`, the model endpoints, mask2polygon,
 * fixpolygon and the admin model API, as NVIDIA's server answers them.
 */
export function createAiaaFace(context: FaceContext, models: Map<string, TestModel>): Face {
  const store = new SessionStore(context.sessionLimits, context.clock);
  const { limits } = context;
  const uploads: BodyLimits = { maxBytes: limits.maxUploadBytes, idleTimeoutMs: limits.bodyIdleTimeoutMs };
  const modelUploads: BodyLimits = { maxBytes: limits.maxModelBytes, idleTimeoutMs: limits.bodyIdleTimeoutMs };

  const sessionOrExpired = (id: string) => {
    const found = store.get(id);
    if ('missing' in found) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
    return found.session;
  };

  const sessionInfo = (id: string): Record<string, unknown> => {
    const found = store.get(id);
    if ('missing' in found) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
    const { session } = found;
    return {
      session_id: session.id,
      expiry: session.expirySec,
      created_ts: Math.floor(session.createdMs / 1000),
      expiry_ts: Math.floor(store.expiresAtMs(session) / 1000),
      image: { dims: [...session.volume.dims], datatype: session.volume.datatype, bytes: session.bytes },
    };
  };

  return {
    sessions: () => store.size,
    close: () => store.clear(),
    problem(res, status, message, headers = {}) {
      for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
      sendJson(res, status, { error: message });
    },
    async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, method: string): Promise<void> {
      if (path === '/v1/models') {
        allow(method, ['GET']);
        const name = query.get('model');
        if (name !== null) {
          const model = models.get(name);
          if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
          return sendJson(res, 200, describeModel(model));
        }
        const label = query.get('label')?.toLowerCase();
        const type = query.get('type');
        const list = [...models.values()].filter(
          (m) => (!label || (m.labels ?? ['object']).some((l) => l.toLowerCase() === label)) && (!type || m.type === type),
        );
        return sendJson(res, 200, list.map(describeModel));
      }

      if (path === '/session' || path === '/session/') {
        allow(method, ['PUT', 'POST']);
        const expiry = Number(query.get('expiry') ?? 0);
        if (!Number.isFinite(expiry) || expiry < 0) throw new HttpProblem(400, 'expiry must be a non-negative number of seconds');
        const parts = await readMultipart(req, uploads, context.counters);
        // The session store's room is checked from the header, before the voxels are inflated.
        const volume = await decodeImage(firstFile(parts), limits, {
          maxBytes: context.maxSessionBytes,
          what: 'the session store (sessions.maxSessionBytes)',
        });
        const bytes = volume.data.byteLength;
        const session = store.create(volume, bytes, Math.floor(expiry));
        return sendJson(res, 200, sessionInfo(session.id));
      }

      if (path.startsWith('/admin/')) checkAdminToken(req, context.adminToken);
      const adminMatch = /^\/admin\/model\/([^/]+)\/?$/.exec(path);
      if (adminMatch) {
        allow(method, ['GET', 'PUT', 'DELETE']);
        const name = decodePathSegment(adminMatch[1]!);
        if (method === 'PUT') {
          if (!models.has(name) && models.size >= limits.maxModels) {
            throw new HttpProblem(
              409,
              `the server holds ${models.size} models, its limit (limits.maxModels); delete one before loading "${name.slice(0, 60)}"`,
            );
          }
          // Built and checked in full before the map changes: a refused model leaves the old one serving.
          const model = modelFromUpload(name, await readMultipart(req, modelUploads, context.counters), limits);
          models.set(name, model);
          return sendJson(res, 200, adminInfo(model));
        }
        const model = models.get(name);
        if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
        if (method === 'DELETE') models.delete(name);
        return sendJson(res, 200, method === 'DELETE' ? {} : adminInfo(model));
      }

      const sessionMatch = /^\/session\/([^/]+)\/?$/.exec(path);
      if (sessionMatch) {
        allow(method, ['GET', 'DELETE']);
        const id = decodePathSegment(sessionMatch[1]!);
        if (method === 'DELETE') {
          if (!store.delete(id)) throw new HttpProblem(440, `session ${id} has expired or does not exist`);
          return sendJson(res, 200, {});
        }
        sessionOrExpired(id);
        return sendJson(res, 200, sessionInfo(id));
      }

      const endpoint = /^\/v1\/(segmentation|dextr3d|deepgrow|inference|mask2polygon|fixpolygon)\/?$/.exec(path)?.[1];
      if (!endpoint) throw new HttpProblem(404, `no such endpoint: ${path}`);
      allow(method, ['POST']);
      if (endpoint === 'mask2polygon' || endpoint === 'fixpolygon') {
        const parts = await readMultipart(req, uploads, context.counters);
        const params = paramsOf(parts, limits);
        const file = firstFile(parts);
        // The official clients send a 2-D fixpolygon image as PNG; the mask then goes back as PNG too.
        const png = endpoint === 'fixpolygon' && isPng(file.data);
        const volume = png ? pngAsVolume(await decodePng(file.data, limits)) : await decodeImage(file, limits);
        if (endpoint === 'mask2polygon') return sendJson(res, 200, polygonsOf(volume, params, limits));
        return sendMultipart(res, await fixPolygon(volume, params, limits, { png }));
      }
      const name = query.get('model');
      if (!name) throw new HttpProblem(400, 'the model query parameter is required');
      const model = models.get(name);
      if (!model) throw new HttpProblem(404, `unknown model "${name}"`);
      const accepted = MODEL_ENDPOINTS[endpoint]!;
      if (accepted !== 'any' && !accepted.includes(model.type)) {
        throw new HttpProblem(400, `model "${name}" is a ${model.type} model; /v1/${endpoint} takes ${accepted.join(', ')} models`);
      }
      if (model.algorithm === 'statistics' && endpoint !== 'inference')
        throw new HttpProblem(400, `model "${name}" runs through /v1/inference only`);
      const parts = await readMultipart(req, uploads, context.counters);
      const started = performance.now();
      try {
        const params = paramsOf(parts, limits);
        const sessionId = query.get('session_id');
        // The session is looked up before the upload is decoded: an expired session must answer 440, not 400.
        const volume = sessionId ? sessionOrExpired(sessionId).volume : await decodeImage(firstFile(parts), limits);
        const reply = await runModel(model, volume, params, limits);
        if (reply.kind === 'json') return sendJson(res, 200, reply.value);
        return sendMultipart(res, reply.parts);
      } finally {
        context.counters.busyMs += performance.now() - started;
      }
    },
  };
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) throw new HttpProblem(405, `method ${method} is not allowed here (${methods.join(', ')})`);
}
