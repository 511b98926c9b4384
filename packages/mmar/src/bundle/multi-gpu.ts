import { stringify } from 'yaml';
import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { addBundleConfig } from './bundle-edit.js';
import { parseBundleConfig } from './bundle-config.js';
import { resolveBundle, type Bundle } from './bundle.js';
import { renderBundleCommand, type BundleCommand, type BundleOverrideValue } from './command.js';
import { isWholeReference, referencedIds } from './ids.js';
import { isPlainObject } from './plain-values.js';
import { PYTHON_YAML_TAGS } from './python-yaml-schema.js';
import type { BundleResolution } from './resolution.js';
import { findConfig } from './stacks.js';
import { definitionSite } from './static-value.js';
import { trainersOf } from './training-edits.js';

/** JSON as the Model Zoo writes it: one member per line, short lists of plain values on one line. */
function formatJson(value: JsonValue, unit: string, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + unit;
  if (Array.isArray(value)) {
    const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    if (value.every((item) => item === null || typeof item !== 'object') && flat.length <= 60) return flat;
    return `[\n${value.map((item) => inner + formatJson(item, unit, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, JsonValue>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${formatJson(item, unit, inner)}`).join(',\n')}\n${indent}}`;
}

/** Options of {@link setBundleMultiGpu}. */
export interface SetBundleMultiGpuOptions {
  /** GPUs on one node; 1 trains on one GPU. */
  readonly gpus: number;
  /** The bundle folder where the command will run. Default `.`. */
  readonly bundleDir?: string;
  /** Overrides for the rendered command. */
  readonly overrides?: Readonly<Record<string, BundleOverrideValue>>;
}

/** The bundle ready for the GPU count, and the command that trains it. */
export interface BundleMultiGpuResult {
  readonly bundle: Bundle;
  readonly command: BundleCommand;
}

/** Handlers that write logs, images, metrics or checkpoints: on several GPUs only rank 0 should run them. */
const RANK_ZERO_HANDLERS =
  /(^|\.)(StatsHandler|TensorBoardStatsHandler|TensorBoardImageHandler|CheckpointSaver|MLFlowHandler|ClearMLStatsHandler|ClearMLImageHandler|MetricsSaver)$/;

const DIST_SETUP = [
  '$import torch.distributed as dist',
  "$dist.is_initialized() or dist.init_process_group(backend='nccl')",
  '$torch.cuda.set_device(@device)',
];
const DIST_TEARDOWN = '$dist.is_initialized() and dist.destroy_process_group()';

function aliasTarget(resolution: BundleResolution, id: string): string | undefined {
  const value = resolution.raw(id);
  return typeof value === 'string' && isWholeReference(value) ? referencedIds(value)[0] : undefined;
}

function samplerId(loaderId: string): string {
  const renamed = loaderId.replace(/(data_?loader|loader)$/, 'sampler');
  return renamed === loaderId ? `${loaderId}_sampler` : renamed;
}

function addSampler(
  resolution: BundleResolution,
  overlay: Record<string, JsonValue>,
  engineId: string,
  loaderKey: string,
  training: boolean,
): void {
  const loader = definitionSite(resolution, `${engineId}#${loaderKey}`);
  if (!loader || !isPlainObject(resolution.raw(loader.id))) return;
  const dataset = aliasTarget(resolution, `${loader.id}#dataset`) ?? `${loader.id}#dataset`;
  const sampler = samplerId(loader.id);
  overlay[sampler] = { _target_: 'DistributedSampler', dataset: `@${dataset}`, even_divisible: training, shuffle: training };
  overlay[`${loader.id}#sampler`] = `@${sampler}`;
  if (resolution.has(`${loader.id}#shuffle`)) overlay[`${loader.id}#shuffle`] = false;
}

function disableOnOtherRanks(resolution: BundleResolution, overlay: Record<string, JsonValue>, handlersId: string): void {
  const site = resolution.has(handlersId) ? definitionSite(resolution, handlersId) : undefined;
  const handlers = site ? resolution.raw(site.id) : undefined;
  if (!site || !Array.isArray(handlers)) return;
  handlers.forEach((handler, index) => {
    if (isPlainObject(handler) && typeof handler._target_ === 'string' && RANK_ZERO_HANDLERS.test(handler._target_))
      overlay[`${site.id}#${index}#_disabled_`] = '$dist.get_rank() > 0';
  });
}

function lifecycle(resolution: BundleResolution, trainerId: string): Record<string, JsonValue> {
  const list = (id: string): JsonValue[] => {
    const value = resolution.raw(id);
    return Array.isArray(value) ? (value as JsonValue[]) : [];
  };
  const without = (items: JsonValue[]): JsonValue[] => items.filter((item) => !(typeof item === 'string' && DIST_SETUP.includes(item)));
  if (!resolution.has('run') && Array.isArray(resolution.raw('training'))) {
    return { training: [...DIST_SETUP, ...without(list('training')), DIST_TEARDOWN] };
  }
  return {
    initialize: [...DIST_SETUP, ...without(list('initialize'))],
    run: resolution.has('run') ? list('run') : [`$@${trainerId}.run()`],
    finalize: [...list('finalize'), DIST_TEARDOWN],
  };
}

/**
 * Builds the multi-GPU training overlay the Model Zoo's bundles ship as `configs/multi_gpu_train.json`, from
 * the training configuration: `device` per rank (`$torch.device(f'cuda:{dist.get_rank()}')`), the network
 * wrapped in `DistributedDataParallel`, a `DistributedSampler` for the training and validation loaders,
 * logging and saving handlers disabled on ranks other than 0, and the process group set up and torn down
 * around the run.
 *
 * @throws {MmarError} `MMAR_INVALID_CONFIG` when the training configuration has no trainer.
 */
export function multiGpuOverlay(bundle: Bundle): Record<string, JsonValue> {
  const resolution = resolveBundle(bundle);
  const trainer = trainersOf(resolution)[0];
  if (!trainer)
    throw new MmarError('MMAR_INVALID_CONFIG', `no trainer in ${resolution.configFiles.join(' + ') || 'the bundle'}`, {
      details: { configFiles: resolution.configFiles },
    });
  const evaluator = resolution.components.find((c) => /Evaluator$/.test(c.target) && resolution.has(`${c.id}#val_data_loader`));
  const overlay: Record<string, JsonValue> = { device: "$torch.device(f'cuda:{dist.get_rank()}')" };
  const networkId = aliasTarget(resolution, `${trainer.id}#network`);
  const network = networkId === undefined ? undefined : resolution.raw(networkId);
  if (networkId !== undefined && typeof network === 'string' && network.startsWith('$')) {
    overlay[networkId] = { _target_: 'torch.nn.parallel.DistributedDataParallel', module: network, device_ids: ['@device'] };
  } else {
    const module = networkId ?? `${trainer.id}#network`;
    overlay.network_ddp = {
      _target_: 'torch.nn.parallel.DistributedDataParallel',
      module: `$@${module}.to(@device)`,
      device_ids: ['@device'],
    };
    overlay[`${trainer.id}#network`] = '@network_ddp';
    if (evaluator && resolution.raw(`${evaluator.id}#network`) === resolution.raw(`${trainer.id}#network`))
      overlay[`${evaluator.id}#network`] = '@network_ddp';
  }
  addSampler(resolution, overlay, trainer.id, 'train_data_loader', true);
  disableOnOtherRanks(resolution, overlay, `${trainer.id}#train_handlers`);
  if (evaluator) {
    addSampler(resolution, overlay, evaluator.id, 'val_data_loader', false);
    disableOnOtherRanks(resolution, overlay, `${evaluator.id}#val_handlers`);
  }
  return { ...overlay, ...lifecycle(resolution, trainer.id) };
}

/**
 * Prepares a bundle for training on `gpus` GPUs of one node: when `gpus > 1` and the bundle has no
 * `configs/multi_gpu_train.*`, adds one (see {@link multiGpuOverlay}), in the training configuration's
 * format (JSON with its indentation, or YAML); an existing overlay is kept as it is. Returns the bundle and
 * the training command for that many GPUs.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` when `gpus` is not a positive integer; `MMAR_INVALID_CONFIG`
 *   when the overlay is needed and the bundle has no training configuration with a trainer.
 * @example
 * ```ts
 * const { bundle: edited, command } = setBundleMultiGpu(bundle, { gpus: 4, bundleDir: '/work/spleen' });
 * command.line; // cd /work/spleen && torchrun --standalone --nnodes=1 --nproc_per_node=4 -m monai.bundle run ...
 * ```
 */
export function setBundleMultiGpu(bundle: Bundle, options: SetBundleMultiGpuOptions): BundleMultiGpuResult {
  const { gpus } = options;
  if (!Number.isInteger(gpus) || gpus < 1)
    throw new MmarError('MMAR_INVALID_ARGUMENT', `gpus must be a positive integer, got ${String(gpus)}`, { details: { gpus } });
  let result = bundle;
  if (gpus > 1 && findConfig(bundle.configs, 'multi_gpu_train') === undefined) {
    const train = bundle.trainConfig;
    if (!train) throw new MmarError('MMAR_INVALID_CONFIG', 'the bundle has no training configuration', { details: {} });
    const trainDocument = bundle.configs.get(train);
    const overlay = multiGpuOverlay(bundle);
    const yaml = trainDocument?.format === 'yaml';
    const file = `configs/multi_gpu_train.${yaml ? (train.endsWith('.yml') ? 'yml' : 'yaml') : 'json'}`;
    const indent = /\n([ \t]+)"/.exec(trainDocument?.text ?? '')?.[1] ?? '    ';
    const text = yaml
      ? `# Multi-GPU training: read after ${train}.\n${stringify(overlay, { version: '1.1', schema: 'failsafe', customTags: [...PYTHON_YAML_TAGS], lineWidth: 0, indentSeq: false })}`
      : `${formatJson(overlay, indent, '')}\n`;
    result = addBundleConfig(bundle, parseBundleConfig(text, { file }));
  }
  return {
    bundle: result,
    command: renderBundleCommand({
      bundleDir: options.bundleDir ?? '.',
      mode: 'training',
      gpus,
      bundle: result,
      ...(options.overrides ? { overrides: options.overrides } : {}),
    }),
  };
}
