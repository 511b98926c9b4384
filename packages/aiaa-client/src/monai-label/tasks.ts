import { isMedaasError, sleep, withCallScope, type CallOptions } from '@medaas/core';
import { jsonBody } from '../connection/body.js';
import { AiaaError } from '../errors.js';
import { checkId, jsonOf, withClientId, type MonaiLabelContext } from './context.js';
import { asRecord, stringOr } from './json.js';

/** The states of a MONAI Label background task; an unknown state from a newer server is kept as sent. */
export type MonaiLabelTaskState = 'SUBMITTED' | 'RUNNING' | 'DONE' | 'ERROR' | 'STOPPED';

/** A background task (training, scoring, batch inference) as the server reports it. */
export interface MonaiLabelTaskStatus {
  readonly id: string;
  readonly status: MonaiLabelTaskState | (string & {});
  /** The server's local time, `YYYY-MM-DD HH:MM:SS`. */
  readonly startTs: string | undefined;
  readonly endTs: string | undefined;
  /** The task's last log lines (the server keeps 20). */
  readonly details: readonly string[];
  /** The request the task runs with (model, overrides). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Whether a task has ended. */
export function isTaskFinished(task: MonaiLabelTaskStatus): boolean {
  return task.status === 'DONE' || task.status === 'ERROR' || task.status === 'STOPPED';
}

/** Options of starting a task. */
export interface StartTaskOptions extends CallOptions {
  /** Request fields: for training, overrides of the trainer's config (`max_epochs`, `val_split`, `multi_gpu`, ...). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Queue behind a running task instead of being refused with 429 (`enqueue=true`; training only). */
  readonly enqueue?: boolean;
  /** Run to the end before answering (`run_sync=true`). */
  readonly runSync?: boolean;
}

/** Options of waiting for a task. */
export interface WaitForTaskOptions extends CallOptions {
  /** Time between status polls. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Every status polled, e.g. to show the last log line. */
  readonly onStatus?: (task: MonaiLabelTaskStatus) => void;
}

/** The three calls of one kind of background task. */
export interface TaskCalls {
  /**
   * Starts a task.
   *
   * @throws {AiaaError} `AIAA_BUSY` (429) when one of this kind already runs and `enqueue` is not set.
   */
  start(name: string, options?: StartTaskOptions, query?: Readonly<Record<string, string>>): Promise<MonaiLabelTaskStatus>;
  /** The latest task of this kind, or `undefined` when none ever ran (the server's 404). */
  status(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /** Every task of this kind the server remembers. */
  all(options?: CallOptions): Promise<MonaiLabelTaskStatus[]>;
  /** Whether one is running now (`check_if_running=true`: 200 when running, 404 when not). */
  running(options?: CallOptions): Promise<boolean>;
  /** Stops the running task; `undefined` when none was running (the server's `null`). */
  stop(options?: CallOptions): Promise<MonaiLabelTaskStatus | undefined>;
  /** Polls the latest task until it has finished (DONE, ERROR or STOPPED) and returns its last status. */
  wait(options?: WaitForTaskOptions): Promise<MonaiLabelTaskStatus>;
}

/** Decodes a task status. */
export function parseTaskStatus(value: unknown, operation: string): MonaiLabelTaskStatus {
  const raw = asRecord(value);
  if (!raw || typeof raw['id'] !== 'string' || typeof raw['status'] !== 'string') {
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: expected a task status with "id" and "status"`, { details: { operation } });
  }
  const details = Array.isArray(raw['details'])
    ? raw['details'].map((line) => String(line))
    : typeof raw['details'] === 'string'
      ? [raw['details']]
      : [];
  return {
    id: raw['id'],
    status: raw['status'],
    startTs: stringOr(raw['start_ts'], undefined),
    endTs: stringOr(raw['end_ts'], undefined),
    details,
    request: asRecord(raw['request']) ?? {},
    raw,
  };
}

/**
 * The calls of one kind of MONAI Label background task: `train` (`/train/`), `scoring` (`/scoring/`) or
 * `batch_infer` (`/batch/infer`). Each kind runs one task at a time on the server.
 */
export function taskCalls(context: MonaiLabelContext, kind: 'train' | 'scoring' | 'batch_infer'): TaskCalls {
  const base = kind === 'train' ? '/train/' : kind === 'scoring' ? '/scoring/' : '/batch/infer';
  const label = kind === 'train' ? 'training' : kind === 'scoring' ? 'scoring' : 'batch inference';
  const notFound = (error: unknown): boolean => isMedaasError(error, 'AIAA_HTTP_STATUS') && error.details['status'] === 404;
  const get = async (operation: string, query: Record<string, string | undefined>, options: CallOptions): Promise<unknown> =>
    jsonOf(await context.send({ operation, method: 'GET', path: base, query, idempotent: true, ...options }, 'metadata'), operation);

  const calls: TaskCalls = {
    async start(name, options = {}, extraQuery = {}) {
      const { params, enqueue, runSync, ...call } = options;
      const operation = `start ${label}`;
      checkId(name, 'name', operation);
      const path = `${base.replace(/\/$/, '')}/${encodeURIComponent(name)}`;
      // Training takes the client id like MONAI Label's own client sends it; the other kinds take plain params.
      const body = kind === 'train' ? withClientId(context, params) : { ...params };
      try {
        const reply = await context.send(
          {
            operation,
            method: 'POST',
            path,
            query: { ...extraQuery, enqueue: enqueue ? 'true' : undefined, run_sync: runSync ? 'true' : undefined },
            body: jsonBody(body),
            idempotent: false,
            ...call,
          },
          runSync ? 'model' : 'metadata',
        );
        return parseTaskStatus(jsonOf(reply, operation), operation);
      } catch (error) {
        if (isMedaasError(error, 'AIAA_BUSY')) {
          throw new AiaaError(
            'AIAA_BUSY',
            `${operation}: a ${label} task is already running on the server (HTTP 429); wait for it, stop it, or pass enqueue`,
            {
              details: { ...error.details },
              cause: error,
            },
          );
        }
        throw error;
      }
    },

    async status(options = {}) {
      try {
        return parseTaskStatus(await get(`${label} status`, {}, options), `${label} status`);
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },

    async all(options = {}) {
      try {
        const value = await get(`${label} tasks`, { all: 'true' }, options);
        if (!Array.isArray(value))
          throw new AiaaError('AIAA_INVALID_RESPONSE', `${label} tasks: expected a JSON array`, {
            details: { operation: `${label} tasks` },
          });
        return value.map((item) => parseTaskStatus(item, `${label} tasks`));
      } catch (error) {
        if (notFound(error)) return [];
        throw error;
      }
    },

    async running(options = {}) {
      try {
        await get(`${label} running`, { check_if_running: 'true' }, options);
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw error;
      }
    },

    async stop(options = {}) {
      const operation = `stop ${label}`;
      const value = jsonOf(
        await context.send({ operation, method: 'DELETE', path: base, idempotent: true, ...options }, 'metadata'),
        operation,
      );
      return value === null || (asRecord(value) && Object.keys(value as object).length === 0)
        ? undefined
        : parseTaskStatus(value, operation);
    },

    wait(options = {}) {
      const { pollIntervalMs = 1000, onStatus, ...call } = options;
      return withCallScope(`wait for ${label}`, { signal: call.signal, timeoutMs: call.timeoutMs ?? Infinity }, async (signal) => {
        for (;;) {
          const task = await calls.status({ signal });
          if (!task)
            throw new AiaaError('AIAA_HTTP_STATUS', `wait for ${label}: the server has no ${label} task`, { details: { status: 404 } });
          onStatus?.(task);
          if (isTaskFinished(task)) return task;
          await sleep(pollIntervalMs, { signal });
        }
      });
    },
  };
  return calls;
}
