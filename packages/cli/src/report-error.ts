import { isMedaasError } from '@medaas/core';

/** An error as `medaas` prints it: a code and a one-line message, plus details for `--verbose` and `--json`. */
export interface ReportedError {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Describes any thrown value: a medaas error by its code (its details are already redacted), a Node.js
 * system error (`ENOENT`, `EACCES`) by its errno code, anything else as `CLI_INTERNAL`.
 */
export function describeError(error: unknown): ReportedError {
  if (isMedaasError(error)) return { code: error.code, message: oneLine(error.message), details: error.details };
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { code, message: oneLine(error.message) };
    return { code: 'CLI_INTERNAL', message: oneLine(`${error.name}: ${error.message}`) };
  }
  return { code: 'CLI_INTERNAL', message: oneLine(String(error)) };
}

/** What `--verbose` adds under the one line: details, the chain of causes and the stack. */
export function verboseText(error: unknown): string {
  const lines: string[] = [];
  const described = describeError(error);
  if (described.details && Object.keys(described.details).length > 0) lines.push(`details: ${JSON.stringify(described.details)}`);
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    lines.push(`cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (error instanceof Error && error.stack) lines.push(error.stack);
  return lines.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
