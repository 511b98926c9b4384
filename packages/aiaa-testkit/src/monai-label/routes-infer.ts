import { HttpProblem } from '../errors.js';
import { extensionOf } from './datastore.js';
import { binaryLabel, runInference } from './inference.js';
import { InternalFailure, MonaiProblem, sendFile, sendInferMultipart, sendJson, tempName } from './replies.js';
import { baseName, filePart, flag, missing, multipart, paramsOf } from './request.js';
import type { FaceState, Route } from './route.js';
import { decodePathSegment } from '../request-target.js';

const OUTPUTS = ['image', 'json', 'all', 'dicom_seg'];

/** `/infer/{model}` and `/session/`. */
export function inferRoutes(state: FaceState): Route[] {
  return [
    {
      methods: ['POST'],
      path: /^\/infer\/([^/]+)$/,
      role: 'user',
      handler: async (req, res, match, query) => {
        const name = decodePathSegment(match[1]!);
        const parts = await multipart(state, req);
        const params = paramsOf(state, parts);
        const file = filePart(parts, 'file');
        const labelPart = filePart(parts, 'label');
        const imageId = query.get('image') ?? '';
        const sessionId = query.get('session_id') ?? '';
        const output = query.get('output');
        if (output !== null && !OUTPUTS.includes(output)) {
          throw new MonaiProblem(422, [
            {
              loc: ['query', 'output'],
              msg: `value is not a valid enumeration member; permitted: ${OUTPUTS.map((o) => `'${o}'`).join(', ')}`,
              type: 'type_error.enum',
            },
          ]);
        }
        if (!file && !imageId && !sessionId) throw new MonaiProblem(500, 'Neither Image nor File not Session ID input is provided');
        const model = await state.models.fresh(name);
        if (!model || state.models.isBroken(name))
          throw new InternalFailure(`Inference Task is not Initialized. There is no model '${name}' available`);
        const started = performance.now();
        try {
          // As MONAI Label: an upload wins, then a live session, then the datastore image; an unknown or
          // expired session is silently ignored (and an image id that is not there fails).
          const session = sessionId ? state.sessions.get(sessionId, true) : undefined;
          const volume = file
            ? await state.images.decodeUpload(file)
            : session
              ? await state.images.decodeSession(session)
              : await state.images.decodeStored(imageId);
          let label;
          if (labelPart) {
            // OHIF sends scribbles as raw voxels on the image's grid (`.bin`); others send NIfTI.
            label =
              extensionOf(labelPart.fileName) === '.bin' ? binaryLabel(labelPart.data, volume) : await state.images.decodeUpload(labelPart);
            if (!label) throw new InternalFailure('the .bin label is not on the image grid');
          }
          const result = await runInference(model, volume, params, state.context.limits, label ? { label } : {});
          if (result.kind === 'mask' && params['save_label'] === true && imageId && state.datastore.has(imageId)) {
            await state.datastore.saveLabel(imageId, result.file, '.nii.gz', String(params['label_tag'] ?? 'original'), { model: name });
          }
          if (output === 'json' || result.kind === 'json') return sendJson(res, 200, result.params);
          if (output === 'dicom_seg') throw new MonaiProblem(500, 'DICOM SEG format is not supported in a non-DICOM datastore');
          const fileName = tempName('.nii.gz');
          if (output === 'image') return sendFile(res, result.file, fileName);
          return sendInferMultipart(res, result.params, result.file, fileName);
        } finally {
          state.context.counters.busyMs += performance.now() - started;
        }
      },
    },
    {
      methods: ['PUT'],
      path: /^\/session\/?$/,
      role: 'user',
      handler: async (req, res, _match, query) => {
        const expiry = Number(query.get('expiry') ?? 0);
        if (!Number.isInteger(expiry))
          throw new MonaiProblem(422, [{ loc: ['query', 'expiry'], msg: 'value is not a valid integer', type: 'type_error.integer' }]);
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (declared > state.context.maxSessionBytes)
          throw new HttpProblem(
            413,
            `the session upload has ${declared} bytes, more than the session store holds (sessions.maxSessionBytes = ${state.context.maxSessionBytes})`,
          );
        const files = (await multipart(state, req)).filter((p) => p.name === 'files' && p.fileName !== undefined);
        if (files.length === 0) throw missing('body', 'files');
        // A session keeps its files and, once a model needed it, the decoded image: both count, the latter
        // read from the NIfTI header now, before anything is inflated.
        const sessionFiles = files.map((f, i) => ({ name: baseName(f.fileName) || `file${i}`, data: f.data }));
        const bytes = files.reduce((sum, f) => sum + f.data.length, 0) + (await state.images.sessionDecodedBytes(sessionFiles));
        if (bytes > state.context.maxSessionBytes)
          throw new HttpProblem(
            413,
            `the session needs ${bytes} bytes with its decoded image, more than the session store holds (sessions.maxSessionBytes = ${state.context.maxSessionBytes})`,
          );
        const session = state.sessions.create(sessionFiles, Math.max(0, expiry), bytes);
        return sendJson(res, 200, { session_id: session.id, session_info: state.sessions.info(session) });
      },
    },
    {
      methods: ['GET', 'DELETE'],
      path: /^\/session\/([^/]+)\/?$/,
      role: 'user',
      handler: async (req, res, match, query) => {
        const id = decodePathSegment(match[1]!);
        const session = state.sessions.get(id, req.method === 'GET' && flag(query, 'update_ts'));
        if (!session) throw new MonaiProblem(404, req.method === 'GET' ? `Session (${id}) Not Found` : 'Session Not Found');
        if (req.method === 'DELETE') {
          const described = state.sessions.info(session);
          state.sessions.delete(id);
          return sendJson(res, 200, described);
        }
        if (flag(query, 'image')) {
          if (session.files.length !== 1) throw new InternalFailure('a session of several files has no single image to send');
          return sendFile(res, session.files[0]!.data, session.files[0]!.name);
        }
        return sendJson(res, 200, state.sessions.info(session));
      },
    },
  ];
}
