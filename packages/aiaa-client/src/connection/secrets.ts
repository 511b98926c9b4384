/**
 * Keeping the secrets a client holds (header values, tokens, passwords) out of every error it raises,
 * whatever a server echoes back and in whatever encoding it quotes them.
 */
import { isMedaasError, REDACTED } from '@medaas/core';

/** Secrets shorter than this are not scrubbed: a 3-character value would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * The secrets in one header value: the value itself, the credentials after an auth scheme
 * (`Bearer abc` gives `abc`), and for `Basic` the decoded `user:password` and the password alone.
 */
export function headerSecrets(value: string): string[] {
  const out = [value];
  const match = /^([A-Za-z][A-Za-z0-9._~+-]*)\s+(\S.*)$/.exec(value.trim());
  if (match) {
    const credentials = match[2]!;
    out.push(credentials);
    if (match[1]!.toLowerCase() === 'basic') {
      const decoded = decodeBase64(credentials);
      if (decoded) {
        out.push(decoded);
        const colon = decoded.indexOf(':');
        if (colon >= 0) out.push(decoded.slice(colon + 1));
      }
    }
  }
  return out;
}

/**
 * The forms in which a server may quote a secret back: as sent, JSON-escaped, percent-encoded (as in a
 * URL) and form-encoded (as in an `application/x-www-form-urlencoded` body), and HTML-escaped.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'),
  ]);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** A scrubber for a fixed list of secrets: every form of each, longest first, matched without regard to case. */
export interface Scrubber {
  /** The text with every secret replaced by `[redacted]`; with `cut`, a secret's start at the very end goes too. */
  text(text: string, cut?: boolean): string;
}

/** Builds a {@link Scrubber} for `secrets` (duplicates and short values are ignored). */
export function scrubberFor(secrets: readonly string[]): Scrubber {
  const forms = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))].sort(
    (a, b) => b.length - a.length,
  );
  if (forms.length === 0) return { text: (text) => text };
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'gi');
  return {
    text(text, cut = false) {
      const out = text.replace(pattern, REDACTED);
      // A text cut at a size limit may end inside a secret: drop any tail that starts one.
      if (!cut) return out;
      const lower = out.toLowerCase();
      for (const form of forms) {
        for (let n = Math.min(form.length - 1, lower.length); n >= MIN_SECRET_LENGTH; n -= 1) {
          if (lower.endsWith(form.slice(0, n).toLowerCase())) return `${out.slice(0, out.length - n)}${REDACTED}`;
        }
      }
      return out;
    },
  };
}

/**
 * Scrubs an error in place (its message, stack and details, and those of its causes) and returns it, so
 * that an error built from a server's reply can be logged without showing a secret the client holds.
 * Only the SDK's own errors (and what they wrap) are changed: a caller's abort reason is passed on untouched.
 */
export function scrubError<T>(error: T, scrubber: Scrubber, depth = 0): T {
  if (!(error instanceof Error) || depth > 8 || (depth === 0 && !isMedaasError(error))) return error;
  const message = scrubber.text(error.message);
  if (message !== error.message) define(error, 'message', message);
  if (typeof error.stack === 'string') {
    const stack = scrubber.text(error.stack);
    if (stack !== error.stack) define(error, 'stack', stack);
  }
  const details = (error as { details?: unknown }).details;
  if (details && typeof details === 'object') {
    const scrubbed = scrubValue(details, scrubber, 0);
    if (scrubbed !== details) define(error, 'details', Object.freeze(scrubbed));
  }
  if (error.cause !== undefined) scrubError(error.cause, scrubber, depth + 1);
  return error;
}

function scrubValue(value: unknown, scrubber: Scrubber, depth: number): unknown {
  if (typeof value === 'string') return scrubber.text(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => scrubValue(item, scrubber, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = scrubValue(item, scrubber, depth + 1);
    changed ||= out[key] !== item;
  }
  return changed ? out : value;
}

function define(target: object, key: string, value: unknown): void {
  try {
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: key === 'details' });
  } catch {
    // A frozen foreign error keeps its text; ours are never frozen.
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decodeBase64(text: string): string | undefined {
  try {
    const binary = atob(text);
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
