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
