import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaceContext } from '../face.js';
import type { MonaiRole, TokenIssuer } from './auth.js';
import type { LocalDatastore } from './datastore.js';
import type { ImageDecoder } from './images.js';
import type { ServerLog } from './log.js';
import type { ModelStore } from './model-store.js';
import type { MonaiSessionStore } from './sessions.js';
import type { TaskKind } from './tasks.js';

/** Everything the MONAI Label routes work on. */
export interface FaceState {
  readonly context: FaceContext;
  readonly datastore: LocalDatastore;
  readonly models: ModelStore;
  readonly sessions: MonaiSessionStore;
  readonly images: ImageDecoder;
  /** Present when authentication is on. */
  readonly auth: TokenIssuer | undefined;
  readonly tasks: { readonly train: TaskKind; readonly scoring: TaskKind; readonly batch: TaskKind };
  readonly log: ServerLog;
  readonly strategies: Readonly<Record<string, { readonly description: string }>>;
}

/** A route's handler: the path's match groups and the query are parsed already. */
export type Handler = (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, query: URLSearchParams) => Promise<void>;

/** One route of the MONAI Label API. */
export interface Route {
  readonly methods: readonly string[];
  readonly path: RegExp;
  /** The RBAC role the route needs when authentication is on; `undefined`: open (the auth routes). */
  readonly role: MonaiRole | undefined;
  readonly handler: Handler;
}
