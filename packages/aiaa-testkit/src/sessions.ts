import { randomUUID } from 'node:crypto';
import type { NiftiVolume } from '@medaas/nifti-io';

/** Limits of the in-memory session store. */
export interface SessionLimits {
  /** Longest lifetime a client may ask for, in seconds. Default 3600. */
  readonly maxExpirySec?: number;
  /** Lifetime when the client asks for 0 (the official default), in seconds. Default 600. */
  readonly defaultExpirySec?: number;
  /** Sessions kept at once; the least recently used is dropped first. Default 16. */
  readonly maxSessions?: number;
  /** Bytes of uploaded images kept at once. Default 2 GiB. */
  readonly maxSessionBytes?: number;
}

/** A stored session. */
export interface StoredSession {
  readonly id: string;
  readonly volume: NiftiVolume;
  readonly bytes: number;
  readonly createdMs: number;
  readonly expirySec: number;
  lastUsedMs: number;
}

/** Outcome of a lookup: the session, or why there is none. */
export type SessionLookup = { readonly session: StoredSession } | { readonly missing: 'expired' | 'unknown' };

/** Sessions in memory with expiry and a size limit, on an injectable clock. */
export class SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly expired = new Set<string>();
  private readonly limits: Required<SessionLimits>;

  constructor(
    limits: SessionLimits,
    private readonly now: () => number,
  ) {
    this.limits = {
      maxExpirySec: limits.maxExpirySec ?? 3600,
      defaultExpirySec: limits.defaultExpirySec ?? 600,
      maxSessions: limits.maxSessions ?? 16,
      maxSessionBytes: limits.maxSessionBytes ?? 2 * 1024 ** 3,
    };
  }

  /** Stores a volume and returns its session; expiry is `min(requested, max)`, or the default for 0. */
  create(volume: NiftiVolume, bytes: number, requestedSec: number): StoredSession {
    this.sweep();
    const expirySec = requestedSec > 0 ? Math.min(requestedSec, this.limits.maxExpirySec) : this.limits.defaultExpirySec;
    const session: StoredSession = { id: randomUUID(), volume, bytes, createdMs: this.now(), expirySec, lastUsedMs: this.now() };
    this.sessions.set(session.id, session);
    // Over a limit: drop the least recently used sessions (Map order is insertion order, refreshed on use).
    for (const [id] of this.sessions) {
      if (this.sessions.size <= this.limits.maxSessions && this.totalBytes() <= this.limits.maxSessionBytes) break;
      if (id === session.id) continue;
      this.sessions.delete(id);
      this.expired.add(id);
    }
    return session;
  }

  /** Finds a live session and marks it used. */
  get(id: string): SessionLookup {
    this.sweep();
    const session = this.sessions.get(id);
    if (!session) return { missing: this.expired.has(id) ? 'expired' : 'unknown' };
    session.lastUsedMs = this.now();
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return { session };
  }

  /** Deletes a session; false when there was none. */
  delete(id: string): boolean {
    this.sweep();
    return this.sessions.delete(id);
  }

  /** When a session expires, in epoch milliseconds. */
  expiresAtMs(session: StoredSession): number {
    return session.createdMs + session.expirySec * 1000;
  }

  /** Live sessions. */
  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  /** Drops every session. */
  clear(): void {
    this.sessions.clear();
  }

  private totalBytes(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.bytes;
    return total;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) {
      if (now >= this.expiresAtMs(session)) {
        this.sessions.delete(id);
        this.expired.add(id);
      }
    }
    if (this.expired.size > 10_000) this.expired.clear();
  }
}
