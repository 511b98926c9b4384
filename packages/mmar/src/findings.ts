import { nodeAt } from './json-pointer.js';
import { positionAt, type JsonNode } from './json-syntax.js';

/** The literal codes of the findings {@link MmarIssue} reports. */
export type MmarIssueCode =
  /** A file the MMAR needs is absent (environment.json, config_train.json, a config a script names). */
  | 'MMAR_MISSING_FILE'
  /** A JSON file does not parse; `line` and `column` say where. */
  | 'MMAR_INVALID_JSON'
  /** A value has a type Clara cannot use (an `args` that is not an object, a component without a class). */
  | 'MMAR_INVALID_CONFIG'
  /** A shape this library does not know (a missing section, another layout); a warning, the file is kept as it is. */
  | 'MMAR_UNKNOWN_SHAPE'
  /** A `{name}` reference names no global variable and no environment entry. */
  | 'MMAR_UNDEFINED_VARIABLE'
  /** The number of output classes disagrees with the labels, or between configurations. */
  | 'MMAR_OUT_CLASSES_MISMATCH'
  /** `DATASET_JSON` (or a dataset's `data_list_file_path`) names a file that does not exist. */
  | 'MMAR_DATASET_JSON_MISSING'
  /** The data list lacks a list a dataset reads, or an entry is not an object with an `image` path. */
  | 'MMAR_INVALID_DATALIST'
  /** An image or label of the data list does not exist under `DATA_ROOT`. */
  | 'MMAR_DATA_FILE_MISSING'
  /** A YAML file does not parse (tabs as indentation, a duplicate key, bad syntax); `line` and `column` say where. */
  | 'MMAR_INVALID_YAML'
  /** A bundle `@id` reference or `%` macro names an id that no configuration of its run defines. */
  | 'MMAR_DANGLING_REFERENCE'
  /** Bundle `@id` references or `%` macros that lead back to themselves (MONAI fails on them at start-up). */
  | 'MMAR_REFERENCE_CYCLE'
  /** A bundle component (an object with `_disabled_`, `_requires_`, `_mode_`, or one in a `transforms` / `handlers` list) has no `_target_`, or an empty one. */
  | 'MMAR_MISSING_TARGET'
  /** A bundle data path (`dataset_dir`, `data_list_file_path`, `datalist`...) names a file or folder that does not exist. */
  | 'MMAR_DATA_PATH_MISSING';

/** One finding of {@link validateMmar}: what is wrong, and exactly where. */
export interface MmarIssue {
  /** `error`: Clara will fail or train the wrong thing. `warning`: unusual but may be intended. */
  readonly severity: 'error' | 'warning';
  readonly code: MmarIssueCode;
  /** The MMAR-relative path of the file (or the data list path as written in `DATASET_JSON`). */
  readonly file: string;
  /** RFC 6901 pointer to the offending value; `''` for the whole file. */
  readonly pointer: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** 1-based line of the offending value, when the file parsed far enough to know. */
  readonly line?: number;
  /** 1-based column of the offending value. */
  readonly column?: number;
}

/** Builds findings with the line and column of their pointer filled in from the file's syntax tree. */
export class FindingList {
  readonly issues: MmarIssue[] = [];
  private readonly sources = new Map<string, { text: string; root: JsonNode }>();

  addSource(file: string, text: string, root: JsonNode): void {
    this.sources.set(file, { text, root });
  }

  add(issue: Omit<MmarIssue, 'line' | 'column'>): void {
    const source = this.sources.get(issue.file);
    const node = source ? nodeAt(source.root, issue.pointer) : undefined;
    if (source && node) this.issues.push({ ...issue, ...positionAt(source.text, node.start) });
    else this.issues.push(issue);
  }
}
