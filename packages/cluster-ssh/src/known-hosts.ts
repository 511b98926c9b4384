import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ClusterSshError } from './errors.js';

/** One usable line of an OpenSSH `known_hosts` file. */
export interface KnownHostEntry {
  /** `@cert-authority` and `@revoked` lines carry a marker; plain lines do not. */
  readonly marker?: 'cert-authority' | 'revoked';
  /** The host patterns as written (comma-separated names, wildcards, `!` negations or one `|1|` hash). */
  readonly hosts: string;
  /** The key type, e.g. `ssh-ed25519`. */
  readonly keyType: string;
  /** The public key in SSH wire format (the base64 field, decoded). */
  readonly key: Uint8Array;
  /** 1-based line number, for error messages. */
  readonly line: number;
}

/**
 * Parses the text of an OpenSSH `known_hosts` file: plain and hashed (`|1|salt|hash`) host fields,
 * `[host]:port` names, wildcards, negations and the `@revoked` / `@cert-authority` markers. Comments and
 * blank lines are skipped.
 *
 * @throws {ClusterSshError} `SSH_KNOWN_HOSTS_INVALID` naming the first malformed line.
 * @example
 * ```ts
 * const entries = parseKnownHosts(await readFile(`${homedir()}/.ssh/known_hosts`, 'utf8'));
 * ```
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const name = fields.shift();
      if (name !== '@cert-authority' && name !== '@revoked') throw invalid(index + 1, `unknown marker ${name ?? ''}`);
      marker = name === '@revoked' ? 'revoked' : 'cert-authority';
    }
    const [hosts, keyType, base64] = fields;
    if (hosts === undefined || keyType === undefined || base64 === undefined) throw invalid(index + 1, 'expected hosts, key type and key');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw invalid(index + 1, 'the key is not base64');
    const key = new Uint8Array(Buffer.from(base64, 'base64'));
    if (wireKeyType(key) !== keyType) throw invalid(index + 1, `the key does not hold a ${keyType} key`);
    if (hosts.startsWith('|') && parseHashed(hosts) === undefined) throw invalid(index + 1, 'malformed hashed host');
    entries.push(marker === undefined ? { hosts, keyType, key, line: index + 1 } : { marker, hosts, keyType, key, line: index + 1 });
  });
  return entries;
}

function invalid(line: number, why: string): ClusterSshError {
  return new ClusterSshError('SSH_KNOWN_HOSTS_INVALID', `known_hosts line ${line}: ${why}`, { details: { line } });
}

/**
 * The key type named inside an SSH wire-format public key (its first length-prefixed string), or
 * `undefined` when the bytes are not a wire-format key.
 *
 * @example
 * ```ts
 * wireKeyType(keyBlob); // 'ssh-ed25519'
 * ```
 */
export function wireKeyType(key: Uint8Array): string | undefined {
  if (key.length < 4) return undefined;
  const length = new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(0);
  if (length === 0 || length > 64 || 4 + length > key.length) return undefined;
  const name = Buffer.from(key.subarray(4, 4 + length)).toString('latin1');
  return /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

/**
 * The name OpenSSH looks up for a host: `host` on port 22, `[host]:port` elsewhere.
 *
 * @example
 * ```ts
 * knownHostsName('login.hpc.example', 2222); // [login.hpc.example]:2222
 * ```
 */
export function knownHostsName(host: string, port = 22): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

function parseHashed(field: string): { salt: Buffer; hash: Buffer } | undefined {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return undefined;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const hash = Buffer.from(parts[3] ?? '', 'base64');
  return salt.length === 20 && hash.length === 20 ? { salt, hash } : undefined;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * Whether an entry's host field matches a host name as {@link knownHostsName} writes it. Hashed fields are
 * compared by HMAC-SHA1, as OpenSSH does; a matching negated pattern wins over any positive one.
 *
 * @example
 * ```ts
 * matchesHost('*.hpc.example,!bad.hpc.example', 'login.hpc.example'); // true
 * ```
 */
export function matchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) {
    const hashed = parseHashed(hosts);
    if (!hashed) return false;
    const digest = createHmac('sha1', hashed.salt).update(name).digest();
    return timingSafeEqual(digest, hashed.hash);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * The OpenSSH SHA-256 fingerprint of a wire-format public key, as `ssh-keygen -l` prints it.
 *
 * @example
 * ```ts
 * fingerprintOf(keyBlob); // 'SHA256:i0/xIvdC/rex9sdtn2FH7mPMFUe69PZklhGMAEqhWLc'
 * ```
 */
export function fingerprintOf(key: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * One `known_hosts` line for a host and key, with the host field hashed (as `HashKnownHosts yes` writes
 * it) unless `hash` is false.
 *
 * @example
 * ```ts
 * await appendFile(file, formatKnownHostsLine('login.hpc.example', 22, keyBlob) + '\n');
 * ```
 */
export function formatKnownHostsLine(
  host: string,
  port: number,
  key: Uint8Array,
  options: { hash?: boolean; salt?: Uint8Array } = {},
): string {
  const name = knownHostsName(host, port);
  const type = wireKeyType(key);
  if (type === undefined) throw new ClusterSshError('SSH_INVALID_ARGUMENT', 'not an SSH wire-format public key');
  let field = name;
  if (options.hash !== false) {
    const salt = Buffer.from(options.salt ?? randomBytes(20));
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${field} ${type} ${Buffer.from(key).toString('base64')}`;
}
