import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyCounter } from './http-body.js';
import type { ResolvedLimits } from './limits.js';
import type { SessionLimits } from './sessions.js';

/** What a protocol face of the test server shares with the listener: limits, the clock and the counters. */
export interface FaceContext {
  readonly limits: ResolvedLimits;
  readonly maxSessionBytes: number;
  readonly sessionLimits: SessionLimits;
  readonly clock: () => number;
  readonly counters: BodyCounter & { requests: number; busyMs: number };
  /** AIAA: the bearer token the admin API wants, when one is set. */
  readonly adminToken: string | undefined;
}

/** One protocol's routes. */
export interface Face {
  /** Answers a request whose path is below the base path. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, method: string): Promise<void>;
  /** Answers a refusal of the listener's own (a bad request target, a busy server) in the face's error shape. */
  problem(res: ServerResponse, status: number, message: string, headers?: Readonly<Record<string, string>>): void;
  /** Live sessions. */
  sessions(): number;
  /** Drops the face's state (sessions; a temporary datastore). */
  close(): void | Promise<void>;
}
