import { basename } from 'node:path';
import { connectSsh } from '@medaas/cluster-ssh';
import { defineCommand } from '../command.js';
import { SSH_OPTIONS, sshConnectOptions } from '../cluster-options.js';
import { CliError } from '../errors.js';
import { existingInput, flagOption } from '../values.js';

/** `medaas upload LOCAL REMOTE --ssh ...`: a verified, resumable SFTP upload of a file or a folder. */
export const upload = defineCommand({
  name: ['upload'],
  summary: 'upload a file or folder to the cluster over SFTP: verified by checksum, resumed after a dropped connection',
  usage: '<local-path> <remote-path> --ssh USER@HOST --known-hosts FILE',
  description: [
    "Each file is written under a temporary name beside its target, checked against the server's SHA-256 (or",
    'BLAKE2b) of its segments, and renamed into place; new folders are 0700 and files 0600. A dropped connection',
    'is reconnected and the file resumed; a run stopped by a lost connection is resumed by the next run of the same',
    'upload. Ctrl-C removes the temporary file. Paths with .. and symlinks leading outside are refused.',
  ].join('\n'),
  positionals: { min: 2, max: 2 },
  options: {
    ...SSH_OPTIONS,
    'no-overwrite': { type: 'boolean', description: 'fail instead of replacing an existing remote file' },
  },
  examples: ['medaas upload ./project/imagesTr /scratch/ana/project/imagesTr --ssh ana@login.hpc.example --known-hosts ~/.ssh/known_hosts'],
  async run(context) {
    const local = await existingInput(context, context.args[0]!, 'any');
    const remote = context.args[1]!;
    const connect = sshConnectOptions(context);
    if (!connect) throw new CliError('CLI_USAGE', 'upload needs --ssh USER@HOST and --known-hosts FILE');
    await using session = await connectSsh({ ...connect, signal: context.signal });
    const result = await session.upload(local, remote, {
      signal: context.signal,
      overwrite: !flagOption(context, 'no-overwrite'),
      onProgress: context.progress(`upload ${basename(local)}`),
    });
    return {
      data: result,
      lines: [
        `uploaded ${result.files.length} file${result.files.length === 1 ? '' : 's'} (${result.bytes.toLocaleString('en')} bytes) to ${result.remotePath}, verified by ${result.checksum.tool} (${result.checksum.algorithm})${result.resumedBytes ? `; ${result.resumedBytes.toLocaleString('en')} bytes resumed` : ''}${result.reconnects ? `; ${result.reconnects} reconnect${result.reconnects === 1 ? '' : 's'}` : ''}`,
      ],
    };
  },
});
