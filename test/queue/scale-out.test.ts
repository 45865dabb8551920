// stylepack worker / queue on a real Redis (Debian's redis-server on a free loopback port) with
// real worker processes (the built bin): two workers, six stylize jobs, one short train job and
// one job with a broken image; one worker is killed with -9 mid-train and Redis is restarted.
// Every output exists once, decodes, and equals what a local run of the same command writes.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodePack } from '@stylepack/core';
import { cli, ensureBuilt, makeFixtures, sleep, spawnBin, tempDir, writePng } from '../cli/helpers.js';
import { startRedis } from '../../scripts/local-redis.mjs';

const tmp = tempDir('queue');
let redis: Awaited<ReturnType<typeof startRedis>>;
let fx: { content: string; styles: string };
const workers: ReturnType<typeof spawnBin>[] = [];
const shared = join(tmp.dir, 'shared');
const inputs = Array.from({ length: 6 }, (_, i) => join(shared, 'in', `photo-${i}.png`));
const STYLIZE = ['--pack', 'hokusai-great-wave', '--backend', 'wasm'];

function trainArgs(out: string): string[] {
  return ['--style', join(fx.styles, 'waves.webp'), '--out', out, '--steps', '24', '--size', '32', '--batch', '1', '--content', fx.content, '--seed', '3', '--backend', 'wasm'];
}

function startWorker(...extra: string[]): ReturnType<typeof spawnBin> {
  const w = spawnBin(['worker', '--redis', redis.url, '--stalled-after', '3', ...extra]);
  workers.push(w);
  return w;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const ready = (w: ReturnType<typeof spawnBin>) => /running jobs of queue/.test(w.stderrSoFar());
const ckptStep = (path: string) => (existsSync(path) ? decodeCheckpoint(new Uint8Array(readFileSync(path))).header.step : 0);

async function pixels(path: string): Promise<Buffer> {
  return sharp(path).raw().toBuffer();
}

async function styleTensors(path: string): Promise<Record<string, number[]>> {
  const pack = await decodePack(new Uint8Array(readFileSync(path)));
  return Object.fromEntries(Object.entries(pack.styles[0].tensors).map(([k, t]) => [k, Array.from(t.data)]));
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(join(tmp.dir, 'redis'));
  redis = await startRedis(join(tmp.dir, 'redis'));
  fx = await makeFixtures(tmp.dir);
  mkdirSync(join(shared, 'in'), { recursive: true });
  for (const [i, path] of inputs.entries()) await writePng(path, 40 + 4 * i, 32, (x, y) => [x * 6 + i * 40, y * 7, (x * y + i * 30) % 256]);
  writeFileSync(join(shared, 'in', 'broken.png'), 'this is not an image');
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await redis?.stop();
  tmp.cleanup();
});

describe('stylepack queue + worker on a real Redis', () => {
  it('queue add checks the options as the command does: exit 2, nothing queued', async () => {
    const bad = await cli(['queue', 'add', 'stylize', '--redis', redis.url, ...STYLIZE, '--strength', '3', inputs[0], '--out', join(shared, 'x/')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--strength must be at most 1/);
    const missing = await cli(['queue', 'add', 'train', '--redis', redis.url, '--style', join(shared, 'nope.png'), '--out', join(shared, 'n.stylepack')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.png does not exist/);
    const noRedis = await cli(['queue', 'add', 'stylize', ...STYLIZE, inputs[0], '--out', join(shared, 'x/')]);
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/Missing --redis/);
    const conn = new Redis(redis.url);
    expect(await conn.keys('bull:*')).toEqual([]);
    conn.disconnect();
  });

  it('two workers, kill -9 one mid-train, restart Redis: every output once, equal to a local run', async () => {
    // Local runs of the same commands: the reference.
    const ref = join(tmp.dir, 'ref');
    for (const input of inputs) {
      const r = await cli(['stylize', ...STYLIZE, input, '--out', ref + '/']);
      expect(r.code, r.stderr).toBe(0);
    }
    const t = await cli(['train', ...trainArgs(join(ref, 'waves.stylepack'))]);
    expect(t.code, t.stderr).toBe(0);

    const a = startWorker();
    const b = startWorker();
    await until('two workers', () => ready(a) && ready(b));

    const out = join(shared, 'out');
    const pack = join(out, 'waves.stylepack');
    const add = async (args: string[]) => {
      const r = await cli(['queue', 'add', ...args.slice(0, 1), '--redis', redis.url, ...args.slice(1)]);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    const trainId = (await add(['train', ...trainArgs(pack), '--checkpoint-every', '2'])).stdout.trim();
    const again = await add(['train', ...trainArgs(pack), '--checkpoint-every', '2']);
    expect(again.stdout.trim()).toBe(trainId); // idempotency key: not queued twice
    expect(again.stderr).toMatch(/already queued/);
    const stylizeIds: string[] = [];
    for (const input of inputs) stylizeIds.push((await add(['stylize', ...STYLIZE, input, '--out', out + '/'])).stdout.trim());
    const brokenId = (await add(['stylize', ...STYLIZE, join(shared, 'in', 'broken.png'), '--out', out + '/'])).stdout.trim();
    expect(new Set([trainId, ...stylizeIds, brokenId]).size).toBe(8);

    // Kill -9 the worker that runs the train job once it has checkpointed a few steps.
    await until('the train job to checkpoint', () => ckptStep(`${pack}.checkpoint`) >= 4);
    const victim = [a, b].find((w) => w.stderrSoFar().includes(`[${trainId}] train: start`))!;
    const survivor = victim === a ? b : a;
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    const killedAt = ckptStep(`${pack}.checkpoint`);
    await redis.restart();

    const waited = await cli(['queue', 'wait', '--redis', redis.url, '--timeout', '120', trainId, ...stylizeIds]);
    expect(waited.code, waited.stderr + survivor.stderrSoFar()).toBe(0);
    expect(waited.stderr).toMatch(/7 of 7 job\(s\) completed/);
    expect(survivor.stderrSoFar()).toMatch(/Redis is back|lost Redis/);
    const withBroken = await cli(['queue', 'wait', '--redis', redis.url, '--timeout', '60', brokenId, stylizeIds[0]]);
    expect(withBroken.code).toBe(1);
    expect(withBroken.stderr).toMatch(/broken\.png/);

    // The train job stalled, moved to the survivor and continued from its checkpoint.
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('stylepack', { connection: conn });
    try {
      const job = (await queue.getJob(trainId))!;
      expect(job.returnvalue.resumedFrom).toBeGreaterThanOrEqual(killedAt);
      expect(job.returnvalue.resumedFrom).toBeGreaterThan(0);
      expect(job.returnvalue.worker).toBe(job.processedBy);
      expect(job.processedBy).toMatch(new RegExp(`:${survivor.child.pid}$`));
      const broken = (await queue.getJob(brokenId))!;
      expect(await broken.getState()).toBe('failed');
      expect(broken.attemptsMade).toBe(1); // its own failure: not retried
    } finally {
      await queue.close();
      conn.disconnect();
    }

    // Each output exactly once (no temp files, no checkpoint left), equal to the local run.
    expect(readdirSync(out).sort()).toEqual([...inputs.map((p) => p.split('/').pop()!), 'waves.stylepack'].sort());
    for (const input of inputs) {
      const name = input.split('/').pop()!;
      expect((await pixels(join(out, name))).equals(await pixels(join(ref, name))), name).toBe(true);
    }
    expect(await styleTensors(pack)).toEqual(await styleTensors(join(ref, 'waves.stylepack')));

    // Added again once done: nothing new; once its output is deleted: run again.
    const stylize0 = ['stylize', ...STYLIZE, inputs[0], '--out', out + '/'];
    const done = await add(stylize0);
    expect([done.stdout.trim(), done.stderr]).toEqual([stylizeIds[0], expect.stringMatching(/already done/)]);
    rmSync(join(out, 'photo-0.png'));
    const rerun = await add(stylize0);
    expect([rerun.stdout.trim(), rerun.stderr]).toEqual([stylizeIds[0], expect.stringMatching(/photo-0\.png is gone; queued again/)]);
    expect((await cli(['queue', 'wait', '--redis', redis.url, '--timeout', '60', stylizeIds[0]])).code).toBe(0);
    expect((await pixels(join(out, 'photo-0.png'))).equals(await pixels(join(ref, 'photo-0.png')))).toBe(true);

    // SIGTERM: the survivor stops cleanly.
    survivor.child.kill('SIGTERM');
    const end = await survivor.done;
    expect(end.code, end.stderr).toBe(0);
  });

  it('SIGTERM mid-train: the worker checkpoints, puts the job back and exits 0', async () => {
    const w = startWorker();
    await until('the worker', () => ready(w));
    const pack = join(shared, 'sigterm', 'waves.stylepack');
    const r = await cli(['queue', 'add', 'train', '--redis', redis.url, ...trainArgs(pack).map((x) => (x === '24' ? '400' : x)), '--checkpoint-every', '50']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    await until('training to start', () => /train step|starting from/.test(w.stderrSoFar()));
    await sleep(300);
    w.child.kill('SIGTERM');
    const end = await w.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toMatch(/interrupted at step \d+\/400/);
    const step = ckptStep(`${pack}.checkpoint`);
    expect(step).toBeGreaterThan(0);
    expect(existsSync(pack)).toBe(false);
    const status = await cli(['queue', 'status', '--redis', redis.url, id]);
    expect(status.stdout).toMatch(new RegExp(`^${id}  waiting`));
  });
});
