import { randomUUID } from 'node:crypto';
import type { ServerLog } from './log.js';

/** A background task's record, exactly the fields MONAI Label's task JSON has. */
export interface TaskRecord {
  id: string;
  status: 'SUBMITTED' | 'RUNNING' | 'DONE' | 'ERROR' | 'STOPPED';
  request: Record<string, unknown>;
  start_ts: string;
  end_ts?: string;
  details: string[];
}

/** What a task's body gets: where to print, and a signal that a stop aborts. */
export interface TaskRun {
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** The work of one task; resolves on success, rejects (or throws) on failure. */
export type TaskBody = (request: Record<string, unknown>, run: TaskRun) => Promise<void>;

const KEEP_DETAILS = 20;
/** Task records kept for `?all=true`: the oldest go first. */
const KEEP_RECORDS = 100;

/**
 * One kind of MONAI Label background task (train, scoring, batch inference): a single worker, tasks queued
 * behind it only when asked (`enqueue`), otherwise refused while one runs; each task keeps its last 20 log
 * lines in `details`; a stop aborts the running task (`STOPPED`).
 */
export class TaskKind {
  private readonly records: TaskRecord[] = [];
  private running: { record: TaskRecord; controller: AbortController } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly name: string,
    private readonly body: TaskBody,
    private readonly log: ServerLog,
    /** Tasks that may wait behind the running one (`enqueue`); `submit` refuses more. */
    private readonly maxQueued: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Whether a task runs (or waits) now. */
  get busy(): boolean {
    return this.running !== undefined || this.waiting > 0;
  }

  /**
   * Submits a task; `'busy'` when one runs and `enqueue` is not set, `'full'` when `maxQueued` tasks wait
   * already (the server answers both with 429).
   */
  submit(request: Record<string, unknown>, enqueue: boolean): TaskRecord | 'busy' | 'full' {
    if (this.busy && !enqueue) return 'busy';
    // The first task submitted waits a moment before it runs: what counts is the tasks behind the first.
    const ahead = this.waiting + (this.running ? 1 : 0);
    if (ahead > this.maxQueued) return 'full';
    const record: TaskRecord = { id: randomUUID(), status: 'SUBMITTED', request, start_ts: timestamp(), details: [] };
    this.records.push(record);
    // Only finished tasks are forgotten: a queued or running one stays visible.
    while (this.records.length > KEEP_RECORDS && this.records[0]!.end_ts !== undefined) this.records.shift();
    this.waiting += 1;
    this.queue = this.queue.then(() => this.run(record));
    return record;
  }

  /** The latest task, or all of them. */
  latest(): TaskRecord | undefined {
    return this.records.at(-1);
  }

  all(): TaskRecord[] {
    return [...this.records];
  }

  current(): TaskRecord | undefined {
    return this.running?.record;
  }

  /** Stops the running task; `undefined` when none runs. */
  stop(): TaskRecord | undefined {
    const running = this.running;
    if (!running) return undefined;
    running.record.status = 'STOPPED';
    running.record.end_ts = timestamp();
    running.controller.abort(new Error('stopped'));
    return running.record;
  }

  /** Waits until every submitted task has ended. */
  async idle(): Promise<void> {
    await this.queue;
  }

  private async run(record: TaskRecord): Promise<void> {
    this.waiting -= 1;
    const controller = new AbortController();
    this.running = { record, controller };
    record.status = 'RUNNING';
    const print = (line: string): void => {
      record.details.push(line);
      if (record.details.length > KEEP_DETAILS) record.details.splice(0, record.details.length - KEEP_DETAILS);
      this.log.info(`[${this.name}] ${line}`);
    };
    try {
      await this.body(record.request, { log: print, signal: controller.signal });
      if (record.status === 'RUNNING') record.status = 'DONE';
    } catch (error) {
      if (record.status === 'RUNNING') {
        print(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
        record.status = 'ERROR';
      }
    } finally {
      record.end_ts ??= timestamp();
      this.running = undefined;
    }
  }
}

/** The server's local time as MONAI Label writes it: `YYYY-MM-DD HH:MM:SS`. */
function timestamp(): string {
  const d = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
