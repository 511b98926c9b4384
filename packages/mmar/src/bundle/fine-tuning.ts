import { formatJsonPointer } from '@medaas/core';
import { MmarError } from '../errors.js';
import type { JsonValue } from '../json-edit.js';
import { editAt, editBundle } from './bundle-edit.js';
import { resolveBundle, type Bundle } from './bundle.js';
import { BUNDLE_PATHS, normalizeBundlePath } from './bundle-files.js';
import { isWholeReference } from './ids.js';
import { isPlainObject } from './plain-values.js';
import { definitionSite } from './static-value.js';
import { trainersOf, type BundleEditOptions } from './training-edits.js';

/** Options of {@link enableBundleFineTuning}. */
export interface EnableBundleFineTuningOptions extends BundleEditOptions {
  /**
   * The checkpoint to start from: a bundle-relative path (default `models/model.pt`, read as
   * `@bundle_root + '/models/model.pt'` when the bundle has `bundle_root`) or an absolute path on the
   * machine that trains.
   */
  readonly checkpoint?: string;
}

/**
 * Makes training start from a checkpoint, as the Model Zoo's bundles load weights: a `CheckpointLoader`
 * first among the trainer's handlers (`train#handlers`, or wherever `train_handlers` refers), with
 * `load_path` at the checkpoint, `load_dict` `{ model: <the trainer's network> }`, `map_location` the
 * bundle's `device`, and `strict_shape: false` so that layers whose shape changed (the output layer after
 * `setBundleLabels`) start fresh instead of failing. A loader already in the list gets the new `load_path`.
 *
 * @throws {MmarError} `MMAR_INVALID_ARGUMENT` for a checkpoint path with `..`, quotes or line breaks;
 *   `MMAR_INVALID_CONFIG` without a trainer.
 * @example
 * ```ts
 * const edited = enableBundleFineTuning(bundle, { checkpoint: 'models/model.pt' });
 * ```
 */
export function enableBundleFineTuning(bundle: Bundle, options: EnableBundleFineTuningOptions = {}): Bundle {
  const checkpoint = options.checkpoint ?? BUNDLE_PATHS.checkpoint;
  const absolute = checkpoint.startsWith('/');
  const relative = absolute ? undefined : normalizeBundlePath(checkpoint);
  if (/['"\\\n\r\0]/.test(checkpoint) || (absolute ? checkpoint.split('/').includes('..') : relative === undefined)) {
    throw new MmarError(
      'MMAR_INVALID_ARGUMENT',
      `"${checkpoint}" cannot be a checkpoint path (a bundle-relative path without "..", or an absolute one, without quotes)`,
      { details: { checkpoint } },
    );
  }
  const resolution = resolveBundle(bundle, options);
  const trainer = trainersOf(resolution)[0];
  if (!trainer)
    throw new MmarError('MMAR_INVALID_CONFIG', `no trainer in ${resolution.configFiles.join(' + ') || 'the bundle'}`, {
      details: { configFiles: resolution.configFiles },
    });
  const loadPath = absolute ? checkpoint : resolution.has('bundle_root') ? `$@bundle_root + '/${relative}'` : (relative as string);
  const network = resolution.raw(`${trainer.id}#network`);
  const loader: Record<string, JsonValue> = {
    _target_: 'CheckpointLoader',
    load_path: loadPath,
    load_dict: { model: typeof network === 'string' && isWholeReference(network) ? network : `@${trainer.id}#network` },
    ...(resolution.has('device') ? { map_location: '@device' } : {}),
    strict_shape: false,
  };
  const handlersId = `${trainer.id}#train_handlers`;
  const site = resolution.has(handlersId) ? definitionSite(resolution, handlersId) : undefined;
  const handlers = site ? resolution.raw(site.id) : undefined;
  if (!site || !Array.isArray(handlers)) {
    if (resolution.has(handlersId))
      throw new MmarError('MMAR_INVALID_CONFIG', `"${handlersId}" is not a list this edit can extend`, { details: { id: handlersId } });
    const location = resolution.locate(trainer.id);
    return editBundle(bundle, [
      editAt(location && { ...location, pointer: `${location.pointer}/train_handlers` }, [loader], 'the trainer'),
    ]);
  }
  const existing = handlers.findIndex(
    (h) => isPlainObject(h) && typeof h._target_ === 'string' && /(^|\.)CheckpointLoader$/.test(h._target_),
  );
  if (existing >= 0)
    return editBundle(bundle, [editAt(resolution.locate(`${site.id}#${existing}#load_path`), loadPath, 'the checkpoint loader')]);
  const location = editAt(site.location, null, 'the trainer handlers');
  // First: the weights must be in the network before any other handler (validation, saving) uses it.
  return editBundle(bundle, [
    { file: location.file, pointer: `${location.pointer}${formatJsonPointer([0])}`, value: loader, insert: true },
  ]);
}
