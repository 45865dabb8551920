// stylepack optimize on real files: tiny images, few steps, the real loss network on wasm.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, makeFixtures, sleep, spawnBin, tempDir } from './helpers.js';

const tmp = tempDir('optimize');
let fx: { content: string; styles: string };
let photo = '';
let painting = '';

beforeAll(async () => {
  ensureBuilt();
  fx = await makeFixtures(tmp.dir);
  photo = join(fx.content, 'a.png'); // 64×48
  painting = join(fx.styles, 'checks.png');
});
afterAll(() => tmp.cleanup());

async function meanAbsDiff(a: string, b: string): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((p) => sharp(p).resize(48, 36).removeAlpha().raw().toBuffer()));
  let d = 0;
  for (let i = 0; i < x.length; i++) d += Math.abs(x[i] - y[i]);
  return d / x.length;
}

describe('stylepack optimize', () => {
  it('writes the optimised picture at --size, with progress and a summary', async () => {
    const outFile = join(tmp.dir, 'opt.png');
    const r = await cli(['optimize', photo, '--style', painting, '--out', outFile, '--size', '48', '--steps', '4', '--lr', '0.05', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/optimize step 4\/4 .*steps\/s/);
    expect(r.stdout).toMatch(/→ .*opt\.png \(48×36\): 4 steps in/);
    const m = await sharp(outFile).metadata();
    expect([m.width, m.height]).toEqual([48, 36]);
    expect(await meanAbsDiff(outFile, photo)).toBeGreaterThan(1); // it changed the picture
  });

  it('--pack refines a pack\u2019s feed-forward result', async () => {
    const outFile = join(tmp.dir, 'refined.png');
    const r = await cli(['optimize', photo, '--style', painting, '--pack', 'hokusai-great-wave', '--out', outFile, '--size', '48', '--steps', '2', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/refining the result of hokusai-great-wave/);
    expect(existsSync(outFile)).toBe(true);
  });

  it('refuses to overwrite the photo or an existing file unasked', async () => {
    const same = await cli(['optimize', photo, '--style', painting, '--out', photo, '--steps', '1']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/is the photo itself/);
    const existing = join(tmp.dir, 'mine.png');
    writeFileSync(existing, 'precious');
    const r = await cli(['optimize', photo, '--style', painting, '--out', existing, '--steps', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists.*--overwrite/);
    const tooSmall = await cli(['optimize', photo, '--style', painting, '--out', join(tmp.dir, 'x.png'), '--size', '40', '--steps', '1', '--backend', 'wasm']);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toMatch(/under 32 px/);
  });

  it('--time-limit stops and writes; Ctrl-C (the real bin) writes the result so far and exits 130', async () => {
    const timed = join(tmp.dir, 'timed.png');
    const t = await cli(['optimize', photo, '--style', painting, '--out', timed, '--size', '48', '--steps', '100000', '--time-limit', '1', '--backend', 'wasm']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/stopped at --time-limit 1 s/);
    expect(existsSync(timed)).toBe(true);

    const outFile = join(tmp.dir, 'interrupted.png');
    const p = spawnBin(['optimize', photo, '--style', painting, '--out', outFile, '--size', '48', '--steps', '100000', '--backend', 'wasm']);
    const t0 = Date.now();
    while (!/optimize step 1\//.test(p.stderrSoFar()) && Date.now() - t0 < 60_000) await sleep(50);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted after \d+ steps.*the result so far is in/);
    const m = await sharp(outFile).metadata();
    expect([m.width, m.height]).toEqual([48, 36]);
  });
});
