// What a queue job is: one `stylepack train|stylize` command line whose paths are absolute (every
// worker must reach them: a shared folder), the files it will write, and an id derived from the
// inputs (the idempotency key), so adding the same job twice does not run it twice.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { Command, RunPlan } from '../command.js';
import { UsageError } from '../errors.js';

export const JOB_COMMANDS = ['train', 'stylize'] as const;
export type JobCommand = (typeof JOB_COMMANDS)[number];

/** `train` jobs checkpoint this often unless the command line says otherwise, so a retry resumes. */
export const DEFAULT_TRAIN_CHECKPOINT_EVERY = 25;

export interface JobData {
  command: JobCommand;
  /** The command's own options, paths made absolute. */
  argv: string[];
  /** Absolute paths of the files the job writes. */
  writes: string[];
  addedBy: string;
}

/** Retries are for the machinery (a worker or Redis lost); a job's own failure fails at once. */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export async function loadJobCommand(name: JobCommand): Promise<Command> {
  return name === 'train' ? (await import('../commands/train.js')).train : (await import('../commands/stylize.js')).stylize;
}

/** Validate `argv` exactly as the command would, without running it. Null when it only asked for --help. */
export async function planRun(cmd: Command, argv: string[]): Promise<RunPlan | null> {
  let plan: RunPlan | null = null;
  await cmd.run(argv, { planned: (p) => ((plan = p), true) });
  return plan;
}

/** Rewrite the path arguments of `argv` (those the plan names) as absolute paths. */
function absolutePaths(argv: string[], plan: RunPlan): string[] {
  const known = new Set([...plan.reads, ...plan.writes, ...plan.writes.map((w) => dirname(w))]);
  const abs = (v: string): string => {
    const r = resolve(v);
    if (!known.has(r)) return v;
    return /[\\/]$/.test(v) ? r + sep : r; // a trailing slash marks a folder for stylize --out
  };
  return argv.map((t) => {
    const m = /^(--[^=]+=)(.*)$/.exec(t);
    if (m) return m[1] + abs(m[2]);
    return t.startsWith('-') ? t : abs(t);
  });
}

/** Content fingerprint: a file's bytes, or a folder's listing (name, size, time). */
function fingerprint(path: string): string {
  const h = createHash('sha256');
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const s = statSync(resolve(path, name), { throwIfNoEntry: false });
      if (s?.isFile()) h.update(`${name}\0${s.size}\0${s.mtimeMs}\n`);
    }
  } else {
    h.update(readFileSync(path));
  }
  return h.digest('hex');
}

export interface PlannedJob {
  id: string;
  data: JobData;
}

/** Validate and describe the job `stylepack <command> <argv>` (paths relative to the current folder); throws UsageError (exit 2). */
export async function planJob(command: JobCommand, argv: string[]): Promise<PlannedJob | null> {
  const cmd = await loadJobCommand(command);
  if (command === 'train' && !argv.some((a) => a === '--checkpoint-every' || a.startsWith('--checkpoint-every='))) {
    argv = [...argv, '--checkpoint-every', String(DEFAULT_TRAIN_CHECKPOINT_EVERY)];
  }
  const plan = await planRun(cmd, argv);
  if (!plan) return null;
  for (const r of plan.reads) {
    if (!existsSync(r)) throw new UsageError(`${r} does not exist. Queue jobs read files that every worker can reach (a shared folder), so they must exist when the job is added.`, command);
  }
  const portable = absolutePaths(argv, plan);
  const key = createHash('sha256')
    .update(JSON.stringify({ command, argv: portable, reads: plan.reads.map((r) => [r, fingerprint(r)]) }))
    .digest('hex');
  return { id: `${command}-${key.slice(0, 24)}`, data: { command, argv: portable, writes: plan.writes, addedBy: hostname() } };
}
