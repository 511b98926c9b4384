// Slow and idle clients: connections that send their headers a byte at a time and connections that send
// nothing, held open while ordinary requests keep coming. The server must keep serving the others.
import { connect } from 'node:net';
import { healthy, startServer, Tally } from './lib.mjs';

export async function runSlowClients({ slow = 100, idle = 100, seconds = 12 } = {}) {
  const server = await startServer(['--protocol', 'aiaa']);
  const tally = new Tally('slow and idle clients');
  const sockets = [];
  const timers = [];
  try {
    for (let i = 0; i < idle; i += 1) sockets.push(connect(server.port, '127.0.0.1').on('error', () => undefined));
    for (let i = 0; i < slow; i += 1) {
      const socket = connect(server.port, '127.0.0.1').on('error', () => undefined);
      sockets.push(socket);
      const text = `POST /v1/segmentation?model=segmentation_threshold HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'p'.repeat(10_000)}\r\n`;
      let at = 0;
      timers.push(setInterval(() => at < text.length && socket.writable && socket.write(text[at++]), 200));
    }
    const until = Date.now() + seconds * 1000;
    let served = 0;
    let failed = 0;
    while (Date.now() < until) {
      if (await healthy(server.port, '/v1/models')) served += 1;
      else failed += 1;
    }
    tally.add(
      failed === 0 ? 'typed' : 'hangs',
      `${served} requests served, ${failed} not, beside ${slow} slow and ${idle} idle connections`,
    );
    tally.servedUnderAttack = served;
    tally.peakServerMb = server.peakRssMb();
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
  return tally;
}

/** A raw .nii of 256^3 int16 (32 MiB of voxels) made from a small file's header. */
export async function bigNifti(raw) {
  const { patchHeader } = await import('./nifti-inputs.mjs');
  const header = patchHeader(raw.subarray(0, 352), { dims: [256, 256, 256], datatype: 4, bitpix: 16, voxOffset: 352 });
  return Buffer.concat([header, Buffer.alloc(256 * 256 * 256 * 2, 0x11)]);
}

/** Concurrent sessions of 32 MiB volumes: memory stays bounded (uploads take turns), every upload gets an answer. */
export async function runConcurrentSessions({ concurrent = 16, nifti }) {
  const { multipart, httpRequest, rawRequest } = await import('./lib.mjs');
  const server = await startServer(['--protocol', 'aiaa']);
  const tally = new Tally('concurrent sessions');
  try {
    const { body, contentType } = multipart([
      { name: 'params', value: '{}' },
      { name: 'image', fileName: 'image.nii', data: nifti },
    ]);
    const request = httpRequest('PUT', '/session/', { headers: { 'Content-Type': contentType }, body });
    const replies = await Promise.all(Array.from({ length: concurrent }, () => rawRequest(server.port, request, { timeoutMs: 60_000 })));
    for (const reply of replies) {
      const ok = reply.status === 200 || (reply.status >= 400 && reply.status < 500) || reply.status === 503;
      tally.add(reply.hung ? 'hangs' : ok ? 'typed' : 'untyped', `session upload -> ${reply.status} ${reply.body.slice(0, 100)}`);
    }
    tally.accepted = replies.filter((r) => r.status === 200).length;
    tally.limits = `${concurrent} concurrent ${(nifti.length / 2 ** 20).toFixed(0)} MiB uploads; the server decodes 2 at a time (limits.maxConcurrentUploads) and keeps at most 2048 MiB of sessions (sessions.maxSessionBytes)`;
    tally.peakServerMb = server.peakRssMb();
  } finally {
    await server.stop();
  }
  return tally;
}
