import type { ProgressCallback } from '@medaas/core';

/** One option of a command, as `node:util` `parseArgs` takes it, with what `--help` says about it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The option may be given more than once; its value is then a list. */
  readonly multiple?: boolean;
  /** A one-letter alias (`-o`). */
  readonly short?: string;
  /** One line for `--help`. */
  readonly description: string;
  /** The value's name in `--help` (`MM`, `FILE`). */
  readonly placeholder?: string;
  /**
   * Whether `MEDAAS_<NAME>` may set it (default true). Options that must never come from the environment,
   * or secrets that must come only from it, say so here.
   */
  readonly env?: boolean;
}

/** The values of a command's options after flags, environment and config file are merged. */
export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** What a command gets to run with. */
export interface CommandContext {
  /** The positional arguments, after the command's name. */
  readonly args: readonly string[];
  readonly options: OptionValues;
  /** Aborted by Ctrl-C or SIGTERM: pass it to every SDK call, which then cleans up and rejects. */
  readonly signal: AbortSignal;
  /** `--json`: the result goes to stdout as one JSON document. */
  readonly json: boolean;
  readonly verbose: boolean;
  readonly io: CliIo;
  /** A progress callback labelled by its call (`upload case_001.nii.gz`), drawn as a bar on a terminal. */
  progress(label: string): ProgressCallback;
  /** A message for the person at the terminal (stderr), never part of the result. */
  note(line: string): void;
}

/** What a command produced: data for `--json`, lines for people, and its exit code when not 0. */
export interface CommandResult {
  /** The result as data, printed as JSON with `--json`. */
  readonly data: unknown;
  /** The result for people, printed line by line without `--json`. */
  readonly lines: readonly string[];
  /** Default 0. */
  readonly exitCode?: number;
}

/** One command of `medaas`, e.g. `dicom convert`. */
export interface CommandSpec {
  /** The words that name it: `['dicom', 'convert']`. */
  readonly name: readonly [string, string] | readonly [string];
  /** One line for the command list. */
  readonly summary: string;
  /** The arguments after the name in the usage line: `<folder> --out <folder>`. */
  readonly usage: string;
  /** Paragraphs for `--help`, after the usage. */
  readonly description?: string;
  /** How many positional arguments it takes. */
  readonly positionals: { readonly min: number; readonly max: number };
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Examples for `--help`. */
  readonly examples?: readonly string[];
  run(context: CommandContext): Promise<CommandResult>;
}

/** Defines a command (an identity function that gives the object literal its type). */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}
