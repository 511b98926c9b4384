import { readFile, stat } from 'node:fs/promises';
import { HttpProblem } from '../errors.js';
import { zipSync } from 'fflate';
import { extensionOf } from './datastore.js';
import { InternalFailure, MonaiProblem, sendFile, sendJson } from './replies.js';
import { baseName, filePart, formInfo, jsonBody, missing, multipart, paramsOf, required, requireRole } from './request.js';
import type { FaceState, Route } from './route.js';
import { decodePathSegment } from '../request-target.js';

/** `/datastore/...` and `/activelearning/{strategy}`. */
export function datastoreRoutes(state: FaceState): Route[] {
  const { datastore } = state;
  return [
    {
      methods: ['GET'],
      path: /^\/datastore\/?$/,
      role: 'user',
      handler: async (_req, res, _match, query) => {
        const output = query.get('output') ?? 'stats';
        if (output === 'all') return sendJson(res, 200, datastore.json());
        if (output === 'train') return sendJson(res, 200, datastore.datalist());
        if (output === 'stats') return sendJson(res, 200, datastore.stats());
        throw new MonaiProblem(422, [
          {
            loc: ['query', 'output'],
            msg: "value is not a valid enumeration member; permitted: 'train', 'stats', 'all'",
            type: 'type_error.enum',
          },
        ]);
      },
    },
    {
      // `PUT /datastore/?image=` is the deprecated route MONAI Label's own client still uses.
      methods: ['PUT'],
      path: /^\/datastore(\/image)?\/?$/,
      role: 'annotator',
      handler: async (req, res, _match, query) => {
        const parts = await multipart(state, req);
        const file = filePart(parts, 'file');
        if (!file) throw missing('body', 'file');
        const ext = extensionOf(file.fileName);
        const id = query.get('image') || baseName(file.fileName).slice(0, -ext.length) || 'image';
        const saved = await datastore.addImage(id, file.data, ext, paramsOf(state, parts));
        state.images.forget(saved);
        return sendJson(res, 200, { image: saved });
      },
    },
    {
      methods: ['DELETE'],
      path: /^\/datastore(\/image)?\/?$/,
      role: 'admin',
      handler: async (_req, res, _match, query) => {
        const id = required(query, 'id');
        await datastore.removeImage(id);
        state.images.forget(id);
        return sendJson(res, 200, {});
      },
    },
    {
      methods: ['GET', 'HEAD'],
      path: /^\/datastore\/image\/?$/,
      role: 'user',
      handler: async (req, res, _match, query) => {
        const id = required(query, 'image');
        if (!datastore.has(id)) throw new MonaiProblem(404, 'Image NOT Found');
        if (req.method === 'HEAD') {
          const expected = query.get('check_sum');
          if (expected) {
            const digest = expected.includes(':') ? expected.slice(expected.indexOf(':') + 1) : expected;
            if (`SHA256:${digest.toLowerCase()}` !== (await datastore.checksum(id)))
              throw new MonaiProblem(404, 'Image NOT Found (checksum failed)');
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
      handler: async (req, res, _match, query) => {
        const id = required(query, 'image');
        if (req.method === 'GET') {
          const found = datastore.imageInfo(id);
          if (!found) throw new InternalFailure(`image ${id} not found`);
          return sendJson(res, 200, found);
        }
        requireRole(state, req, query, 'annotator');
        return sendJson(res, 200, await datastore.updateImageInfo(id, await formInfo(state, req)));
      },
    },
    {
      methods: ['PUT'],
      path: /^\/datastore\/label\/?$/,
      role: 'annotator',
      handler: async (req, res, _match, query) => {
        const id = required(query, 'image');
        const tag = query.get('tag') || 'final';
        const parts = await multipart(state, req);
        const label = filePart(parts, 'label');
        if (!label) throw missing('body', 'label');
        const saved = await datastore.saveLabel(id, label.data, extensionOf(label.fileName), tag, paramsOf(state, parts));
        return sendJson(res, 200, { image: id, label: saved });
      },
    },
    {
      methods: ['GET', 'HEAD', 'DELETE'],
      path: /^\/datastore\/label\/?$/,
      role: 'user',
      handler: async (req, res, _match, query) => {
        if (req.method === 'DELETE') {
          requireRole(state, req, query, 'admin');
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
      handler: async (req, res, _match, query) => {
        const id = required(query, 'label');
        const tag = required(query, 'tag');
        if (req.method === 'GET') {
          const found = datastore.labelInfo(id, tag);
          if (!found) throw new InternalFailure(`label ${id} (${tag}) not found`);
          return sendJson(res, 200, found);
        }
        requireRole(state, req, query, 'annotator');
        return sendJson(res, 200, await datastore.updateLabelInfo(id, tag, await formInfo(state, req)));
      },
    },
    {
      methods: ['GET'],
      path: /^\/datastore\/dataset\/?$/,
      role: 'annotator',
      handler: async (_req, res, _match, query) => {
        const limit = query.get('limit_cases');
        const count = limit === null ? Infinity : Number(limit);
        if (limit !== null && !Number.isInteger(count))
          throw new MonaiProblem(422, [{ loc: ['query', 'limit_cases'], msg: 'value is not a valid integer', type: 'type_error.integer' }]);
        const pairs = datastore.datalist().slice(0, count);
        // The zip is built in memory: its size is known from the files' sizes before any is read.
        let total = 0;
        for (const pair of pairs) total += (await stat(pair.image)).size + (await stat(pair.label)).size;
        const { maxDatasetBytes } = state.context.limits;
        if (total > maxDatasetBytes) {
          throw new HttpProblem(
            413,
            `the dataset has ${total} bytes, more than the ${maxDatasetBytes} this server zips at once (limits.maxDatasetBytes); ask for fewer with limit_cases`,
          );
        }
        const files: Record<string, Uint8Array> = {};
        for (const pair of pairs) {
          files[`images/${baseName(pair.image)}`] = await readFile(pair.image);
          files[`labels/final/${baseName(pair.label)}`] = await readFile(pair.label);
        }
        // The images are gzip'd NIfTI already: stored entries, no second compression.
        return sendFile(res, zipSync(files, { level: 0 }), 'dataset.zip');
      },
    },
    {
      methods: ['POST'],
      path: /^\/activelearning\/([^/]+)$/,
      role: 'user',
      handler: async (req, res, match) => {
        const strategy = decodePathSegment(match[1]!);
        const body = await jsonBody(state, req);
        if (!state.strategies[strategy]) throw new InternalFailure(`strategy "${strategy}" not found`);
        const candidates = datastore.withoutLabel('final');
        if (candidates.length === 0) return sendJson(res, 200, {});
        const id = strategy === 'first' ? [...candidates].sort()[0]! : candidates[Math.floor(Math.random() * candidates.length)]!;
        const imageInfo = datastore.imageInfo(id) ?? {};
        const previous = (imageInfo['strategy'] ?? {}) as Record<string, unknown>;
        const strategyInfo = {
          ...previous,
          [strategy]: { ts: Math.floor(state.context.clock() / 1000), client_id: body['client_id'] ?? 'user-xyz' },
        };
        await datastore.updateImageInfo(id, { strategy: strategyInfo });
        return sendJson(res, 200, {
          id,
          path: datastore.imagePath(id),
          ts: imageInfo['ts'],
          name: imageInfo['name'],
          strategy: strategyInfo,
        });
      },
    },
  ];
}
