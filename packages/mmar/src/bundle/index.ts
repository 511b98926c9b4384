/**
 * MONAI bundles: parse `configs/*.json|yaml` and `metadata.json` keeping every byte, resolve `@` references,
 * `%` macros and `$` expressions as MONAI does, find mistakes (with file, JSON pointer, line and column)
 * before a GPU job does, edit epochs, learning rate, labels, GPUs and fine-tuning without touching any other
 * byte, and render the `monai.bundle` commands. Platform-neutral; folder helpers are in `@medaas/mmar/bundle/node`.
 *
 * @packageDocumentation
 */
export {
  parseBundleConfig,
  stringifyBundleConfig,
  editBundleConfig,
  insertBundleConfigItem,
  bundleConfigPosition,
  bundleConfigFormat,
} from './bundle-config.js';
export type { BundleConfigDocument, BundleConfigFormat, ParseBundleConfigOptions, BundleConfigEdits } from './bundle-config.js';
export { parseBundle, resolveBundle } from './bundle.js';
export type { Bundle, ResolveBundleOptions } from './bundle.js';
export { BUNDLE_PATHS, bundleText, normalizeBundlePath, assertBundlePath } from './bundle-files.js';
export type { BundleFiles } from './bundle-files.js';
export type { BundleLocation, BundleIssueDraft } from './bundle-findings.js';
export { bundleMetadataView } from './metadata.js';
export type { BundleMetadata, BundleTensorFormat } from './metadata.js';
export type { BundleResolution, BundleComponent, BundleExpression, BundleReference } from './resolution.js';
export { splitBundleId, joinBundleId, splitMacro } from './ids.js';
export type { MacroTarget } from './ids.js';
export { bundleConfigStack } from './stacks.js';
export { validateBundle } from './validate-bundle.js';
export type { ValidateBundleOptions } from './validate-bundle.js';
export { editBundle } from './bundle-edit.js';
export type { BundleEdit } from './bundle-edit.js';
export { setBundleEpochs, setBundleLearningRate } from './training-edits.js';
export type { BundleEditOptions } from './training-edits.js';
export { setBundleLabels } from './labels-edit.js';
export type { SetBundleLabelsOptions } from './labels-edit.js';
export { setBundleMultiGpu, multiGpuOverlay } from './multi-gpu.js';
export type { SetBundleMultiGpuOptions, BundleMultiGpuResult } from './multi-gpu.js';
export { enableBundleFineTuning } from './fine-tuning.js';
export type { EnableBundleFineTuningOptions } from './fine-tuning.js';
export { renderBundleCommand, quoteShellWord } from './command.js';
export type { RenderBundleCommandOptions, BundleCommand, BundleCommandMode, BundleOverrideValue } from './command.js';
export { parseYamlSyntax } from './yaml-syntax.js';
export type { YamlSyntax } from './yaml-syntax.js';
export { setYamlValue, insertYamlItem, removeYamlValue } from './yaml-edit.js';
export type { MmarIssue, MmarIssueCode } from '../findings.js';
export { MmarError } from '../errors.js';
export type { MmarErrorCode } from '../errors.js';
export type { JsonValue } from '../json-edit.js';
export type { TextPosition } from '../json-syntax.js';
