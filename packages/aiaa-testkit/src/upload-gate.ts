import { HttpProblem } from './errors.js';

/** Seconds a refused upload is told to wait before trying again. */
const RETRY_AFTER_SEC = 5;

/**
 * Turns for uploads: at most `concurrent` multipart requests are read, decoded and computed at once, so
 * that their bodies and decoded images bound the server's memory. Others wait in order, at most `maxQueued`
 * of them and each at most `waitMs`; beyond that an upload is answered 503 with `Retry-After`, as a busy
 * server answers (uvicorn's `--limit_concurrency`). A waiting upload's body is not read meanwhile: TCP
 * holds it back at the client.
 */
export class UploadGate {
  private running = 0;
  private readonly waiting: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly concurrent: number,
    private readonly maxQueued: number,
    private readonly waitMs: number,
  ) {}

  /** Uploads being served now. */
  get active(): number {
    return this.running;
  }

  /** Uploads waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Waits for a turn and returns its release (idempotent). A wait ends early when `gone` fires (the client
   * hung up): its place in the queue is given up, and the promise rejects with `gone.reason`.
   *
   * @throws {HttpProblem} 503 with `Retry-After` when the queue is full or the wait timed out.
   */
  async acquire(gone?: AbortSignal): Promise<() => void> {
    if (this.running < this.concurrent) {
      this.running += 1;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxQueued)
      throw this.busy(
        `${this.running} uploads are being processed and ${this.waiting.length} wait (limits.maxConcurrentUploads, maxQueuedUploads)`,
      );
    await new Promise<void>((resolve, reject) => {
      const leave = (error: unknown): void => {
        clearTimeout(entry.timer);
        gone?.removeEventListener('abort', onGone);
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(error);
      };
      const onGone = (): void => leave(gone?.reason);
      const entry = {
        grant: () => {
          clearTimeout(entry.timer);
          gone?.removeEventListener('abort', onGone);
          resolve();
        },
        timer: setTimeout(
          () => leave(this.busy(`no turn for this upload within ${this.waitMs} ms (limits.uploadQueueTimeoutMs)`)),
          this.waitMs,
        ),
      };
      this.waiting.push(entry);
      gone?.addEventListener('abort', onGone, { once: true });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The turn passes straight to the next upload waiting, so the count never drops below the queue's need.
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.running -= 1;
    };
  }

  private busy(why: string): HttpProblem {
    return new HttpProblem(503, `the server is busy: ${why}; try again in ${RETRY_AFTER_SEC} s`, {
      'retry-after': String(RETRY_AFTER_SEC),
    });
  }
}
