// stylepack worker: runs queued train/stylize jobs until SIGTERM (or Ctrl-C), then finishes the
// current stylize job or checkpoints the current train job, hands it back, and exits 0.
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { flag, num, parse, str } from '../args.js';
import { log, out, type Command } from '../command.js';
import { EXIT, errorMessage } from '../errors.js';
import { DEFAULT_QUEUE, checkQueueName, connect, parseRedisUrl, probe, redactUrl } from './connection.js';
import { terminalSafe } from '../terminal-text.js';
import type { JobData } from './jobs.js';
import { jobProcessor, type JobResult } from './run-job.js';

const HELP = `Usage: stylepack worker --redis URL [--concurrency N] [--queue NAME] [--stalled-after S]

Runs the train and stylize jobs added with "stylepack queue add", until SIGTERM or Ctrl-C. Input
and output paths of a job must be reachable from every worker (a shared folder).

Options:
  --redis URL             the Redis server, e.g. redis://10.0.0.5:6379 (rediss:// for TLS)
  --concurrency N         jobs run at once in this process (default 1; they share its CPU, so to
                          use more cores run more workers)
  --queue NAME            the queue (default ${DEFAULT_QUEUE})
  --stalled-after S       seconds without a heartbeat after which another worker takes over the
                          job of a worker that died (default 30; keep it above the longest single
                          image or training step)
  -h, --help

On SIGTERM or Ctrl-C the worker finishes a running stylize job, stops a running train job at a
checkpoint and puts it back in the queue, then exits 0. If Redis goes away, it reconnects.`;

async function run(argv: string[]): Promise<number> {
  const C = 'worker';
  const p = parse(C, argv, { redis: { type: 'string' }, concurrency: { type: 'string' }, queue: { type: 'string' }, 'stalled-after': { type: 'string' } });
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const url = parseRedisUrl(str(p, 'redis', true, C), C);
  const concurrency = num(p, 'concurrency', 1, { int: true, min: 1, max: 64, command: C });
  const queue = checkQueueName(str(p, 'queue') ?? DEFAULT_QUEUE, C);
  const stalledMs = num(p, 'stalled-after', 30, { min: 1, max: 3600, command: C }) * 1000;
  await probe(url);

  const name = `${hostname()}:${process.pid}`;
  // Straight to stderr: inside a job, log() goes to the job's reporter, which calls this.
  const print = (jobId: string, line: string) => process.stderr.write(terminalSafe(`[${jobId}] ${line}`) + '\n');
  const connection = connect(url, true);
  // Redis away: say so once, and once more when it is back (ioredis reconnects by itself).
  let down = false;
  const lost = (e: unknown) => {
    if (down) return;
    down = true;
    log(`worker: lost Redis at ${redactUrl(url)} (${errorMessage(e)}); reconnecting`);
  };
  let stopping = false;
  connection.on('error', lost);
  connection.on('close', () => stopping || lost('connection closed'));
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    log('worker: Redis is back');
  });
  let running = 0;
  const runJob = jobProcessor(name, print);
  const worker = new Worker<JobData, JobResult>(queue, async (job, token) => {
    running++;
    try {
      return await runJob(job, token);
    } finally {
      running--;
    }
  }, {
    connection,
    concurrency,
    name,
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    // A job whose worker died three times is likely what kills workers (out of memory...): fail it.
    maxStalledCount: 2,
  });
  // BullMQ reports both lost connections and job-level trouble (e.g. a lock lost during an outage) here.
  worker.on('error', (e) => (/ECONN|ETIMEDOUT|EPIPE|Connection is closed/.test(errorMessage(e)) ? lost(e) : log(`worker: ${errorMessage(e)}`)));
  worker.on('failed', (job, err) => {
    if (job && err.name !== 'WaitingError') print(job.id ?? '?', `failed: ${err.message}`);
  });
  log(`worker ${name}: running jobs of queue "${queue}" at ${redactUrl(url)} (concurrency ${concurrency})`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) process.exit(EXIT.interrupted); // second signal: quit at once (outputs are atomic)
      stopping = true;
      // Nothing running: no need to wait for Redis (it may be the thing that is gone).
      const force = running === 0;
      log(`worker: stopping${force ? '' : ' — finishing or checkpointing the current job (send the signal again to quit at once)'}`);
      worker.close(force).then(resolve, (e) => {
        log(`worker: ${errorMessage(e)}`);
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  connection.disconnect(); // not quit(): that would wait for a Redis that may be gone
  log('worker: stopped');
  // With Redis gone, ioredis may keep a reconnect timer alive; nothing is left to do, so go.
  setTimeout(() => process.exit(EXIT.ok), 2000).unref();
  return EXIT.ok;
}

export const worker: Command = { name: 'worker', summary: 'run queued train/stylize jobs (BullMQ on Redis)', help: HELP, run };
