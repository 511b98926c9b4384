import { appendJsonPointer, resolveJsonPointer } from '@medaas/core';
import { componentClass } from './components.js';
import type { ConfigKind } from './config-document.js';
import { isVariableReference } from './shape.js';

/** A parsed configuration file as the MMAR-wide checks and edits see it. */
export interface LoadedConfig {
  readonly path: string;
  readonly kind: ConfigKind;
  readonly value: unknown;
}

/** A place that states the number of output classes, and where its number is written. */
export interface ClassCountSite {
  /** The file and pointer of the setting as the component sees it (`/train/model/args/out_channels`). */
  readonly file: string;
  readonly pointer: string;
  /** Where the number itself is: the same place, or the global / environment variable it refers to. */
  readonly target: { readonly file: string; readonly pointer: string };
  /** The number, or undefined when the reference cannot be resolved. */
  readonly value: number | undefined;
}

const MODEL_KEYS = ['out_channels', 'out_classes', 'num_classes'];
const DISCRETE_KEYS = ['n_classes', 'num_classes'];

function sectionRoots(kind: ConfigKind): { readonly model: readonly string[]; readonly post: readonly string[] } {
  // A trainer of the user's own (BYOT, nnU-Net-style) may take the class count itself.
  if (kind === 'train') return { model: ['/train/model', '/train/trainer'], post: ['/train/post_transforms', '/validate/post_transforms'] };
  if (kind === 'validation' || kind === 'inference') return { model: ['/model'], post: ['/post_transforms'] };
  return { model: [], post: [] };
}

/**
 * Every place in the training, validation and inference configurations that fixes the number of output
 * classes: a model's (or a BYOT trainer's) `out_channels` (or `out_classes` / `num_classes`) and
 * `AsDiscreted`'s `n_classes`,
 * following `{variable}` references to the global or environment variable that holds the number.
 */
export function classCountSites(configs: readonly LoadedConfig[], environment?: LoadedConfig): ClassCountSite[] {
  const sites: ClassCountSite[] = [];
  const envValue = environment?.value;
  for (const config of configs) {
    const roots = sectionRoots(config.kind);
    const add = (pointer: string): void => {
      const raw = resolveJsonPointer(config.value, pointer);
      if (typeof raw === 'number') sites.push({ file: config.path, pointer, target: { file: config.path, pointer }, value: raw });
      else if (isVariableReference(raw)) {
        const name = raw.slice(1, -1);
        const inEnvironment =
          environment !== undefined && typeof envValue === 'object' && envValue !== null && Object.hasOwn(envValue, name);
        const owner = inEnvironment ? environment : config;
        const resolved = resolveJsonPointer(owner.value, `/${name}`);
        const target = { file: owner.path, pointer: appendJsonPointer('', name) };
        sites.push({ file: config.path, pointer, target, value: typeof resolved === 'number' ? resolved : undefined });
      }
    };
    for (const modelPointer of roots.model) {
      const model = resolveJsonPointer(config.value, modelPointer);
      const entries = Array.isArray(model) ? model.map((_, i) => appendJsonPointer(modelPointer, i)) : [modelPointer];
      for (const entry of entries)
        for (const key of MODEL_KEYS)
          if (resolveJsonPointer(config.value, `${entry}/args/${key}`) !== undefined) add(`${entry}/args/${key}`);
    }
    for (const postPointer of roots.post) {
      const transforms = resolveJsonPointer(config.value, postPointer);
      if (!Array.isArray(transforms)) continue;
      transforms.forEach((transform, index) => {
        if (!/AsDiscreted?$/.test(componentClass(transform) ?? '')) return;
        for (const key of DISCRETE_KEYS) {
          const pointer = `${appendJsonPointer(postPointer, index)}/args/${key}`;
          if (resolveJsonPointer(config.value, pointer) !== undefined) add(pointer);
        }
      });
    }
  }
  return sites;
}

/** Whether the training loss works on sigmoid outputs, where no channel is spent on background. */
export function usesSigmoid(train: LoadedConfig | undefined): boolean {
  return train !== undefined && resolveJsonPointer(train.value, '/train/loss/args/sigmoid') === true;
}

/** The number of output classes the labels call for, and where that expectation comes from. */
export interface ExpectedClasses {
  readonly count: number;
  readonly source: string;
}

/**
 * How many output channels the labels call for: the AIAA labels (foreground classes, plus background
 * unless the loss uses sigmoid), else the data list's `labels` map (which includes background).
 */
export function expectedClassCount(
  aiaa: LoadedConfig | undefined,
  datalistLabels: { readonly file: string; readonly count: number } | undefined,
  sigmoid: boolean,
): ExpectedClasses | undefined {
  const type = resolveJsonPointer(aiaa?.value, '/type');
  const labels = resolveJsonPointer(aiaa?.value, '/labels');
  if (aiaa && (type === 'segmentation' || type === 'annotation') && Array.isArray(labels) && labels.length > 0) {
    const background = sigmoid ? '' : ' + background';
    return {
      count: labels.length + (sigmoid ? 0 : 1),
      source: `${aiaa.path} lists ${labels.length} label${labels.length === 1 ? '' : 's'}${background}`,
    };
  }
  if (datalistLabels && datalistLabels.count > 0) {
    return {
      count: datalistLabels.count - (sigmoid ? 1 : 0),
      source: `the labels of ${datalistLabels.file} (${datalistLabels.count} including background)`,
    };
  }
  return undefined;
}
