// stylepack queue add|status|wait: put train/stylize jobs on the queue and follow them.
import { existsSync } from 'node:fs';
import { Queue, type Job } from 'bullmq';
import { flag, num, parse, str } from '../args.js';
import { log, out, type Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { DEFAULT_QUEUE, checkQueueName, connect, parseRedisUrl, probe } from './connection.js';
import { FINAL_STATES, jobLine } from './format.js';
import { JOB_COMMANDS, JOB_OPTIONS, planJob, type JobCommand, type JobData } from './jobs.js';

const HELP = `Usage: stylepack queue add train|stylize --redis URL [--queue NAME] [the command's options]
       stylepack queue status --redis URL [--queue NAME] [--watch] [ID...]
       stylepack queue wait --redis URL [--queue NAME] [--timeout S] [ID...]

add     checks the options exactly as "stylepack train|stylize" would (exit 2 and nothing queued
        when they are wrong), queues the job and prints its id. Paths must be reachable by every
        worker (a shared folder); relative ones are made absolute. The id comes from the command
        line and the inputs' contents: adding the same job again while it waits or runs, or after
        it is done, adds nothing and prints the same id. A failed job added again runs again, and
        so does a done one whose outputs were deleted.
status  one line per job: id, state, progress, worker, and the error or outputs. Without IDs:
        every job the queue holds (finished ones are kept 7 days, failed ones 30).
        --watch redraws with progress bars until the jobs are finished.
wait    exits 0 once all the jobs are completed, 1 if any failed (with the reasons) or --timeout
        S passed. Without IDs: the jobs waiting or running now, and any added meanwhile (a job
        that already finished is not among them: pass the ids "queue add" printed to be sure).

Options: --redis URL (e.g. redis://127.0.0.1:6379), --queue NAME (default ${DEFAULT_QUEUE}).`;

/** Pull --redis and --queue out of a command line meant for another command. */
function takeQueueOptions(argv: string[]): { redis?: string; queue?: string; rest: string[] } {
  const found: Record<string, string | undefined> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(redis|queue)(?:=(.*))?$/.exec(argv[i]);
    if (!m) rest.push(argv[i]);
    else found[m[1]] = m[2] ?? argv[++i];
  }
  return { redis: found.redis, queue: found.queue, rest };
}

async function withQueue<T>(redis: string | undefined, queueName: string | undefined, sub: string, fn: (q: Queue<JobData>) => Promise<T>): Promise<T> {
  const C = `queue ${sub}`;
  if (!redis) throw new UsageError('Missing --redis (e.g. --redis redis://127.0.0.1:6379).', 'queue');
  const url = parseRedisUrl(redis, C);
  const name = checkQueueName(queueName ?? DEFAULT_QUEUE, C);
  await probe(url);
  const connection = connect(url, false);
  connection.on('error', () => {}); // retried by ioredis; a lasting outage fails the command itself
  const queue = new Queue<JobData>(name, { connection });
  try {
    return await fn(queue);
  } finally {
    await queue.close().catch(() => {});
    await connection.quit().catch(() => connection.disconnect());
  }
}

async function add(argv: string[]): Promise<number> {
  const { redis, queue: queueName, rest } = takeQueueOptions(argv);
  const [command, ...cmdArgv] = rest;
  if (!command || !(JOB_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`queue add needs the command to queue: ${JOB_COMMANDS.join(' or ')}${command ? ` (got "${command}")` : ''}.`, 'queue');
  }
  // The command's own checks, before Redis is touched: bad options queue nothing.
  const planned = await planJob(command as JobCommand, cmdArgv);
  if (!planned) return EXIT.ok; // --help was printed
  return withQueue(redis, queueName, 'add', async (queue) => {
    const existing = await queue.getJob(planned.id);
    if (existing) {
      const state = await existing.getState();
      const missing = state === 'completed' ? existing.data.writes.filter((w) => !existsSync(w)) : [];
      if (state !== 'failed' && state !== 'unknown' && !missing.length) {
        log(state === 'completed' ? `already done (same command and inputs); not added again` : `already queued (${state}); not added again`);
        out(planned.id);
        return EXIT.ok;
      }
      if (state === 'failed' || missing.length) {
        // log() escapes control characters
        log(missing.length ? `done before, but ${missing[0]}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''} is gone; queued again` : `it failed before (${existing.failedReason ?? '?'}); queued again`);
        await existing.remove();
      }
    }
    await queue.add(command, planned.data, { ...JOB_OPTIONS, jobId: planned.id });
    out(planned.id);
    return EXIT.ok;
  });
}

/** The jobs to show or wait for: the given ids, or (none given) what the queue holds in `states`. */
async function lookup(queue: Queue<JobData>, ids: string[], states: ('active' | 'waiting' | 'delayed' | 'prioritized' | 'completed' | 'failed')[]): Promise<{ id: string; job?: Job<JobData>; state: string }[]> {
  const jobs = ids.length ? await Promise.all(ids.map((id) => queue.getJob(id))) : await queue.getJobs(states, 0, 999, true);
  const keys = ids.length ? ids : jobs.map((j) => j?.id ?? '?');
  return Promise.all(keys.map(async (id, i) => ({ id, job: jobs[i] ?? undefined, state: jobs[i] ? await jobs[i]!.getState() : 'unknown' })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(argv: string[]): Promise<number> {
  const p = parse('queue status', argv, { redis: { type: 'string' }, queue: { type: 'string' }, watch: { type: 'boolean' } }, true);
  const watch = flag(p, 'watch');
  return withQueue(str(p, 'redis'), str(p, 'queue'), 'status', async (queue) => {
    const all = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'] as const;
    let ids = p.positionals;
    const tty = !!process.stdout.isTTY;
    let shown: string[] = [];
    for (;;) {
      const rows = await lookup(queue, ids, [...all]);
      if (!ids.length && watch) ids = rows.map((r) => r.id); // --watch follows the jobs it started with
      const lines = rows.map((r) => jobLine(r.id, r.state, r.job, watch));
      if (!watch) {
        if (!lines.length) log(`queue "${queue.name}" holds no jobs`);
        for (const l of lines) out(l);
        return EXIT.ok;
      }
      if (tty) {
        if (shown.length) process.stdout.write(`\x1b[${shown.length}A`);
        for (const l of lines) process.stdout.write(`\r\x1b[2K${l.slice(0, (process.stdout.columns ?? 200) - 1)}\n`);
      } else {
        lines.filter((l, i) => l !== shown[i]).forEach((l) => out(l));
      }
      shown = lines;
      if (rows.every((r) => FINAL_STATES.has(r.state))) return EXIT.ok;
      await sleep(1000);
    }
  });
}

async function wait(argv: string[]): Promise<number> {
  const C = 'queue wait';
  const p = parse(C, argv, { redis: { type: 'string' }, queue: { type: 'string' }, timeout: { type: 'string' } }, true);
  const timeout = p.values.timeout === undefined ? Infinity : num(p, 'timeout', 0, { min: 0, command: C });
  return withQueue(str(p, 'redis'), str(p, 'queue'), 'wait', async (queue) => {
    const tracked = new Set(p.positionals);
    const pending = ['active', 'waiting', 'delayed', 'prioritized'] as const;
    const t0 = Date.now();
    for (;;) {
      if (!p.positionals.length) for (const r of await lookup(queue, [], [...pending])) tracked.add(r.id);
      const rows = tracked.size ? await lookup(queue, [...tracked], []) : [];
      const unknown = rows.filter((r) => r.state === 'unknown');
      if (unknown.length) throw new CliError(`no job ${unknown.map((r) => r.id).join(', ')} in queue "${queue.name}" (never added, or removed after it expired).`);
      if (rows.every((r) => FINAL_STATES.has(r.state))) {
        const failed = rows.filter((r) => r.state === 'failed');
        for (const r of failed) log(jobLine(r.id, r.state, r.job, false));
        log(`${rows.length - failed.length} of ${rows.length} job(s) completed${failed.length ? `, ${failed.length} failed` : ''}`);
        return failed.length ? EXIT.failure : EXIT.ok;
      }
      if ((Date.now() - t0) / 1000 > timeout) {
        for (const r of rows.filter((x) => !FINAL_STATES.has(x.state))) log(jobLine(r.id, r.state, r.job, false));
        log(`timed out after ${timeout} s with ${rows.filter((x) => !FINAL_STATES.has(x.state)).length} job(s) unfinished`);
        return EXIT.failure;
      }
      await sleep(500);
    }
  });
}

async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    (sub ? process.stdout : process.stderr).write(HELP + '\n');
    return sub ? EXIT.ok : EXIT.usage;
  }
  if (sub === 'add') return add(rest);
  if (sub === 'status') return status(rest);
  if (sub === 'wait') return wait(rest);
  throw new UsageError(`unknown queue command "${sub}"; use add, status or wait.`, 'queue');
}

export const queue: Command = { name: 'queue', summary: 'add train/stylize jobs to the queue, follow them', help: HELP, run };
