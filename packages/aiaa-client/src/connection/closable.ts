import type { CallOptions } from '@medaas/core';

/** The `close` half of a server-side resource handle (a session): idempotent, and "already gone" counts as closed. */
export interface Closable {
  /** Whether `close()` has completed. */
  readonly closed: boolean;
  close(options?: CallOptions): Promise<void>;
}

/**
 * Makes the idempotent `close()` of a server-side resource: `remove` runs once; when it fails with an error
 * that `alreadyGone` recognises (the server had dropped the resource), the handle counts as closed too; any
 * other failure leaves it open, so a later call tries again.
 */
export function closable(remove: (options: CallOptions) => Promise<void>, alreadyGone: (error: unknown) => boolean): Closable {
  let closing: Promise<void> | undefined;
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    close(options: CallOptions = {}) {
      closing ??= remove(options).then(
        () => {
          closed = true;
        },
        (error: unknown) => {
          if (alreadyGone(error)) {
            closed = true;
            return;
          }
          closing = undefined;
          throw error;
        },
      );
      return closing;
    },
  };
}

/** A server-side session as both protocols hand it out: its id, what the server said of it, and `close()`. */
export interface SessionHandle<Info> extends Closable, AsyncDisposable {
  readonly id: string;
  readonly info: Info;
}

/**
 * Makes a session handle: `close()` as {@link closable} makes it, `await using` closes it, and `brand` marks
 * it (a registered symbol, so that a duplicate install of the package still recognises it).
 */
export function sessionHandle<Info>(
  brand: symbol,
  id: string,
  info: Info,
  remove: (id: string, options: CallOptions) => Promise<void>,
  alreadyGone: (error: unknown) => boolean,
): SessionHandle<Info> {
  const state = closable((options) => remove(id, options), alreadyGone);
  const handle: SessionHandle<Info> = {
    id,
    info,
    get closed() {
      return state.closed;
    },
    close: (options?: CallOptions) => state.close(options),
    [Symbol.asyncDispose]() {
      return handle.close();
    },
  };
  Object.defineProperty(handle, brand, { value: true });
  return handle;
}
