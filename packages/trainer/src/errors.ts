// Exit codes and the two error kinds the CLI reports without a stack trace.
export const EXIT = {
  ok: 0,
  /** Runtime failure: bad input file, training diverged, I/O error... */
  failure: 1,
  /** Usage error: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** Interrupted (SIGINT): the run stopped cleanly after writing a checkpoint. */
  interrupted: 130,
} as const;

/** The command line itself is wrong (exit 2). The message says what to change. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the user can fix went wrong at run time (exit 1): a bad image, a missing pack... */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
