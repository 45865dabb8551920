// A worker runs a job by calling the command's own run() — the code a local `stylepack train|stylize`
// runs — inside a reporter that sends its lines and progress to the job. Outcomes:
//   exit 0            → completed, returning the files written;
//   the job's own failure (bad image, bad pack, bad options: exit 1/2) → failed once, never retried;
//   interrupted (SIGTERM; train saved a checkpoint) → back to waiting, for this or another worker;
//   anything else (I/O on the shared folder, ...) → retried by BullMQ (JOB_OPTIONS.attempts).
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { decodeCheckpoint } from '@stylepack/core';
import { CliError, EXIT, UsageError, errorMessage } from '../errors.js';
import { withReporter, type Reporter } from '../reporter.js';
import { checkpointPathFor } from '../train-checkpoint.js';
import type { JobProgress } from './format.js';
import { JOB_COMMANDS, loadJobCommand, type JobData } from './jobs.js';

export interface JobResult {
  writes: string[];
  seconds: number;
  worker: string;
  /** train: the checkpoint step this attempt continued from (0: from the start). */
  resumedFrom?: number;
}

/**
 * A worker that died mid-write leaves its temp file (.<name>.<pid>.<time>.tmp, see io/atomic.ts)
 * next to the output; a retry removes those of this job's outputs. Returns the names removed.
 */
function sweepTempFiles(writes: string[]): string[] {
  const removed: string[] = [];
  for (const w of writes) {
    const dir = dirname(w);
    if (!existsSync(dir)) continue;
    const prefix = `.${basename(w)}.`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) {
        rmSync(join(dir, name), { force: true });
        removed.push(name);
      }
    }
  }
  return removed;
}

function checkpointStep(packPath: string): number {
  const path = checkpointPathFor(packPath);
  if (!existsSync(path)) return 0;
  try {
    return decodeCheckpoint(new Uint8Array(readFileSync(path))).header.step;
  } catch {
    return 0; // train itself reports an unreadable checkpoint
  }
}

/** `print(jobId, line)` writes the worker's own log. */
export function jobProcessor(workerName: string, print: (jobId: string, line: string) => void) {
  return async (job: Job<JobData, JobResult>, token?: string): Promise<JobResult> => {
    const id = job.id ?? '?';
    const { command, argv, writes } = job.data;
    if (!(JOB_COMMANDS as readonly string[]).includes(command)) throw new UnrecoverableError(`"${command}" is not a queue command (${JOB_COMMANDS.join(', ')}).`);
    print(id, `${command}: start (try ${job.attemptsStarted})`);
    if (job.attemptsStarted > 1) {
      const removed = sweepTempFiles(writes);
      if (removed.length) print(id, `removed ${removed.length} partial file(s) of an earlier try: ${removed.join(', ')}`);
    }
    const resumedFrom = command === 'train' ? checkpointStep(writes[0]) : undefined;

    const errors: string[] = [];
    let lastLine = '';
    let written = 0;
    let lastSent = 0;
    const send = (p: JobProgress, force: boolean) => {
      const now = Date.now();
      if (!force && now - lastSent < 1000) return;
      lastSent = now;
      job.updateProgress(p as unknown as object).catch(() => {}); // Redis away: the next update catches up
    };
    const reporter: Reporter = {
      log: (msg) => {
        print(id, msg);
        lastLine = msg;
        if (/\berror\b/.test(msg)) errors.push(msg.replace(/^stylepack \w+: error: /, ''));
        job.log(msg).catch(() => {});
      },
      out: (msg) => {
        print(id, msg);
        job.log(msg).catch(() => {});
        if (command === 'stylize') send({ label: command, done: ++written, total: writes.length }, written === writes.length);
      },
      progress: (label, done, total, fields) => send({ label, done, total, fields }, done === total),
    };

    const t0 = performance.now();
    let code: number;
    try {
      const cmd = await loadJobCommand(command);
      code = await withReporter(reporter, () => cmd.run(argv));
    } catch (e) {
      if (e instanceof UsageError || e instanceof CliError) throw new UnrecoverableError(errorMessage(e));
      throw e;
    }
    if (code === EXIT.ok) {
      const result: JobResult = { writes, seconds: Math.round((performance.now() - t0) / 100) / 10, worker: workerName, resumedFrom };
      print(id, `${command}: done in ${result.seconds} s`);
      return result;
    }
    if (code === EXIT.interrupted) {
      print(id, `${command}: interrupted; back to the queue`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    throw new UnrecoverableError(errors.join('\n') || lastLine || `${command} exited with ${code}`);
  };
}
