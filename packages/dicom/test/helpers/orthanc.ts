import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../../scripts/services/orthanc.sh', import.meta.url));

/** A running Orthanc (DICOMweb plugin) of one test file, as scripts/services/orthanc.sh started it. */
export interface OrthancInstance {
  /** The REST root, e.g. `http://127.0.0.1:41234` (Orthanc's own API: /system, /instances, /studies...). */
  readonly url: string;
  /** The DICOMweb root, `${url}/dicom-web` (QIDO-RS, WADO-RS, STOW-RS). */
  readonly dicomWebUrl: string;
  /** HTTP Basic credentials, when started with `auth: true`. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Its DIMSE port (AE title ORTHANC; storescu from 127.0.0.1 as AE STORESCU is accepted). */
  readonly dicomPort: number;
  /** Stores DICOM files through Orthanc's REST API (POST /instances), independently of the DICOMweb client. */
  upload(files: readonly string[]): Promise<void>;
  /** Stops the instance and removes its storage. Idempotent. */
  close(): Promise<void>;
}

interface Facts {
  readonly name: string;
  readonly url: string;
  readonly dicomWebUrl: string;
  readonly dicomPort: number;
  readonly auth: { readonly username: string; readonly password: string } | null;
}

/**
 * Starts a private Orthanc for the calling test file: free ports, its own empty storage, owned by this
 * process (a later start purges it if the process died without closing it). Tests run in parallel workers;
 * a private instance means no test sees another file's studies. About 0.5 s to start, 3 s to close.
 * A failure to start rejects (never skips): the PACS is part of what the tests need.
 */
export async function startOrthanc(options: { auth?: boolean } = {}): Promise<OrthancInstance> {
  const name = `t${process.pid}-${randomBytes(4).toString('hex')}`;
  const args = [script, 'start', '--name', name, '--port', 'auto', '--dicom-port', 'auto', '--owner', String(process.pid), '--json'];
  if (options.auth) args.push('--auth');
  const { stdout } = await run('bash', args, { timeout: 280_000, encoding: 'utf8' });
  const facts = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Facts;
  const authHeader = facts.auth
    ? { authorization: `Basic ${Buffer.from(`${facts.auth.username}:${facts.auth.password}`).toString('base64')}` }
    : undefined;
  let closed: Promise<void> | undefined;
  return {
    url: facts.url,
    dicomWebUrl: facts.dicomWebUrl,
    dicomPort: facts.dicomPort,
    ...(facts.auth ? { auth: { username: facts.auth.username, password: facts.auth.password } } : {}),
    async upload(files) {
      for (const file of files) {
        const body = await readFile(file);
        const response = await fetch(`${facts.url}/instances`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/dicom', ...authHeader },
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`Orthanc refused ${file}: HTTP ${response.status} ${text}`);
      }
    },
    close() {
      closed ??= run('bash', [script, 'stop', '--name', name, '--purge'], { timeout: 60_000 }).then(() => undefined);
      return closed;
    },
  };
}
