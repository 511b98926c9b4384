/**
 * SSH for the medaas SDK: sessions with strict host-key checking and every auth method (keys, agent,
 * password, keyboard-interactive, jump hosts), safely quoted remote commands, Slurm/PBS/local
 * schedulers behind one public interface that other batch systems (LSF, HTCondor) can implement, 127.0.0.1
 * port-forward tunnels, verified atomic SFTP uploads, and `startAiaaServerJob` / `startMonaiLabelServerJob`,
 * which put an annotation server (AIAA v1 or MONAI Label) on a cluster node and return a local URL to it.
 *
 * @packageDocumentation
 */
export { ClusterSshError } from './errors.js';
export type { ClusterSshErrorCode } from './errors.js';
export { connectSsh } from './session.js';
export type { ConnectSshOptions, SshSession, ConnectThroughTarget } from './session.js';
export type {
  SshAuth,
  KeyAuth,
  AgentAuth,
  PasswordAuth,
  KeyboardInteractiveAuth,
  KeyboardInteractiveChallenge,
  KeyboardInteractivePrompt,
} from './auth.js';
export { verifyHostKey } from './host-key.js';
export type { HostKeyPolicy, VerifiedHostKey } from './host-key.js';
export { fingerprintOf, formatKnownHostsLine } from './known-hosts.js';
export { sh, quoteShell, shellCommand, isShellCommand, toCommandLine } from './shell.js';
export type { ShellCommand, CommandInput, ShellValue } from './shell.js';
export type { ExecOptions, ExecResult } from './exec.js';
export { isSocketTarget, describeTarget } from './tunnel.js';
export type { ForwardTarget, ForwardOptions, Tunnel, TunnelConnector } from './tunnel.js';
export type { UploadOptions, UploadResult } from './upload.js';
// Schedulers: the built-in ones, and the seam a scheduler of your own (LSF, HTCondor) plugs into.
export { createScheduler } from './scheduler.js';
export { isTerminal } from './job.js';
export type { Job, JobState, JobStatus, SchedulerKind, BuiltinSchedulerKind } from './job.js';
export { jobUmask, watchJobStatus } from './scheduler-interface.js';
export type { Scheduler, SchedulerOptions, WatchOptions, ReadOutputOptions } from './scheduler-interface.js';
export { createBatchScheduler } from './batch-scheduler.js';
export type { BatchAdapter } from './batch-adapter.js';
export { validateJobId } from './job-id.js';
export type { JobIdForm } from './job-id.js';
export { validateJobSpec, renderJobScript, formatWalltime } from './job-script.js';
export type { JobSpec } from './job-script.js';
export { localRunner } from './runner.js';
export type { CommandRunner } from './runner.js';
export { startAiaaServerJob, renderAiaaServerScript, LISTENING_MARKER, SOCKET_MARKER } from './aiaa-job.js';
export type {
  AiaaServerJob,
  AiaaServerJobOptions,
  AiaaServerCommand,
  AiaaServerTimings,
  BindMount,
  ServerListen,
  NodeAccess,
} from './aiaa-job.js';
export { startMonaiLabelServerJob, monaiLabelCommand } from './monai-label-job.js';
export type { MonaiLabelServerCommand, MonaiLabelServerJobOptions } from './monai-label-job.js';
