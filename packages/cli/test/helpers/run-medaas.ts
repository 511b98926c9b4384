import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The built `medaas` bin, as npm links it. */
export const MEDAAS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Builds the CLI and the packages it uses (turbo's cache makes this quick after `npm run build`). */
export async function buildCli(): Promise<void> {
  await run('npx', ['turbo', 'run', 'build', '--filter=@medaas/cli...', '--output-logs=errors-only'], { cwd: ROOT, timeout: 600_000 });
}

/** What one run of `medaas` did. */
export interface MedaasRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `medaas` with these arguments, as a user's shell would (stdout and stderr piped). */
export async function medaas(
  args: readonly string[],
  options: { env?: Readonly<Record<string, string | undefined>>; cwd?: string; timeoutMs?: number } = {},
): Promise<MedaasRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MEDAAS, ...args], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      timeout: options.timeoutMs ?? 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Starts `medaas` in the background; `lines` collects its stdout and stderr as they come. */
export function startMedaas(
  args: readonly string[],
  options: { env?: Readonly<Record<string, string | undefined>>; cwd?: string } = {},
): {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MEDAAS, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    async waitFor(pattern, stream = 'stdout', timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const match = output[stream].match(pattern);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > until)
          throw new Error(
            `medaas ${args.join(' ')} never printed ${pattern} (exit ${child.exitCode}):\n${output.stdout}\n${output.stderr}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** The environment without the caller's MEDAAS_* settings, so a developer's shell cannot change a test. */
function cleanEnv(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MEDAAS_') && key !== 'SSH_AUTH_SOCK') env[key] = value;
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}
