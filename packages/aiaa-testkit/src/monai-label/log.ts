const MAX_LINE_CHARS = 2000;

/** The server's log: the last lines, as `/logs/` serves them. */
export class ServerLog {
  private readonly lines: string[] = [];

  constructor(private readonly keep = 2000) {}

  /** Adds a line with a timestamp and level, as MONAI Label's log format has them. */
  info(message: string): void {
    this.push('INFO', message);
  }

  /** Adds an error line. */
  error(message: string): void {
    this.push('ERROR', message);
  }

  /** The last `n` lines. */
  tail(n: number): string[] {
    return this.lines.slice(-Math.max(0, n));
  }

  private push(level: string, message: string): void {
    const stamp = new Date().toISOString().replace('T', ' ').slice(0, 23);
    // Lines carry request paths and messages: each is cut at a length that keeps the kept log small.
    for (const line of message.split('\n', 100))
      this.lines.push(`[${stamp}] [${level}] (medaas-testkit) - ${line.slice(0, MAX_LINE_CHARS)}`);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }
}
