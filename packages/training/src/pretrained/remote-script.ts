import { quoteShell } from '@medaas/cluster-ssh';

/**
 * The argv of a POSIX `sh` script run on the cluster with the caller's variables exported first. Values reach
 * the script as positional parameters (`$1`...), never inside its text; exported values are quoted words.
 * `sh -c` rather than the login shell's own syntax, so a csh login shell runs it the same.
 */
export function remoteScript(env: readonly (readonly [string, string])[], script: string, args: readonly string[]): string[] {
  const exports = env.map(([name, value]) => `${name}=${quoteShell(value)}; export ${name}`).join('\n');
  return ['sh', '-c', exports === '' ? script : `${exports}\n${script}`, 'sh', ...args];
}

/** A shell function `b64` that prints its input as one line of base64 (coreutils, busybox and BSD alike). */
export const B64 = `b64() { base64 | tr -d '\\n'; echo; }`;

/** Decodes one line of {@link B64} output. */
export function fromB64(line: string): Uint8Array {
  return new Uint8Array(Buffer.from(line.trim(), 'base64'));
}

/** Decodes one line of {@link B64} output as UTF-8 text. */
export function textFromB64(line: string): string {
  return Buffer.from(line.trim(), 'base64').toString('utf8');
}
