import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a Python snippet (nibabel, numpy) and parses the JSON it prints: the reference the CLI is checked against. */
export async function python<T>(code: string, args: readonly string[] = []): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', ['-c', code, ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}
