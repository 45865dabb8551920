// What every subcommand provides. Results go to stdout; logs and progress to stderr.
import { terminalSafe } from './terminal-text.js';

export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves to the exit code; throws UsageError (2) or CliError (1). */
  run(argv: string[]): Promise<number>;
}

/** A line to stderr; control characters in it are shown escaped (terminal-text.ts). */
export const log = (msg: string): void => {
  process.stderr.write(terminalSafe(msg) + '\n');
};

/** A line to stdout; control characters in it are shown escaped (terminal-text.ts). */
export const out = (msg: string): void => {
  process.stdout.write(terminalSafe(msg) + '\n');
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
