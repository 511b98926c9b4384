import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readNifti } from '@medaas/nifti-io';
import { DEMO_SPHERES } from '../src/demo-phantom.js';

it.each(['aiaa', 'monai-label'])(
  'node examples/viewer/serve.mjs --protocol %s builds, starts the testkit and the viewer on 127.0.0.1, and prints a URL that works',
  async (protocol) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../serve.mjs', import.meta.url)), '--protocol', protocol], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = /Viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (match) resolve(match[1]!);
        };
        child.stdout.on('data', check);
        child.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
      });
      expect(output).toContain(protocol === 'aiaa' ? 'AIAA testkit: http://127.0.0.1:' : 'MONAI Label testkit: http://127.0.0.1:');
      expect(await (await fetch(url)).text()).toContain('<canvas id="canvas"');
      const script = await fetch(new URL('viewer.js', url));
      expect(script.headers.get('content-type')).toContain('javascript');
      const mask = await fetch(new URL('api/deepgrow', url), {
        method: 'POST',
        body: JSON.stringify({ foreground: [DEMO_SPHERES.isolated.center] }),
      });
      expect(mask.status).toBe(200);
      expect((await readNifti(new Uint8Array(await mask.arrayBuffer()))).dims).toEqual([72, 64, 44]);
    } finally {
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
    }
  },
);
