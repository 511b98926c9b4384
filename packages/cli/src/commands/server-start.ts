import { startAiaaServerJob, type AiaaServerJob } from '@medaas/cluster-ssh';
import { startTestServer } from '@medaas/aiaa-testkit';
import { defineCommand, type CommandContext } from '../command.js';
import { JOB_OPTIONS, SSH_OPTIONS, jobOptions, openCluster } from '../cluster-options.js';
import { CliError } from '../errors.js';
import { testkitBin } from '../testkit-bins.js';
import { flagOption, jsonCommand, numberOption, stringOption } from '../values.js';

/** `medaas server start`: an annotation server to point a viewer at, until Ctrl-C. */
export const serverStart = defineCommand({
  name: ['server', 'start'],
  summary: 'start an annotation server (the GPU-free testkit, or AIAA / MONAI Label as a Slurm, PBS or local job) and print its URL',
  usage: '[--testkit] [--command JSON] [options]',
  description: [
    'Without --command: the testkit server (classical algorithms, no GPU) runs in this process on 127.0.0.1.',
    'With --command: that server runs as a batch job (--scheduler slurm|pbs over --ssh, or local), "{port}" in',
    'the command marks its port; the job is tunnelled to 127.0.0.1 here. The first line on stdout is the URL',
    '(with --json, a JSON object with url, protocol and job). The server runs until Ctrl-C or SIGTERM, which',
    'closes the tunnel and cancels the job (exit 130 or 143).',
  ].join('\n'),
  positionals: { min: 0, max: 0 },
  options: {
    protocol: { type: 'string', placeholder: 'aiaa|monai-label', description: 'what the server speaks (default aiaa)' },
    testkit: {
      type: 'boolean',
      description: 'the testkit server (the default without --command); with --scheduler local it runs as a local job',
    },
    command: {
      type: 'string',
      placeholder: 'JSON',
      description: 'the server command on the cluster as a JSON array, "{port}" marks the port',
    },
    port: { type: 'string', placeholder: 'N', description: "the testkit's port here, or a fixed port for the job (default: a free one)" },
    ...SSH_OPTIONS,
    ...JOB_OPTIONS,
  },
  examples: [
    'medaas server start --protocol monai-label',
    'medaas server start --ssh ana@login.hpc.example --known-hosts ~/.ssh/known_hosts --partition gpu --gpus 1 \\\n    --command \'["monailabel","start_server","--app","/apps/radiology","--studies","/project/datastore","--port","{port}"]\' --protocol monai-label',
  ],
  async run(context) {
    const protocol = stringOption(context, 'protocol') ?? 'aiaa';
    if (protocol !== 'aiaa' && protocol !== 'monai-label')
      throw new CliError('CLI_USAGE', `--protocol must be aiaa or monai-label, not "${protocol}"`);
    const port = numberOption(context, 'port', { integer: true, min: 0, max: 65535 });
    const commandText = stringOption(context, 'command');
    const asJob =
      commandText !== undefined || stringOption(context, 'scheduler') !== undefined || stringOption(context, 'ssh') !== undefined;
    if (!asJob) {
      const server = await startTestServer({ protocol, host: '127.0.0.1', port: port ?? 0 });
      try {
        announce(context, { url: server.url, protocol, job: null });
        await untilAborted(context.signal);
      } finally {
        await server.close();
      }
      throw context.signal.reason;
    }
    if (flagOption(context, 'testkit') && commandText) throw new CliError('CLI_USAGE', '--testkit and --command exclude each other');
    const command = commandText ? jsonCommand(commandText, '--command', '["monailabel","start_server","--port","{port}"]') : undefined;
    await using cluster = await openCluster(context);
    if (!command && cluster.session)
      throw new CliError('CLI_USAGE', 'on a cluster, name the server with --command (the testkit runs on this machine only)');
    const job: AiaaServerJob = await startAiaaServerJob(cluster.scheduler, {
      protocol,
      server: {
        command: command ?? [
          process.execPath,
          testkitBin('server'),
          ...(protocol === 'aiaa' ? ['--protocol', 'aiaa'] : ['--protocol', 'monai-label']),
          '--port',
          '{port}',
        ],
      },
      ...(port ? { port } : {}),
      job: { name: `medaas-${protocol}-server`, ...jobOptions(context) },
      timeoutMs: 600_000,
      signal: context.signal,
      onProgress: context.progress(`server job on ${cluster.where}`),
    });
    try {
      announce(context, { url: job.url, protocol, job: { id: job.job.id, node: job.remote.host } });
      await untilAborted(context.signal);
    } finally {
      await job.close();
    }
    throw context.signal.reason;
  },
});

/** The URL goes out at once (a script reads the first line), not when the command ends. */
function announce(context: CommandContext, what: { url: string; protocol: string; job: { id: string; node: string } | null }): void {
  context.io.stdout.write(context.json ? `${JSON.stringify(what)}\n` : `${what.url}\n`);
  if (!context.json)
    context.note(`serving ${what.protocol} at ${what.url}${what.job ? ` (job ${what.job.id} on ${what.job.node})` : ''}; Ctrl-C stops it`);
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
