import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressView } from '../src/progress-view.js';

function sink(terminal: boolean): { stream: PassThrough; text: () => string; terminal: boolean } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, terminal, text: () => text };
}

describe('progress of concurrent calls', () => {
  it("piped: plain lines, each labelled by its call, never a second call's 23 % after the first one's 100 %", () => {
    const out = sink(false);
    const view = createProgressView(out);
    const a = view('upload ct.nii.gz');
    const b = view('segment spleen');
    a({ phase: 'upload', loaded: 0, total: 100 });
    b({ phase: 'download', loaded: 23, total: 100 });
    a({ phase: 'upload', loaded: 60, total: 100 });
    a({ phase: 'upload', loaded: 61, total: 100 });
    a({ phase: 'upload', loaded: 100, total: 100 });
    b({ phase: 'download', loaded: 100, total: 100 });
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'upload ct.nii.gz: upload 0 %',
      'segment spleen: download 23 %',
      'upload ct.nii.gz: upload 60 %',
      'upload ct.nii.gz: upload 100 %',
      'segment spleen: download 100 %',
    ]);
  });

  it('on a terminal: one bar redrawn in place per call and phase, a new line when another call reports', () => {
    const out = sink(true);
    const view = createProgressView(out);
    const a = view('upload ct.nii.gz');
    a({ phase: 'upload', loaded: 50, total: 100 });
    a({ phase: 'upload', loaded: 75, total: 100 });
    view('segment spleen')({ phase: 'download', loaded: 10, total: 100 });
    const lines = out.text().split('\n');
    expect(lines[0]).toContain('\r\u001b[2Kupload ct.nii.gz  upload  [##################......]  75 %');
    expect(lines[0]!.split('\r').length).toBe(3);
    expect(lines[1]).toContain('segment spleen  download  [##......................]  10 %');
  });

  it('without a total: the amount, in MiB for byte phases', () => {
    const out = sink(false);
    createProgressView(out)('read big.nii.gz')({ phase: 'decode', loaded: 3 * 1024 * 1024 });
    expect(out.text()).toBe('read big.nii.gz: decode 3,145,728\n');
  });
});
