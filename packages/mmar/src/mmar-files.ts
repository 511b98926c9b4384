import type { ConfigKind } from './config-document.js';
import { MmarError } from './errors.js';

/** The content of one MMAR file: text for configs, scripts and docs, bytes for models and binaries. */
export type MmarFileContent = string | Uint8Array;

/**
 * A whole MMAR as a map from a POSIX path relative to the MMAR root (`config/config_train.json`,
 * `commands/train.sh`, `models/model.pt`) to its content. What `readMmar` returns and `writeMmar` writes.
 */
export type MmarFiles = Readonly<Record<string, MmarFileContent>>;

/** The usual places of the MMAR files. */
export const MMAR_PATHS = {
  environment: 'config/environment.json',
  train: 'config/config_train.json',
  validation: 'config/config_validation.json',
  inference: 'config/config_inference.json',
  aiaa: 'config/config_aiaa.json',
} as const;

/** The folders of an MMAR, as Clara lays them out. `custom/` holds BYOC Python modules. */
export const MMAR_FOLDERS = ['config', 'commands', 'models', 'eval', 'docs', 'resources', 'custom'] as const;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The text of an MMAR file, decoding bytes as UTF-8, or undefined when the file is absent.
 *
 * @example
 * ```ts
 * const text = mmarText(files, 'config/config_train.json');
 * ```
 */
export function mmarText(files: MmarFiles, path: string): string | undefined {
  if (!Object.hasOwn(files, path)) return undefined;
  const content = files[path];
  return typeof content === 'string' ? content : content === undefined ? undefined : decoder.decode(content);
}

/**
 * Which kind of configuration a path holds, from its name: `config_train*.json` (AutoML, performance and
 * smart-cache variants included), `config_finetune*.json` and `trn_*.json` are training configurations,
 * `config_validation*.json` validation ones, `config_fed_client*.json` / `config_fed_server*.json` the
 * federated-learning client and server, and so on. Other files (data lists, `config_automl.json`) have no kind.
 *
 * @example
 * ```ts
 * configKindOf('config/config_validation_ckpt.json'); // 'validation'
 * configKindOf('config/trn_autoML.json'); // 'train'
 * ```
 */
export function configKindOf(path: string): ConfigKind | undefined {
  const name = path.split('/').at(-1) ?? '';
  if (!name.endsWith('.json')) return undefined;
  if (name.startsWith('environment')) return 'environment';
  if (name.startsWith('config_fed_client')) return 'fed-client';
  if (name.startsWith('config_fed_server')) return 'fed-server';
  if (name.startsWith('config_train') || name.startsWith('config_finetune') || name.startsWith('trn_')) return 'train';
  if (name.startsWith('config_validation')) return 'validation';
  if (name.startsWith('config_inference')) return 'inference';
  if (name.startsWith('config_aiaa')) return 'aiaa';
  return undefined;
}

/**
 * Checks that a path is a safe relative POSIX path inside the MMAR: not absolute, no `..`, `.` or empty
 * segments, no backslashes or NUL. Writing an MMAR never touches anything outside its folder.
 *
 * @throws {MmarError} `MMAR_UNSAFE_PATH` with `details.path`.
 * @example
 * ```ts
 * assertMmarPath('config/config_train.json'); // ok
 * assertMmarPath('../etc/passwd'); // throws MMAR_UNSAFE_PATH
 * ```
 */
export function assertMmarPath(path: string): void {
  const segments = path.split('/');
  const unsafe =
    path === '' ||
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    path.includes('\\') ||
    path.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (unsafe) {
    throw new MmarError('MMAR_UNSAFE_PATH', `"${path}" is not a relative path inside the MMAR`, { details: { path } });
  }
}
