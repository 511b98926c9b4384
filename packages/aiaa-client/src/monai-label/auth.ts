import { isMedaasError, type CallOptions } from '@medaas/core';
import { formBody } from '../connection/body.js';
import type { Authorizer, Connection } from '../connection/connection.js';
import { AiaaError } from '../errors.js';
import { jsonOf } from './context.js';
import { asRecord, numberOr, stringOr } from './json.js';

/**
 * How the client authenticates to a MONAI Label server with `MONAI_LABEL_AUTH_ENABLE=true`:
 * - `{ username, password }`: the OAuth2 password grant at `/auth/token`; the token is renewed before it
 *   expires (its JWT `exp`, or `expires_in`) and after a 401;
 * - `{ token }`: a bearer token obtained elsewhere (not renewed);
 * - `{ getToken }`: a function that returns a current token (e.g. the viewer's own Keycloak login); it is
 *   asked again, with `renew: true`, after a 401.
 * Neither the password nor a token is ever logged or put into an error.
 */
export type MonaiLabelAuth =
  | { readonly username: string; readonly password: string }
  | { readonly token: string }
  | { readonly getToken: (options: CallOptions & { readonly renew: boolean }) => Promise<string> };

/** What `GET /auth/` says. */
export interface MonaiLabelAuthInfo {
  readonly enabled: boolean;
  readonly clientId: string | undefined;
  readonly realm: string | undefined;
}

/** Decodes `GET /auth/`. */
export function parseAuthInfo(value: unknown): MonaiLabelAuthInfo {
  const raw = asRecord(value) ?? {};
  return { enabled: raw['enabled'] === true, clientId: stringOr(raw['client_id'], undefined), realm: stringOr(raw['realm'], undefined) };
}

/** Renew a token this long before it expires, so that a call in flight does not meet its end. */
const RENEW_MARGIN_MS = 30_000;

/**
 * The authorizer of a MONAI Label client: a bearer token for every request, fetched and renewed as
 * {@link MonaiLabelAuth} says.
 *
 * @throws {AiaaError} (from `authorization`) `AIAA_AUTH_FAILED` when the server refuses the user name and password.
 */
export function tokenAuthorizer(connection: Connection, auth: MonaiLabelAuth, now: () => number = Date.now): Authorizer {
  checkAuth(auth);
  let current: { header: string; token: string; expiresAtMs: number | undefined } | undefined;
  let pending: Promise<void> | undefined;
  // Every token this authorizer has held, not only the current one: a server may quote a replaced token
  // in the reply that made the client renew it. Bounded: renewals of a long session are many.
  const held: string[] = [];

  const acquire = async (options: CallOptions, renew: boolean): Promise<void> => {
    let token: string;
    let expiresInSec: number | undefined;
    if ('token' in auth) {
      token = auth.token;
    } else if ('getToken' in auth) {
      token = await auth.getToken({ ...options, renew });
      if (typeof token !== 'string' || token === '')
        throw new AiaaError('AIAA_AUTH_FAILED', 'getToken returned no token', { details: { operation: 'auth' } });
    } else {
      ({ token, expiresInSec } = await passwordGrant(connection, auth, options));
    }
    const expiry = jwtExpiryMs(token) ?? (expiresInSec === undefined ? undefined : now() + expiresInSec * 1000);
    current = { header: `Bearer ${token}`, token, expiresAtMs: expiry };
    if (!held.includes(token)) held.push(token);
    if (held.length > 16) held.shift();
  };
  const once = (options: CallOptions, renew: boolean): Promise<void> => {
    pending ??= acquire(options, renew).finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    async authorization(options) {
      const stale = current?.expiresAtMs !== undefined && now() >= current.expiresAtMs - RENEW_MARGIN_MS;
      // A fixed token is sent as it is: it cannot be renewed here, and the server says when it has expired.
      if (!current || (stale && !('token' in auth))) await once(options, current !== undefined);
      return current?.header;
    },
    async renew(rejected, options) {
      if ('token' in auth) return false;
      // Another call renewed it already: repeat with that one.
      if (current && rejected !== current.header) return true;
      await once(options, true);
      return true;
    },
    secrets() {
      const list = [...held];
      if ('password' in auth) list.push(auth.password);
      if ('token' in auth) list.push(auth.token);
      return list;
    },
  };
}

async function passwordGrant(
  connection: Connection,
  auth: { username: string; password: string },
  options: CallOptions,
): Promise<{ token: string; expiresInSec: number | undefined }> {
  let value: unknown;
  try {
    const reply = await connection.send({
      operation: 'auth token',
      method: 'POST',
      path: '/auth/token',
      body: formBody({ grant_type: 'password', username: auth.username, password: auth.password }),
      idempotent: false,
      kind: 'metadata',
      anonymous: true,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    value = jsonOf(reply, 'auth token');
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // MONAI Label proxies the grant to Keycloak and answers a refused password with a bare 500 (or 401).
    if (isMedaasError(error, 'AIAA_HTTP_STATUS', 'AIAA_UNAUTHORIZED', 'AIAA_FORBIDDEN')) {
      throw new AiaaError(
        'AIAA_AUTH_FAILED',
        `the server refused the credentials of user "${auth.username.slice(0, 80)}" (HTTP ${String(error.details['status'])})`,
        {
          details: { status: error.details['status'], user: auth.username.slice(0, 80) },
          cause: error,
        },
      );
    }
    throw error;
  }
  const record = asRecord(value) ?? {};
  const token = record['access_token'];
  if (typeof token !== 'string' || token === '') {
    throw new AiaaError('AIAA_AUTH_FAILED', 'the server issued no access token (is authentication enabled on it? see authInfo())', {
      details: { operation: 'auth token' },
    });
  }
  return { token, expiresInSec: numberOr(record['expires_in'], undefined) };
}

/** The `exp` claim of a JWT in epoch milliseconds, or `undefined` for a token that is not a JWT with one. It is read, not verified: the server verifies. */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload || token.split('.').length !== 3) return undefined;
  try {
    const base64 = payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const exp = asRecord(JSON.parse(json))?.['exp'];
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function checkAuth(auth: MonaiLabelAuth): void {
  const ok =
    auth !== null &&
    typeof auth === 'object' &&
    (('token' in auth && typeof auth.token === 'string' && auth.token !== '' && !/[\r\n]/.test(auth.token)) ||
      ('getToken' in auth && typeof auth.getToken === 'function') ||
      ('username' in auth && typeof auth.username === 'string' && auth.username !== '' && typeof auth.password === 'string'));
  if (!ok)
    throw new AiaaError('AIAA_INVALID_ARGUMENT', 'auth must be { username, password }, { token } or { getToken }', {
      details: { argument: 'auth' },
    });
}
