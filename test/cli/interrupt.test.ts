// Killed and interrupted runs: SIGKILL mid-run loses nothing that was checkpointed, and the
// resumed run ends bit-identical to an uninterrupted one; SIGINT saves and exits 130.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '@stylepack/core';
import { TINY, cli, ensureBuilt, makeFixtures, sleep, spawnBin, tempDir } from './helpers.js';

const tmp = tempDir('interrupt');
let fx: { content: string; styles: string };

beforeAll(async () => {
  ensureBuilt();
  fx = await makeFixtures(tmp.dir);
});
afterAll(() => tmp.cleanup());

function readCkpt(path: string) {
  return decodeCheckpoint(new Uint8Array(readFileSync(path)));
}

/** Wait until the run's checkpoint reaches `step` (or the process ends). */
async function waitForCheckpoint(path: string, step: number, exited: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !exited()) {
    if (existsSync(path) && readCkpt(path).header.step >= step) return;
    await sleep(50);
  }
  throw new Error(`checkpoint ${path} did not reach step ${step}`);
}

describe('interrupted training', () => {
  it('SIGKILL mid-run → --resume continues from the last checkpoint and matches an uninterrupted run', async () => {
    const run = join(tmp.dir, 'killed');
    const ckpt = join(run, 'checkpoint.bin');
    const args = ['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run, '--steps', '500', '--checkpoint-every', '1', '--seed', '7', ...TINY];
    const p = spawnBin(args);
    let exited = false;
    void p.done.then(() => (exited = true));
    await waitForCheckpoint(ckpt, 2, () => exited);
    p.child.kill('SIGKILL');
    const r = await p.done;
    expect(r.signal).toBe('SIGKILL');
    const k = readCkpt(ckpt).header.step; // whatever step the last finished checkpoint holds
    expect(k).toBeGreaterThanOrEqual(2);

    const resumed = await cli(['pretrain', '--out', run, '--resume', '--steps', String(k + 1)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`at step ${k}`);
    const after = readCkpt(ckpt);
    expect(after.header.step).toBe(k + 1);
    expect((after.header.history as { step: number }[]).map((h) => h.step)).toEqual(Array.from({ length: k + 1 }, (_, i) => i + 1));

    // Same seed, never interrupted: identical weights.
    const clean = join(tmp.dir, 'clean');
    const ref = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', clean, '--steps', String(k + 1), '--checkpoint-every', '100', '--seed', '7', ...TINY]);
    expect(ref.code, ref.stderr).toBe(0);
    const want = readCkpt(join(clean, 'checkpoint.bin')).tensors;
    for (const [name, t] of Object.entries(after.tensors)) {
      if (!name.startsWith('G/')) continue;
      expect(Array.from(t.data), name).toEqual(Array.from(want[name].data));
    }
  });

  it('SIGINT finishes the step, writes a checkpoint, exits 130 and says how to resume', async () => {
    const run = join(tmp.dir, 'sigint');
    const ckpt = join(run, 'checkpoint.bin');
    const p = spawnBin(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run, '--steps', '500', '--checkpoint-every', '1', ...TINY]);
    let exited = false;
    void p.done.then(() => (exited = true));
    await waitForCheckpoint(ckpt, 1, () => exited);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted at step \d+\/500; checkpoint written .* --resume/);
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(runJson.status).toBe('interrupted');
    expect(readCkpt(ckpt).header.step).toBe(runJson.step);
    expect(readdirSync(run).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(run, 'model.stylepack'))).toBe(false);
  });
});
