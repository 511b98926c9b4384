/**
 * The exit codes of `medaas`, documented in the package README. Scripts can rely on them: they do not change
 * within a major version.
 */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command failed; the line on stderr gives the error's code and message. */
  failed: 1,
  /** The command line was wrong (unknown flag, missing argument, bad value, bad config file). */
  usage: 2,
  /** A check ran and found problems (`medaas mmar validate` with errors). */
  findings: 3,
  /** Interrupted by Ctrl-C (SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
