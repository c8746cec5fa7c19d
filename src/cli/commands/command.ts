export interface Command {
  name: string;
  summary: string;
  /** Full help text, printed for `--help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}
