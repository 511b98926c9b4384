import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomwebClient, DicomwebError, studyUidOf } from '@medaas/dicom';
import { retrieveSeriesToFolder } from '@medaas/dicom/node';
import { startOrthanc, type OrthancInstance } from './helpers/orthanc.js';
import { preparePacsStudy, type PacsStudy } from './helpers/pacs-data.js';

let dir: string;
let secured: OrthancInstance;
let study: PacsStudy;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medaas-dicomweb-faults-'));
  [study, secured] = await Promise.all([
    preparePacsStudy(join(dir, 'study'), { seed: 'dicomweb-faults.test' }),
    startOrthanc({ auth: true }),
  ]);
  await secured.upload(study.files);
}, 120_000);
afterAll(async () => {
  await secured?.close();
  await rm(dir, { recursive: true, force: true });
});

function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const _ of stream) {
    void _;
    n += 1;
  }
  return n;
}

/**
 * A proxy in front of the real Orthanc that forwards the answer's headers and its first `cutAfter` bytes,
 * then destroys the connection (or, with `stall`, stops sending and holds it open): a network that fails
 * midway, which a real PACS does not do on request.
 */
async function faultyProxy(target: string, fault: { cutAfter: number; stall?: boolean }): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= fault.cutAfter) return;
          const room = fault.cutAfter - sent;
          res.write(chunk.subarray(0, room));
          sent += Math.min(room, chunk.length);
          if (sent >= fault.cutAfter) {
            answer.destroy();
            if (!fault.stall) res.socket?.destroy();
          }
        });
        answer.on('end', () => res.end());
      },
    );
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('authentication', () => {
  it('works with the right credentials, and answers wrong or missing ones with DICOMWEB_UNAUTHORIZED', async () => {
    const auth = secured.auth!;
    const good = createDicomwebClient({ baseUrl: secured.dicomWebUrl, auth });
    expect((await good.searchStudies()).map(studyUidOf)).toEqual([study.studyUid]);
    const wrongPassword = 'not-the-password-42';
    const wrong = createDicomwebClient({ baseUrl: secured.dicomWebUrl, auth: { username: auth.username, password: wrongPassword } });
    const error = await settle(wrong.searchSeries(study.studyUid));
    expect(error).toBeInstanceOf(DicomwebError);
    expect(error).toMatchObject({ code: 'DICOMWEB_UNAUTHORIZED', details: { status: 401, studyUid: study.studyUid } });
    const text = JSON.stringify({
      message: (error as Error).message,
      details: (error as DicomwebError).details,
      stack: (error as Error).stack,
    });
    expect(text).not.toContain(wrongPassword);
    expect(text).not.toContain(Buffer.from(`${auth.username}:${wrongPassword}`).toString('base64'));
    const none = createDicomwebClient({ baseUrl: secured.dicomWebUrl });
    await expect(drain(none.retrieveSeries(study.studyUid, study.seriesUid))).rejects.toMatchObject({ code: 'DICOMWEB_UNAUTHORIZED' });
  });

  it('refuses credentials inside the base URL instead of sending or showing them', () => {
    expect(() => createDicomwebClient({ baseUrl: 'http://user:secret@127.0.0.1:1/dicom-web' })).toThrow(
      expect.objectContaining({ code: 'DICOMWEB_INVALID_ARGUMENT', message: expect.not.stringContaining('secret') }),
    );
  });

  it('keeps patient names of a search out of the error', async () => {
    const wrong = createDicomwebClient({ baseUrl: secured.dicomWebUrl, auth: { username: 'x', password: 'y' } });
    const error = (await settle(wrong.searchStudies({ filters: { PatientName: 'Doe^Jane' } }))) as DicomwebError;
    expect(error.code).toBe('DICOMWEB_UNAUTHORIZED');
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('Doe');
  });
});

describe('a PACS that is down', () => {
  it('gives DICOMWEB_UNREACHABLE naming the study and the path', async () => {
    const gone = await startOrthanc();
    const url = gone.dicomWebUrl;
    await gone.close();
    const client = createDicomwebClient({ baseUrl: url, retry: { retries: 1, minDelayMs: 10 } });
    const error = await settle(drain(client.retrieveSeries(study.studyUid, study.seriesUid)));
    expect(error).toBeInstanceOf(DicomwebError);
    expect(error).toMatchObject({
      code: 'DICOMWEB_UNREACHABLE',
      details: { studyUid: study.studyUid, seriesUid: study.seriesUid, errno: 'ECONNREFUSED' },
    });
    expect((error as Error).message).toContain(`study ${study.studyUid}`);
    expect((error as Error).message).toContain(`/dicom-web/studies/${study.studyUid}/series/${study.seriesUid}`);
  });
});

describe('a WADO-RS stream that breaks off', () => {
  it('gives DICOMWEB_STREAM_INTERRUPTED after the complete instances, and leaves no file under a final name', async () => {
    // About 3.5 instances of ~133 KB pass before the cut.
    const proxy = await faultyProxy(secured.dicomWebUrl, { cutAfter: 460_000 });
    try {
      const client = createDicomwebClient({ baseUrl: proxy.url, auth: secured.auth! });
      let complete = 0;
      const error = await settle(
        (async () => {
          for await (const _ of client.retrieveSeries(study.studyUid, study.seriesUid)) {
            void _;
            complete += 1;
          }
        })(),
      );
      expect(error).toMatchObject({ code: 'DICOMWEB_STREAM_INTERRUPTED', details: { seriesUid: study.seriesUid } });
      expect((error as Error).message).toContain(`series ${study.seriesUid}`);
      expect(complete).toBe(3);
      const out = join(dir, 'interrupted');
      const folderError = await settle(retrieveSeriesToFolder(client, out, { studyUid: study.studyUid, seriesUid: study.seriesUid }));
      expect(folderError).toMatchObject({ code: 'DICOMWEB_STREAM_INTERRUPTED' });
      expect(await readdir(out)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('gives DICOMWEB_TIMEOUT when the stream stalls longer than timeoutMs', async () => {
    const proxy = await faultyProxy(secured.dicomWebUrl, { cutAfter: 200_000, stall: true });
    try {
      const client = createDicomwebClient({ baseUrl: proxy.url, auth: secured.auth!, timeoutMs: 400 });
      const error = await settle(drain(client.retrieveSeries(study.studyUid, study.seriesUid)));
      expect(error).toMatchObject({ code: 'DICOMWEB_TIMEOUT', details: { timeoutMs: 400, seriesUid: study.seriesUid } });
    } finally {
      await proxy.close();
    }
  });
});
