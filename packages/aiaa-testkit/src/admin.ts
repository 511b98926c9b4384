import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseBoundedJson, preview } from './bounded-json.js';
import { HttpProblem } from './errors.js';
import type { ResolvedLimits } from './limits.js';
import { describeModel, type TestModel } from './models.js';
import type { RequestPart } from './request-multipart.js';
import { parseWindowModel } from './window-model.js';

const TYPES: ReadonlySet<string> = new Set(['segmentation', 'others', 'pipeline']);

/** What a model config may hold: enough for any real `config_aiaa.json`, bounded so that loaded models stay small. */
const MAX_LABELS = 256;
const MAX_LABEL_CHARS = 256;
const MAX_DESCRIPTION_CHARS = 4096;
const MAX_VERSION_CHARS = 64;

/**
 * Checks the admin API's bearer token (`Authorization: Bearer <token>`), when the server has one: the AIAA
 * contract has no authentication (NVIDIA's server limits the admin API to `--admin_hosts`), so a token is
 * the testkit's own option.
 *
 * @throws {HttpProblem} 401 with `WWW-Authenticate: Bearer` without the right token.
 */
export function checkAdminToken(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) return;
  const given = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const expected = Buffer.from(token);
  const actual = Buffer.from(given ?? '');
  if (given === undefined || actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new HttpProblem(401, given === undefined ? 'the admin API needs "Authorization: Bearer <token>"' : 'the admin token is wrong', {
      'www-authenticate': 'Bearer',
    });
  }
}

/**
 * Builds the model a `PUT /admin/model/{name}` asks for, from its `config` part (Clara's `config_aiaa.json`:
 * `type`, `labels`, `description`, `version`) and its `data` part (a learned testkit model file). Anything
 * broken is answered with 400 before the model map is touched, so the previous model keeps serving.
 */
export function modelFromUpload(
  name: string,
  parts: readonly RequestPart[],
  limits: Pick<ResolvedLimits, 'maxJsonBodyBytes' | 'maxJsonDepth'>,
): TestModel {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(name) || name === '.' || name === '..')
    throw new HttpProblem(400, `invalid model name "${name.slice(0, 60)}"`);
  const configPart = parts.find((p) => p.name === 'config');
  const dataPart = parts.find((p) => p.name === 'data');
  if (!configPart) throw new HttpProblem(400, 'the model upload has no "config" part (config_aiaa.json)');
  if (!dataPart || dataPart.data.length === 0) throw new HttpProblem(400, 'the model upload has no "data" part (the model file)');
  const parsed = parseBoundedJson(configPart.data, 'the model config', limits.maxJsonBodyBytes, limits.maxJsonDepth);
  if ('refused' in parsed) throw new HttpProblem(parsed.refused.kind === 'large' ? 413 : 400, parsed.refused.message);
  const config = parsed.value;
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new HttpProblem(400, 'the model config must be a JSON object');
  const c = config as Record<string, unknown>;
  const type = c['type'] ?? 'segmentation';
  if (typeof type !== 'string' || !TYPES.has(type))
    throw new HttpProblem(400, `the model config has type ${preview(type)}; this server loads segmentation models`);
  const labels = c['labels'] ?? ['object'];
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l !== '')) {
    throw new HttpProblem(400, 'the model config needs "labels": a non-empty list of names');
  }
  if (labels.length > MAX_LABELS || labels.some((l: string) => l.length > MAX_LABEL_CHARS)) {
    throw new HttpProblem(
      413,
      `the model config has ${labels.length} labels; at most ${MAX_LABELS} of at most ${MAX_LABEL_CHARS} characters each are loaded`,
    );
  }
  for (const [key, max] of [
    ['description', MAX_DESCRIPTION_CHARS],
    ['version', MAX_VERSION_CHARS],
  ] as const) {
    const value = c[key];
    if (typeof value === 'string' && value.length > max)
      throw new HttpProblem(413, `the model config's ${key} has ${value.length} characters, at most ${max} are loaded`);
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
    description:
      typeof c['description'] === 'string' ? c['description'] : 'Learned intensity window, opening, largest component and hole filling',
    version: typeof c['version'] === 'string' ? c['version'] : '1',
    window,
  };
}

/** What `GET /admin/model/{name}` answers: the descriptor, plus the learned parameters of a loaded model. */
export function adminInfo(model: TestModel): Record<string, unknown> {
  return { ...describeModel(model), ...(model.window ? { window: model.window } : {}) };
}
