import { TRAINER_CONFIG } from './models.js';
import { InternalFailure, MonaiProblem, sendJson } from './replies.js';
import { flag, jsonBody } from './request.js';
import type { FaceState, Route } from './route.js';
import { decodePathSegment } from '../request-target.js';
import type { TaskKind } from './tasks.js';
import type { MonaiRole } from './auth.js';

/** `/train/`, `/scoring/` and `/batch/infer`: one background task of each kind at a time. */
export function taskRoutes(state: FaceState): Route[] {
  return [
    ...kindRoutes(state, state.tasks.train, '/train', { read: 'user', write: 'admin' }),
    ...kindRoutes(state, state.tasks.scoring, '/scoring', { read: 'user', write: 'annotator' }),
    ...kindRoutes(state, state.tasks.batch, '/batch/infer', { read: 'user', write: 'admin' }),
  ];
}

function kindRoutes(
  state: FaceState,
  kind: TaskKind,
  base: string,
  roles: { readonly read: MonaiRole; readonly write: MonaiRole },
): Route[] {
  const label = capitalize(kind.name);
  return [
    {
      methods: ['GET'],
      path: new RegExp(`^${base}/?$`),
      role: roles.read,
      handler: async (_req, res, _match, query) => {
        if (flag(query, 'check_if_running')) {
          const running = kind.current();
          if (!running) throw new MonaiProblem(404, `No ${label} Tasks are currently Running`);
          return sendJson(res, 200, running);
        }
        const latest = kind.latest();
        if (!latest) throw new MonaiProblem(404, `No ${label} Tasks Found`);
        return sendJson(res, 200, flag(query, 'all') ? kind.all() : latest);
      },
    },
    {
      methods: ['DELETE'],
      path: new RegExp(`^${base}/?$`),
      role: roles.write,
      // Idle: the server answers `null`.
      handler: async (_req, res) => sendJson(res, 200, kind.stop() ?? null),
    },
    {
      methods: ['POST'],
      path: new RegExp(`^${base}/([^/]+)$`),
      role: roles.write,
      handler: async (req, res, match, query) => {
        const name = decodePathSegment(match[1]!);
        const body = await jsonBody(state, req);
        let request: Record<string, unknown>;
        if (kind === state.tasks.train) {
          if (!state.models.get(name)?.trainable) throw new InternalFailure(`no trainer "${name}"`);
          const epochs = body['max_epochs'];
          const maxEpochs = state.context.limits.maxEpochs;
          if (epochs !== undefined && !(typeof epochs === 'number' && Number.isInteger(epochs) && epochs >= 1 && epochs <= maxEpochs)) {
            throw new MonaiProblem(422, [
              {
                loc: ['body', 'max_epochs'],
                msg: `max_epochs must be a whole number from 1 to ${maxEpochs} (limits.maxEpochs)`,
                type: 'value_error.number',
              },
            ]);
          }
          request = { model: name, ...TRAINER_CONFIG, ...body };
        } else if (kind === state.tasks.scoring) {
          request = { method: name, ...body };
        } else {
          // The server's own defaults, which a CPU-only server cannot run (multi_gpu).
          request = {
            model: name,
            images: query.get('images') ?? 'all',
            device: 'cuda',
            multi_gpu: true,
            gpus: 'all',
            save_label: true,
            label_tag: 'original',
            ...body,
          };
        }
        const record = kind.submit(request, flag(query, 'enqueue'));
        if (record === 'busy') throw new MonaiProblem(429, `++++++++++ ${label} Task is Already Running`);
        if (record === 'full')
          throw new MonaiProblem(
            429,
            `++++++++++ ${label} Task queue is full (${state.context.limits.maxQueuedTasks} waiting, limits.maxQueuedTasks)`,
          );
        if (flag(query, 'run_sync')) await kind.idle();
        return sendJson(res, 200, record);
      },
    },
  ];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
