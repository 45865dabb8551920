// What every subcommand provides. Results go to stdout; logs and progress to stderr (or, for a
// queue job, to the job's reporter).
import { currentReporter } from './reporter.js';
import { terminalSafe } from './terminal-text.js';

/** The files a run reads and writes, all absolute; known once its options are valid. */
export interface RunPlan {
  reads: string[];
  writes: string[];
}

export interface RunContext {
  /** Called once the options are valid, before anything is read or written; return true to stop there (exit 0). */
  planned?: (plan: RunPlan) => boolean;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves to the exit code; throws UsageError (2) or CliError (1). */
  run(argv: string[], ctx?: RunContext): Promise<number>;
}

/** A line to stderr (or the job's reporter); control characters in it are shown escaped (terminal-text.ts). */
export const log = (msg: string): void => {
  const r = currentReporter();
  if (r) r.log(msg);
  else process.stderr.write(terminalSafe(msg) + '\n');
};

/** A line to stdout (or the job's reporter); control characters in it are shown escaped (terminal-text.ts). */
export const out = (msg: string): void => {
  const r = currentReporter();
  if (r) r.out(msg);
  else process.stdout.write(terminalSafe(msg) + '\n');
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
