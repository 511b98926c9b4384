import { MedaasError } from '@medaas/core';

/**
 * Every failure code of `@medaas/cluster-ssh`. `SSH_*` codes come from sessions, commands, tunnels
 * and uploads; `SCHED_*` codes from schedulers and AIAA server jobs.
 */
export type ClusterSshErrorCode =
  | 'SSH_INVALID_ARGUMENT'
  | 'SSH_CONNECT_FAILED'
  | 'SSH_HOST_KEY_UNKNOWN'
  | 'SSH_HOST_KEY_MISMATCH'
  | 'SSH_HOST_KEY_REVOKED'
  | 'SSH_KNOWN_HOSTS_INVALID'
  | 'SSH_AUTH_FAILED'
  | 'SSH_CONNECTION_LOST'
  | 'SSH_SESSION_CLOSED'
  | 'SSH_CHANNEL_FAILED'
  | 'SSH_COMMAND_FAILED'
  | 'SSH_TUNNEL_REFUSED'
  | 'SSH_TUNNEL_CLOSED'
  | 'SSH_PATH_ESCAPE'
  | 'SSH_UPLOAD_FAILED'
  | 'SSH_UPLOAD_VERIFY_FAILED'
  | 'SCHED_INVALID_SPEC'
  | 'SCHED_SUBMIT_FAILED'
  | 'SCHED_STATUS_FAILED'
  | 'SCHED_CANCEL_FAILED'
  | 'SCHED_JOB_UNKNOWN'
  | 'SCHED_PARSE_FAILED'
  | 'SCHED_JOB_ENDED'
  | 'SCHED_SERVER_UNREACHABLE'
  | 'SCHED_INVALID_JOB_ID'
  | 'SSH_REMOTE_DISK_FULL';

/**
 * The error every function of `@medaas/cluster-ssh` throws, with a literal `code`, context in
 * `details` (host, port, job id, remote path...) and secrets redacted.
 *
 * @example
 * ```ts
 * try {
 *   await connectSsh(options);
 * } catch (error) {
 *   if (isMedaasError(error, 'SSH_HOST_KEY_MISMATCH')) alert('The cluster presented a different host key!');
 *   throw error;
 * }
 * ```
 */
export class ClusterSshError extends MedaasError<ClusterSshErrorCode> {}
