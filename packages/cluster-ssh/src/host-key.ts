import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ClusterSshError } from './errors.js';
import { fingerprintOf, formatKnownHostsLine, knownHostsName, matchesHost, parseKnownHosts, wireKeyType } from './known-hosts.js';

/**
 * How a server's host key is checked. There is no "accept anything" choice: a key is either pinned
 * by fingerprint, or looked up in a known_hosts file or text. An unknown host is refused unless
 * `trustOnFirstUse` is set (its key is then appended, hashed, to the file); a changed key is always
 * refused.
 */
export type HostKeyPolicy =
  | {
      /** One or more accepted `SHA256:...` fingerprints, as `ssh-keygen -l -f key.pub` prints them. */
      readonly fingerprint: string | readonly string[];
    }
  | {
      /** Path of an OpenSSH known_hosts file (plain or hashed entries). */
      readonly knownHostsFile: string;
      /** Accept and record the key of a host the file does not know yet. Default false. */
      readonly trustOnFirstUse?: boolean;
    }
  | {
      /** The text of a known_hosts file. */
      readonly knownHosts: string;
    };

/** The facts of a verified host key. */
export interface VerifiedHostKey {
  readonly keyType: string;
  readonly fingerprint: string;
  /** Whether the key was unknown and recorded under trust-on-first-use. */
  readonly trustedOnFirstUse: boolean;
}

/**
 * Checks a server's wire-format host key against a {@link HostKeyPolicy}.
 *
 * @throws {ClusterSshError} `SSH_HOST_KEY_MISMATCH` when the host is known with another key,
 *   `SSH_HOST_KEY_UNKNOWN` when it is not known (and trust-on-first-use is off), `SSH_HOST_KEY_REVOKED`
 *   for a key marked `@revoked`, `SSH_KNOWN_HOSTS_INVALID` for a malformed file, `SSH_INVALID_ARGUMENT`
 *   for a malformed policy.
 * @example
 * ```ts
 * await verifyHostKey({ fingerprint: 'SHA256:i0/x...' }, 'login.hpc.example', 22, keyBlob);
 * ```
 */
export async function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, key: Uint8Array): Promise<VerifiedHostKey> {
  const keyType = wireKeyType(key) ?? 'unknown';
  const fingerprint = fingerprintOf(key);
  const context = { host, port, keyType, fingerprint };
  if ('fingerprint' in policy) {
    const accepted = (typeof policy.fingerprint === 'string' ? [policy.fingerprint] : policy.fingerprint).map(normaliseFingerprint);
    if (accepted.length === 0) throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'hostKey.fingerprint lists no fingerprint');
    if (accepted.includes(fingerprint)) return { keyType, fingerprint, trustedOnFirstUse: false };
    throw new ClusterSshError('SSH_HOST_KEY_MISMATCH', `the host key of ${host}:${port} (${fingerprint}) is not the expected one`, {
      details: { ...context, expected: accepted },
    });
  }
  let text = '';
  if ('knownHosts' in policy) text = policy.knownHosts;
  else if ('knownHostsFile' in policy) text = await readKnownHostsFile(policy.knownHostsFile);
  else throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'hostKey needs fingerprint, knownHostsFile or knownHosts');

  const name = knownHostsName(host, port);
  const entries = parseKnownHosts(text).filter((entry) => entry.marker !== 'cert-authority' && matchesHost(entry.hosts, name));
  const same = (entry: { key: Uint8Array }): boolean => Buffer.from(entry.key).equals(Buffer.from(key));
  const revoked = parseKnownHosts(text).find((entry) => entry.marker === 'revoked' && same(entry));
  if (revoked) {
    throw new ClusterSshError('SSH_HOST_KEY_REVOKED', `the host key of ${host}:${port} is marked @revoked`, {
      details: { ...context, line: revoked.line },
    });
  }
  if (entries.some((entry) => entry.marker === undefined && same(entry))) return { keyType, fingerprint, trustedOnFirstUse: false };
  const known = entries.filter((entry) => entry.marker === undefined);
  if (known.length > 0) {
    // Any recorded key for this host that differs is treated as a change, whatever its type: an
    // attacker could otherwise offer a key of a type the file has no line for.
    throw new ClusterSshError(
      'SSH_HOST_KEY_MISMATCH',
      `the host key of ${host}:${port} has changed: ${fingerprint} is not the key recorded on line ${known.map((e) => e.line).join(', ')}`,
      { details: { ...context, lines: known.map((e) => e.line) } },
    );
  }
  if ('knownHostsFile' in policy && policy.trustOnFirstUse === true) {
    await mkdir(dirname(policy.knownHostsFile), { recursive: true, mode: 0o700 });
    await appendFile(policy.knownHostsFile, `${formatKnownHostsLine(host, port, key)}\n`, { mode: 0o600 });
    return { keyType, fingerprint, trustedOnFirstUse: true };
  }
  throw new ClusterSshError('SSH_HOST_KEY_UNKNOWN', `${host}:${port} is not a known host (its ${keyType} key is ${fingerprint})`, {
    details: context,
  });
}

function normaliseFingerprint(value: string): string {
  const bare = value
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  return `SHA256:${bare}`;
}

async function readKnownHostsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new ClusterSshError('SSH_KNOWN_HOSTS_INVALID', `cannot read ${path}`, { details: { path }, cause: error });
  }
}
