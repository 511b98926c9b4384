import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MonaiProblem } from './replies.js';

/** The roles of MONAI Label's RBAC, from least to most. */
export type MonaiRole = 'user' | 'annotator' | 'reviewer' | 'admin';

/** A user of an auth-enabled test server. */
export interface TestUser {
  readonly password: string;
  /** Default every role. */
  readonly roles?: readonly MonaiRole[];
}

/** Authentication of the MONAI Label face, as `MONAI_LABEL_AUTH_ENABLE=true` with a Keycloak realm gives it. */
export interface TestAuthOptions {
  /** The users and their passwords and roles. */
  readonly users: Readonly<Record<string, TestUser>>;
  /** Lifetime of issued tokens in seconds. Default 300 (Keycloak's default access-token lifespan). */
  readonly tokenTtlSec?: number;
  /** `client_id` in `/auth/`. Default `monailabel-app`. */
  readonly clientId?: string;
  /** `realm` in `/auth/`. Default `http://127.0.0.1:8080/realms/monailabel`. */
  readonly realm?: string;
}

/** Who a request is, once its token is checked. */
export interface AuthUser {
  readonly username: string;
  readonly roles: readonly string[];
}

const ALL_ROLES: readonly MonaiRole[] = ['user', 'annotator', 'reviewer', 'admin'];

/**
 * Issues and checks bearer tokens: JWTs (HS256 with a key of this server run) whose `exp`,
 * `preferred_username` and `realm_access.roles` claims are what MONAI Label reads from Keycloak's tokens.
 */
export class TokenIssuer {
  private readonly key = randomBytes(32);

  constructor(
    private readonly options: TestAuthOptions,
    private readonly now: () => number,
  ) {}

  /** What `GET /auth/` answers. */
  describe(): Record<string, unknown> {
    return {
      enabled: true,
      client_id: this.options.clientId ?? 'monailabel-app',
      realm: this.options.realm ?? 'http://127.0.0.1:8080/realms/monailabel',
    };
  }

  /** The password grant; `undefined` for a wrong user or password (the real server then fails with a bare 500). */
  grant(username: string, password: string): Record<string, unknown> | undefined {
    const user = Object.hasOwn(this.options.users, username) ? this.options.users[username] : undefined;
    if (!user || !safeEqual(user.password, password)) return undefined;
    const iat = Math.floor(this.now() / 1000);
    const payload = {
      exp: iat + (this.options.tokenTtlSec ?? 300),
      iat,
      preferred_username: username,
      email: `${username}@monailabel.test`,
      name: username,
      realm_access: { roles: [...(user.roles ?? ALL_ROLES)] },
    };
    const header = base64url(Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
    const body = base64url(Buffer.from(JSON.stringify(payload)));
    const signature = base64url(createHmac('sha256', this.key).update(`${header}.${body}`).digest());
    return { access_token: `${header}.${body}.${signature}`, token_type: 'bearer' };
  }

  /**
   * The user of a request whose role is at least `role`.
   *
   * @throws {MonaiProblem} 401 without a valid, unexpired token; 403 without the role.
   */
  check(req: IncomingMessage, query: URLSearchParams, role: MonaiRole): AuthUser {
    const header = req.headers.authorization ?? '';
    const token = /^bearer\s+(\S+)$/i.exec(header)?.[1] ?? (query.get('token') || undefined);
    if (!token) throw new MonaiProblem(401, 'Not authenticated', { 'www-authenticate': 'Bearer' });
    const user = this.verify(token);
    if (!user) throw new MonaiProblem(401, 'Could not validate credentials', { 'www-authenticate': 'Bearer' });
    if (!user.roles.includes(role)) throw new MonaiProblem(403, `Role "${role}" is required to perform this action`);
    return user;
  }

  private verify(token: string): AuthUser | undefined {
    const [header, body, signature] = token.split('.');
    if (!header || !body || !signature) return undefined;
    const expected = base64url(createHmac('sha256', this.key).update(`${header}.${body}`).digest());
    if (!safeEqual(expected, signature)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
        exp?: number;
        preferred_username?: string;
        realm_access?: { roles?: string[] };
      };
      if (typeof claims.exp !== 'number' || this.now() / 1000 >= claims.exp) return undefined;
      return { username: String(claims.preferred_username ?? ''), roles: claims.realm_access?.roles ?? [] };
    } catch {
      return undefined;
    }
  }
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
