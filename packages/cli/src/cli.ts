import { createRequire } from 'node:module';
import type { CliIo, CommandContext, CommandSpec } from './command.js';
import { readConfigFile } from './config-file.js';
import { COMMANDS } from './commands/index.js';
import { CliError } from './errors.js';
import { EXIT_CODES } from './exit-codes.js';
import { commandHelp, groupHelp, mainHelp } from './help.js';
import { mergeOptions, parseFlags } from './options.js';
import { createProgressView } from './progress-view.js';
import { describeError, verboseText } from './report-error.js';

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Where output goes and what the environment is. Default: the process's. */
  readonly io?: CliIo;
  /** Cancels the running command (the bin aborts it on SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
}

/**
 * Runs one `medaas` command line (the words after `medaas`) and resolves to its exit code; it never throws
 * and never calls `process.exit`. Results go to stdout (JSON with `--json`), progress and messages to stderr.
 *
 * @example
 * ```ts
 * const code = await runCli(['nifti', 'info', 'ct.nii.gz', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  const signal = options.signal ?? new AbortController().signal;
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const write = (stream: NodeJS.WritableStream, text: string): void => void stream.write(text.endsWith('\n') ? text : `${text}\n`);
  const version = packageVersion();

  const first = argv[0];
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    write(first === undefined ? io.stderr : io.stdout, mainHelp(COMMANDS, version));
    return first === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (first === '--version' || first === '-V') {
    write(io.stdout, version);
    return EXIT_CODES.ok;
  }
  const found = findCommand(argv);
  if (found.kind === 'group') {
    const wantsHelp = argv.slice(1).some((a) => a === '--help' || a === '-h') || argv.length === 1;
    write(wantsHelp && argv.length > 1 ? io.stdout : io.stderr, groupHelp(found.group, found.commands));
    return wantsHelp && argv.length > 1 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  if (found.kind === 'none') return fail(new CliError('CLI_USAGE', `unknown command "${argv.slice(0, 2).join(' ')}" (see medaas --help)`));
  const { spec, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    write(io.stdout, commandHelp(spec));
    return EXIT_CODES.ok;
  }

  try {
    const flags = parseFlags(spec, rest);
    const configName = typeof flags.options['config'] === 'string' ? flags.options['config'] : io.env['MEDAAS_CONFIG'] || undefined;
    const config = await readConfigFile(configName, io.cwd, new Set(COMMANDS.map((c) => c.name.join(' '))));
    const merged = mergeOptions(spec, flags.options, io.env, config);
    if (flags.args.length < spec.positionals.min || flags.args.length > spec.positionals.max) {
      throw new CliError(
        'CLI_USAGE',
        `medaas ${spec.name.join(' ')} takes ${spec.usage} (got ${flags.args.length} argument${flags.args.length === 1 ? '' : 's'}; see --help)`,
      );
    }
    const progressFor = createProgressView({ stream: io.stderr, terminal: io.stderr.isTTY === true });
    const context: CommandContext = {
      args: flags.args,
      options: merged,
      signal,
      json: merged['json'] === true,
      verbose: merged['verbose'] === true,
      io,
      progress: progressFor,
      note: (line) => write(io.stderr, line),
    };
    const result = await spec.run(context);
    if (context.json) write(io.stdout, JSON.stringify(result.data, null, 2));
    else for (const line of result.lines) write(io.stdout, line);
    return result.exitCode ?? EXIT_CODES.ok;
  } catch (error) {
    return fail(error);
  }

  function fail(error: unknown): number {
    const interrupted = signal.aborted;
    const reported = interrupted ? describeError(signal.reason) : describeError(error);
    write(io.stderr, `medaas: ${reported.code}: ${reported.message}`);
    if (verbose && !interrupted) write(io.stderr, verboseText(error));
    if (json) write(io.stdout, JSON.stringify({ error: reported }, null, 2));
    if (interrupted) return signalExitCode(signal.reason);
    return reported.code === 'CLI_USAGE' || reported.code === 'CLI_CONFIG'
      ? EXIT_CODES.usage
      : reported.code === 'CLI_FINDINGS'
        ? EXIT_CODES.findings
        : EXIT_CODES.failed;
  }
}

/** 130 for SIGINT, 143 for SIGTERM: what a shell reports for a process its signal ended. */
function signalExitCode(reason: unknown): number {
  return reason instanceof CliError && reason.details['signal'] === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
}

type Found =
  | { readonly kind: 'command'; readonly spec: CommandSpec; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly group: string; readonly commands: readonly CommandSpec[] }
  | { readonly kind: 'none' };

function findCommand(argv: readonly string[]): Found {
  const [first, second] = argv;
  const single = COMMANDS.find((c) => c.name.length === 1 && c.name[0] === first);
  if (single) return { kind: 'command', spec: single, rest: argv.slice(1) };
  const spec = COMMANDS.find((c) => c.name[0] === first && c.name[1] === second);
  if (spec) return { kind: 'command', spec, rest: argv.slice(2) };
  const group = COMMANDS.filter((c) => c.name[0] === first && c.name.length === 2);
  if (group.length > 0 && (second === undefined || second.startsWith('-'))) return { kind: 'group', group: first!, commands: group };
  return { kind: 'none' };
}

function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
