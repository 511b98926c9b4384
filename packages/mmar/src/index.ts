/**
 * Typed Medical Model Archives (MMAR) of Clara Train 3 (TensorFlow) and 4 (PyTorch), as published: read
 * every configuration into the typed model (unknown shapes kept and reported, never rejected), find
 * mistakes before a GPU job does (with file, JSON pointer, line and column), edit them without touching
 * any other byte, and render the command scripts. Platform-neutral; the folder helpers are in
 * `@medaas/mmar/node`.
 *
 * @packageDocumentation
 */
export { MmarError } from './errors.js';
export type { MmarErrorCode } from './errors.js';
export { parseEnvironment } from './environment.js';
export type { Environment, ParseConfigOptions } from './environment.js';
export { parseConfigTrain, globalVariables } from './config-train.js';
export type { ConfigTrain, TrainSection, ValidateSection, DatasetConfig, MetricConfig } from './config-train.js';
export { parseConfigValidation, parseConfigInference } from './config-evaluation.js';
export type { ConfigEvaluation } from './config-evaluation.js';
export { parseConfigFedClient, parseConfigFedServer } from './config-federated.js';
export type { ConfigFedClient, ConfigFedServer, FedServerEntry, FedComponent } from './config-federated.js';
export { detectGeneration } from './generation.js';
export type { MmarGeneration } from './generation.js';
export { parseMmar, isMmarArchive, mmarFilesOf, withConfig, withMmarFiles, trainConfigPaths, mainTrainConfigPath } from './mmar-archive.js';
export type { MmarArchive, MmarInput } from './mmar-archive.js';
export { parseConfigAiaa } from './config-aiaa.js';
export type { ConfigAiaa, AiaaInference } from './config-aiaa.js';
export { isByocComponent, componentClass } from './components.js';
export type {
  ComponentConfig,
  NamedComponent,
  ByocComponent,
  ComponentReference,
  ComponentBase,
  SavedModelReference,
  ModelConfig,
} from './components.js';
export { stringifyConfig, isConfigDocument } from './config-document.js';
export type { ConfigDocument, ConfigKind, ConfigFinding, StringifyConfigOptions } from './config-document.js';
export { parseConfig, editConfig } from './config-edit.js';
export { setEpochs, setLearningRate } from './train-settings.js';
export type { ConfigEdits } from './config-edit.js';
export { editMmarConfig, setLabels, setMultiGpu, enableFineTuning } from './mmar-edits.js';
export type { SetLabelsOptions, SetMultiGpuOptions, EnableFineTuningOptions } from './mmar-edits.js';
export { resolveVariables, findVariableReferences, variableScope } from './variables.js';
export type { VariableReference, VariableScope, ResolveVariablesOptions } from './variables.js';
export { validateMmar } from './validate.js';
export type { ValidateMmarOptions } from './validate.js';
export type { MmarIssue, MmarIssueCode } from './findings.js';
export { renderCommands, commandFile } from './commands.js';
export type { MmarCommand, RenderCommandsOptions } from './commands.js';
export { MMAR_PATHS, MMAR_FOLDERS, mmarText, configKindOf, assertMmarPath } from './mmar-files.js';
export type { MmarFiles, MmarFileContent } from './mmar-files.js';
export { parseJsonSyntax, toJsonValue, positionAt } from './json-syntax.js';
export type { JsonNode, JsonObjectNode, JsonArrayNode, JsonScalarNode, JsonMember, JsonSpan, TextPosition } from './json-syntax.js';
export { setJsonValue, removeJsonValue, insertJsonItem } from './json-edit.js';
export type { JsonValue, SetJsonValueOptions } from './json-edit.js';
export { jsonPointer, parseJsonPointer, nodeAt } from './json-pointer.js';
export type { DataFileAccess } from './datalist-check.js';
export type { JsonRecord, ShapeIssue } from './shape.js';
