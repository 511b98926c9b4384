import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, NextAuthHandler, ParsedKey, Prompt } from 'ssh2';
import { ClusterSshError } from './errors.js';

/** One prompt of a keyboard-interactive round (a PAM password, a one-time code...). */
export interface KeyboardInteractivePrompt {
  /** The text the server shows, e.g. `Password: ` or `Verification code: `. */
  readonly prompt: string;
  /** Whether the answer may be shown while typed (false for passwords and codes). */
  readonly echo: boolean;
}

/** One keyboard-interactive round, as given to {@link KeyboardInteractiveAuth.respond}. */
export interface KeyboardInteractiveChallenge {
  readonly name: string;
  readonly instructions: string;
  readonly prompts: readonly KeyboardInteractivePrompt[];
}

/** Private key authentication; the key is parsed (and decrypted) before any connection is made. */
export interface KeyAuth {
  readonly type: 'key';
  /** The private key text (OpenSSH or PEM), or its bytes. Give this or `privateKeyFile`. */
  readonly privateKey?: string | Uint8Array;
  /** Path of the private key file. */
  readonly privateKeyFile?: string;
  /** The key's passphrase, when it is encrypted. */
  readonly passphrase?: string;
}

/** Authentication through a running ssh-agent. */
export interface AgentAuth {
  readonly type: 'agent';
  /** The agent's socket. Default: `SSH_AUTH_SOCK`. */
  readonly socket?: string;
}

/** Password authentication. */
export interface PasswordAuth {
  readonly type: 'password';
  readonly password: string;
}

/** Keyboard-interactive authentication: the callback answers each round of prompts (two-factor logins). */
export interface KeyboardInteractiveAuth {
  readonly type: 'keyboard-interactive';
  /** Returns one answer per prompt, in order. Rounds without prompts are answered without calling it. */
  readonly respond: (challenge: KeyboardInteractiveChallenge) => readonly string[] | Promise<readonly string[]>;
}

/** One way to authenticate. A list is tried in order, and continued after a partial success. */
export type SshAuth = KeyAuth | AgentAuth | PasswordAuth | KeyboardInteractiveAuth;

/** The ssh2 auth handler for a list of methods, and what went wrong while answering prompts. */
export interface PreparedAuth {
  /** A fresh handler for one handshake (each remembers which methods it has tried). */
  readonly handler: () => AuthHandlerMiddleware;
  /** The first error thrown by a keyboard-interactive callback, reported instead of a generic failure. */
  readonly promptError: () => unknown;
  readonly methods: readonly string[];
}

const SSH2_TYPE: Record<SshAuth['type'], AuthenticationType> = {
  key: 'publickey',
  agent: 'agent',
  password: 'password',
  'keyboard-interactive': 'keyboard-interactive',
};

/**
 * Validates the methods and parses keys up front, so that a wrong passphrase is reported as such and
 * not as a refused login.
 *
 * @throws {ClusterSshError} `SSH_AUTH_FAILED` for an unreadable key or wrong passphrase, `SSH_INVALID_ARGUMENT`
 *   for an empty or malformed list.
 * @example
 * ```ts
 * const auth = prepareAuth('ana', [{ type: 'key', privateKeyFile: '/home/ana/.ssh/id_ed25519' }]);
 * ```
 */
export function prepareAuth(username: string, auth: SshAuth | readonly SshAuth[]): PreparedAuth {
  const list: readonly SshAuth[] = Array.isArray(auth) ? auth : [auth as SshAuth];
  if (list.length === 0) throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'auth lists no method');
  let promptError: unknown;
  const methods: AnyAuthMethod[] = list.map((method): AnyAuthMethod => {
    switch (method?.type) {
      case 'key':
        return { type: 'publickey', username, key: loadKey(method) };
      case 'agent': {
        const socket = method.socket ?? process.env['SSH_AUTH_SOCK'];
        if (!socket) throw new ClusterSshError('SSH_AUTH_FAILED', 'agent authentication needs SSH_AUTH_SOCK or auth.socket');
        return { type: 'agent', username, agent: socket };
      }
      case 'password':
        if (typeof method.password !== 'string') throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'password auth needs a string password');
        return { type: 'password', username, password: method.password };
      case 'keyboard-interactive': {
        const respond = method.respond;
        if (typeof respond !== 'function') throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'keyboard-interactive auth needs respond()');
        return {
          type: 'keyboard-interactive',
          username,
          prompt(name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) {
            if (prompts.length === 0) return finish([]);
            const challenge = { name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })) };
            Promise.resolve()
              .then(() => respond(challenge))
              .then(
                (answers) => finish([...answers]),
                (error: unknown) => {
                  promptError ??= error;
                  finish([]);
                },
              );
          },
        };
      }
      default:
        throw new ClusterSshError('SSH_INVALID_ARGUMENT', `unknown auth type ${String((method as { type?: unknown })?.type)}`);
    }
  });
  const handler = (): AuthHandlerMiddleware => {
    const tried = new Set<number>();
    return (methodsLeft: AuthenticationType[] | null, _partial: boolean, next: NextAuthHandler) => {
      // The server lists what it still accepts (after a partial success, only the second factor).
      const index = methods.findIndex(
        (m, i) => !tried.has(i) && (methodsLeft === null || methodsLeft.includes(m.type as AuthenticationType)),
      );
      if (index === -1) return next(false as unknown as AuthenticationType);
      tried.add(index);
      return next(methods[index] as AnyAuthMethod);
    };
  };
  return { handler, promptError: () => promptError, methods: list.map((m) => SSH2_TYPE[m.type]) };
}

function loadKey(method: KeyAuth): ParsedKey {
  let data: string | Buffer;
  if (method.privateKey !== undefined) data = typeof method.privateKey === 'string' ? method.privateKey : Buffer.from(method.privateKey);
  else if (method.privateKeyFile !== undefined) {
    try {
      data = readFileSync(method.privateKeyFile);
    } catch (error) {
      throw new ClusterSshError('SSH_AUTH_FAILED', `cannot read the private key ${method.privateKeyFile}`, {
        details: { privateKeyFile: method.privateKeyFile },
        cause: error,
      });
    }
  } else throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'key auth needs privateKey or privateKeyFile');
  const parsed = ssh2.utils.parseKey(data, method.passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) {
    const why = key instanceof Error ? key.message : 'no key found';
    const encrypted = /encrypted|passphrase|decrypt|bad decrypt/i.test(why);
    throw new ClusterSshError(
      'SSH_AUTH_FAILED',
      encrypted ? 'cannot decrypt the private key: wrong or missing passphrase' : `cannot parse the private key: ${why}`,
      { details: { privateKeyFile: method.privateKeyFile, reason: encrypted ? 'passphrase' : 'format' } },
    );
  }
  if (!key.isPrivateKey()) throw new ClusterSshError('SSH_AUTH_FAILED', 'the key given for key auth is a public key');
  return key;
}
