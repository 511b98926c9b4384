import { connectSsh, createScheduler, type ConnectSshOptions, type Scheduler, type SshSession } from '@medaas/cluster-ssh';
import type { CommandContext, OptionSpec } from './command.js';
import { CliError } from './errors.js';
import { listOption, resolvePath, stringOption } from './values.js';

/** The options that reach a cluster: the login node, jump hosts, key and known_hosts. */
export const SSH_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ssh: { type: 'string', placeholder: 'USER@HOST[:PORT]', description: 'the login node' },
  via: { type: 'string', multiple: true, placeholder: 'USER@HOST[:PORT]', description: 'a jump host, in order' },
  key: {
    type: 'string',
    placeholder: 'FILE',
    description: 'private key, its passphrase from MEDAAS_KEY_PASSPHRASE (default: the ssh-agent at SSH_AUTH_SOCK)',
  },
  'known-hosts': {
    type: 'string',
    placeholder: 'FILE',
    description: "OpenSSH known_hosts with the hosts' keys (required: host keys are always verified)",
  },
};

/** The options that choose and shape a batch job. */
export const JOB_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  scheduler: { type: 'string', placeholder: 'local|slurm|pbs', description: 'the batch system (default: slurm with --ssh, else local)' },
  'scheduler-bin': { type: 'string', placeholder: 'DIR', description: 'where sbatch/qsub are on the login node, when not on its PATH' },
  partition: { type: 'string', placeholder: 'NAME', description: 'partition (Slurm) or queue (PBS)' },
  account: { type: 'string', placeholder: 'NAME', description: 'account to charge' },
  walltime: { type: 'string', placeholder: 'MINUTES', description: 'walltime of the job (default 60)' },
  gpus: { type: 'string', placeholder: 'N', description: 'GPUs of the job' },
  module: { type: 'string', multiple: true, placeholder: 'NAME', description: 'environment module to load in the job' },
};

/** `USER@HOST[:PORT]`. */
export function parseTarget(text: string, flag: string): { host: string; port: number; username: string } {
  const match = /^([^@\s]+)@([^:\s@]+)(?::(\d{1,5}))?$/.exec(text);
  const port = Number(match?.[3] ?? 22);
  if (!match || port < 1 || port > 65535) throw new CliError('CLI_USAGE', `${flag} must be USER@HOST[:PORT], not "${text}"`);
  return { username: match[1]!, host: match[2]!, port };
}

/** The SSH connection options the flags describe, or undefined without `--ssh`. */
export function sshConnectOptions(context: CommandContext): ConnectSshOptions | undefined {
  const ssh = stringOption(context, 'ssh');
  if (!ssh) {
    for (const flag of ['via', 'key', 'known-hosts'] as const)
      if (listOption(context, flag).length > 0) throw new CliError('CLI_USAGE', `--${flag} needs --ssh`);
    return undefined;
  }
  const knownHosts = stringOption(context, 'known-hosts');
  if (!knownHosts) throw new CliError('CLI_USAGE', '--ssh needs --known-hosts FILE: host keys are always verified');
  const key = stringOption(context, 'key');
  if (!key && !context.io.env['SSH_AUTH_SOCK'])
    throw new CliError('CLI_USAGE', '--ssh needs --key FILE, or a running ssh-agent (SSH_AUTH_SOCK)');
  // A key's passphrase is a secret: never a flag (it would show in `ps` and shell history), only the
  // environment, and never echoed.
  const passphrase = context.io.env['MEDAAS_KEY_PASSPHRASE'];
  const auth = key
    ? ({ type: 'key', privateKeyFile: resolvePath(context, key), ...(passphrase ? { passphrase } : {}) } as const)
    : ({ type: 'agent', socket: context.io.env['SSH_AUTH_SOCK']! } as const);
  const hostKey = { knownHostsFile: resolvePath(context, knownHosts) };
  // Jump hosts nest from the first to the last: each is reached through the one before it.
  let via: ConnectSshOptions | undefined;
  for (const hop of listOption(context, 'via')) via = { ...parseTarget(hop, '--via'), auth, hostKey, ...(via ? { via } : {}) };
  return { ...parseTarget(ssh, '--ssh'), auth, hostKey, ...(via ? { via } : {}) };
}

/** A connected cluster: its scheduler and the SSH session (none for the local scheduler). */
export interface ClusterConnection extends AsyncDisposable {
  readonly scheduler: Scheduler;
  readonly session: SshSession | undefined;
  /** Where the jobs run, for messages: `ana@login:22 (slurm)`. */
  readonly where: string;
}

/** Opens the scheduler the flags name: over SSH with `--ssh`, else on this machine. */
export async function openCluster(context: CommandContext): Promise<ClusterConnection> {
  const connect = sshConnectOptions(context);
  const kind = stringOption(context, 'scheduler') ?? (connect ? 'slurm' : 'local');
  if (kind !== 'local' && kind !== 'slurm' && kind !== 'pbs')
    throw new CliError('CLI_USAGE', `--scheduler must be local, slurm or pbs, not "${kind}"`);
  if (kind === 'local' && connect)
    throw new CliError('CLI_USAGE', '--scheduler local runs jobs on this machine: drop --ssh, or name slurm or pbs');
  const binDir = stringOption(context, 'scheduler-bin');
  const session = connect ? await connectSsh({ ...connect, signal: context.signal }) : undefined;
  const scheduler = createScheduler(kind, session, binDir ? { binDir } : {});
  return {
    scheduler,
    session,
    where: `${session ? `${session.username}@${session.host}:${session.port}` : 'this machine'} (${kind})`,
    [Symbol.asyncDispose]: async () => session?.close(),
  };
}

/** The job options the flags give: partition, account, walltime, GPUs, modules. */
export function jobOptions(context: CommandContext): {
  partition?: string;
  account?: string;
  walltimeSec: number;
  gpus?: number;
  modules: readonly string[];
} {
  const minutes = Number(stringOption(context, 'walltime') ?? 60);
  if (!Number.isInteger(minutes) || minutes <= 0)
    throw new CliError('CLI_USAGE', `--walltime must be a whole number of minutes, not "${stringOption(context, 'walltime')}"`);
  const gpusText = stringOption(context, 'gpus');
  const gpus = gpusText === undefined ? undefined : Number(gpusText);
  if (gpus !== undefined && (!Number.isInteger(gpus) || gpus < 0))
    throw new CliError('CLI_USAGE', `--gpus must be a whole number, not "${gpusText}"`);
  const partition = stringOption(context, 'partition');
  const account = stringOption(context, 'account');
  return {
    ...(partition ? { partition } : {}),
    ...(account ? { account } : {}),
    walltimeSec: minutes * 60,
    ...(gpus ? { gpus } : {}),
    modules: listOption(context, 'module'),
  };
}
