import { randomUUID } from 'node:crypto';
import type { SessionLimits } from '../sessions.js';

/** A file of a session as it was uploaded. */
export interface SessionFile {
  readonly name: string;
  readonly data: Buffer;
}

/** A MONAI Label session: the uploaded files (one image, or a folder such as a DICOM series). */
export interface MonaiSession {
  readonly id: string;
  readonly files: readonly SessionFile[];
  readonly bytes: number;
  readonly createdMs: number;
  readonly expirySec: number;
  lastAccessMs: number;
  /** The decoded image, once a model needed it. */
  decoded?: Promise<unknown>;
}

/**
 * Sessions as MONAI Label keeps them: expiry slides from the last access (`min(requested, max)`, the
 * default for 0), and expired sessions are removed only by a periodic sweep (every 5 minutes by default),
 * so a session may still answer a little after its expiry, as on the real server. Over the count or byte
 * limit the least recently used session is dropped.
 */
export class MonaiSessionStore {
  private readonly sessions = new Map<string, MonaiSession>();
  private lastSweepMs: number;
  private readonly limits: Required<Omit<SessionLimits, 'defaultExpirySec'>> & { defaultExpirySec: number };

  constructor(
    limits: SessionLimits,
    private readonly now: () => number,
    private readonly sweepIntervalMs: number,
    /** Where the server says the sessions live (a path in replies only). */
    private readonly root: string,
  ) {
    this.limits = {
      maxExpirySec: limits.maxExpirySec ?? 3600,
      defaultExpirySec: limits.defaultExpirySec ?? 3600,
      maxSessions: limits.maxSessions ?? 16,
      maxSessionBytes: limits.maxSessionBytes ?? 2 * 1024 ** 3,
    };
    this.lastSweepMs = now();
  }

  /** Stores a session of `bytes` (its files and its decoded image); the least recently used go while over a limit. */
  create(files: readonly SessionFile[], requestedSec: number, bytes: number): MonaiSession {
    this.sweep();
    const expirySec = requestedSec > 0 ? Math.min(requestedSec, this.limits.maxExpirySec) : this.limits.defaultExpirySec;
    const session: MonaiSession = { id: randomUUID(), files, bytes, createdMs: this.now(), expirySec, lastAccessMs: this.now() };
    this.sessions.set(session.id, session);
    for (const [id] of this.sessions) {
      if (this.sessions.size <= this.limits.maxSessions && this.totalBytes() <= this.limits.maxSessionBytes) break;
      if (id !== session.id) this.sessions.delete(id);
    }
    return session;
  }

  /** A live session; `touch` slides its expiry. */
  get(id: string, touch: boolean): MonaiSession | undefined {
    this.sweep();
    const session = this.sessions.get(id);
    if (session && touch) {
      session.lastAccessMs = this.now();
      this.sessions.delete(id);
      this.sessions.set(id, session);
    }
    return session;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  clear(): void {
    this.sessions.clear();
  }

  /** The session's details as `GET /session/{id}` answers them. */
  info(session: MonaiSession): Record<string, unknown> {
    const path = `${this.root}/${session.id}`;
    return {
      name: session.id,
      path,
      image: session.files.length === 1 ? `${path}/${session.files[0]!.name}` : path,
      meta: {},
      create_ts: Math.floor(session.createdMs / 1000),
      last_access_ts: Math.floor(session.lastAccessMs / 1000),
      expiry: session.expirySec,
    };
  }

  private totalBytes(): number {
    let total = 0;
    for (const session of this.sessions.values()) total += session.bytes;
    return total;
  }

  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweepMs < this.sweepIntervalMs) return;
    this.lastSweepMs = now;
    for (const [id, session] of this.sessions) if (now >= session.lastAccessMs + session.expirySec * 1000) this.sessions.delete(id);
  }
}
