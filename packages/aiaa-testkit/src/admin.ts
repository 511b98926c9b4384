import { HttpProblem } from './errors.js';
import { describeModel, type TestModel } from './models.js';
import type { RequestPart } from './request-multipart.js';
import { parseWindowModel } from './window-model.js';

const TYPES: ReadonlySet<string> = new Set(['segmentation', 'others', 'pipeline']);

/**
 * Builds the model a `PUT /admin/model/{name}` asks for, from its `config` part (Clara's `config_aiaa.json`:
 * `type`, `labels`, `description`, `version`) and its `data` part (a learned testkit model file). Anything
 * broken is answered with 400 before the model map is touched, so the previous model keeps serving.
 */
export function modelFromUpload(name: string, parts: readonly RequestPart[]): TestModel {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(name) || name === '.' || name === '..') throw new HttpProblem(400, `invalid model name "${name.slice(0, 60)}"`);
  const configPart = parts.find((p) => p.name === 'config');
  const dataPart = parts.find((p) => p.name === 'data');
  if (!configPart) throw new HttpProblem(400, 'the model upload has no "config" part (config_aiaa.json)');
  if (!dataPart || dataPart.data.length === 0) throw new HttpProblem(400, 'the model upload has no "data" part (the model file)');
  let config: unknown;
  try {
    config = JSON.parse(configPart.data.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'the model config is not valid JSON');
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new HttpProblem(400, 'the model config must be a JSON object');
  const c = config as Record<string, unknown>;
  const type = c['type'] ?? 'segmentation';
  if (typeof type !== 'string' || !TYPES.has(type)) throw new HttpProblem(400, `the model config has type ${JSON.stringify(type)}; this server loads segmentation models`);
  const labels = c['labels'] ?? ['object'];
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l !== '')) {
    throw new HttpProblem(400, 'the model config needs "labels": a non-empty list of names');
  }
  let window;
  try {
    window = parseWindowModel(new Uint8Array(dataPart.data.buffer, dataPart.data.byteOffset, dataPart.data.byteLength));
  } catch (error) {
    throw new HttpProblem(400, `the model file is refused: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    name,
    type: type as TestModel['type'],
    algorithm: 'window',
    labels: labels as string[],
    description: typeof c['description'] === 'string' ? c['description'] : 'Learned intensity window, opening, largest component and hole filling',
    version: typeof c['version'] === 'string' ? c['version'] : '1',
    window,
  };
}

/** What `GET /admin/model/{name}` answers: the descriptor, plus the learned parameters of a loaded model. */
export function adminInfo(model: TestModel): Record<string, unknown> {
  return { ...describeModel(model), ...(model.window ? { window: model.window } : {}) };
}
