// Where a running command's messages, results and progress go. A local run has no reporter and
// writes to the terminal; a queue worker runs each job inside its own reporter (AsyncLocalStorage
// keeps concurrent jobs of one worker apart), so the job's lines and progress reach Redis.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Reporter {
  /** A log line (what a local run prints on stderr). */
  log(msg: string): void;
  /** A result line (what a local run prints on stdout). */
  out(msg: string): void;
  /** A progress update: `done` of `total` steps, with the current losses. */
  progress(label: string, done: number, total: number, fields: Record<string, number>): void;
}

const store = new AsyncLocalStorage<Reporter>();

/** The reporter of the job this code runs for, if any. */
export const currentReporter = (): Reporter | undefined => store.getStore();

/** Run `fn` with `reporter` receiving everything the command logs or reports. */
export function withReporter<T>(reporter: Reporter, fn: () => Promise<T>): Promise<T> {
  return store.run(reporter, fn);
}
