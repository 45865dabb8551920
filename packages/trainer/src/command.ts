// What every subcommand provides. Results go to stdout; logs and progress to stderr.
export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves to the exit code; throws UsageError (2) or CliError (1). */
  run(argv: string[]): Promise<number>;
}

export const log = (msg: string): void => {
  process.stderr.write(msg + '\n');
};

export const out = (msg: string): void => {
  process.stdout.write(msg + '\n');
};

/**
 * SIGINT/SIGTERM → `signal.aborted` (finish the current step, save, exit 130). A second
 * Ctrl-C exits at once (files on disk are written atomically, so nothing is left half-written).
 */
export function interruptSignal(onFirst: () => void): { signal: { aborted: boolean }; release: () => void } {
  const signal = { aborted: false };
  const handler = () => {
    if (signal.aborted) process.exit(130);
    signal.aborted = true;
    onFirst();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal,
    release: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
