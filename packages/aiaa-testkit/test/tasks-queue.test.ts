import { expect, it } from 'vitest';
import { ServerLog } from '../src/monai-label/log.js';
import { TaskKind } from '../src/monai-label/tasks.js';

it('a task kind queues at most maxQueued tasks behind the running one, and keeps at most 100 finished records', async () => {
  let finish = (): void => undefined;
  const blocker = new Promise<void>((resolve) => (finish = resolve));
  const log = new ServerLog();
  const kind = new TaskKind('train', () => blocker, log, 1);
  const running = kind.submit({ n: 1 }, false);
  expect(running).toMatchObject({ status: 'SUBMITTED' });
  expect(kind.submit({ n: 2 }, false)).toBe('busy');
  const queued = kind.submit({ n: 3 }, true);
  expect(queued).toMatchObject({ status: 'SUBMITTED' });
  expect(kind.submit({ n: 4 }, true)).toBe('full');
  finish();
  await kind.idle();
  expect(kind.all().map((r) => r.status)).toEqual(['DONE', 'DONE']);

  const quick = new TaskKind('scoring', async () => undefined, log, 8);
  for (let i = 0; i < 150; i += 1) {
    expect(quick.submit({ i }, false)).not.toBe('busy');
    await quick.idle();
  }
  expect(quick.all()).toHaveLength(100);
  expect(quick.latest()?.request).toEqual({ i: 149 });
});
