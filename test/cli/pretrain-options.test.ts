// pretrain's quality options on real files: --init (fine-tune from the shipped base model),
// --crop-scale, --style-size, --style-tap-weights; recorded in run.json, fixed on --resume.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodePack } from '@stylepack/core';
import { ROOT, cli, makeFixtures, tempDir } from './helpers.js';

const tmp = tempDir('pretrain-options');
let fx: { content: string; styles: string };
const base = join(ROOT, 'models/base/model.stylepack');
const run = join(tmp.dir, 'run');

beforeAll(async () => {
  fx = await makeFixtures(tmp.dir);
});
afterAll(() => tmp.cleanup());

describe('pretrain --init / --crop-scale / --style-size / --style-tap-weights', () => {
  it('fine-tunes from the base model: 1 step moves the backbone by at most the Adam step', async () => {
    const r = await cli([
      'pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run, '--steps', '1', '--checkpoint-every', '5',
      '--size', '32', '--batch', '1', '--d-width', '8', '--backend', 'wasm', '--seed', '2',
      '--init', base, '--crop-scale', '0.75-1.5', '--style-size', '48', '--style-tap-weights', '1,2,5,3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // the fixtures' styles (checks, waves) are not in the base: they start neutral
    expect(r.stderr).toMatch(/--init: starting from base-lite-[0-9a-f]{12} \(0 of 2 styles; new: checks, waves\)/);
    const settings = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).settings;
    expect(settings).toMatchObject({ cropScale: [0.75, 1.5], styleSize: 48, styleTapWeights: [1, 2, 5, 3], init: { path: base } });
    const before = (await decodePack(new Uint8Array(readFileSync(base)))).weights!['c1/w'].data;
    const { tensors } = decodeCheckpoint(new Uint8Array(readFileSync(join(run, 'checkpoint.bin'))));
    const after = tensors['G/c1/w'].data;
    expect(after.length).toBe(before.length);
    let maxDiff = 0;
    for (let i = 0; i < after.length; i++) maxDiff = Math.max(maxDiff, Math.abs(after[i] - before[i]));
    // Adam's first step moves each weight by ≈ lr (1e-3); a fresh random init would differ by ~0.1
    expect(maxDiff).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(2e-3);
  });

  it('resume continues from the checkpoint after the --init file has gone (it is read only for a new run)', async () => {
    const movedBase = join(tmp.dir, 'base-copy.stylepack');
    copyFileSync(base, movedBase);
    const runB = join(tmp.dir, 'run-moved-base');
    const common = ['--size', '32', '--batch', '1', '--d-width', '8', '--backend', 'wasm', '--checkpoint-every', '1'];
    const a = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', runB, '--steps', '1', '--seed', '4', '--init', movedBase, ...common]);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(runB, 'run.json'), 'utf8')).settings.init.config).toMatchObject({ width: 16, resBlocks: 3 });
    rmSync(movedBase);
    const b = await cli(['pretrain', '--out', runB, '--resume', '--steps', '2']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/resumed from .*checkpoint\.bin at step 1/);
    expect(JSON.parse(readFileSync(join(runB, 'run.json'), 'utf8')).step).toBe(2);
  });

  it('resume refuses to change those settings; bad values are usage errors', async () => {
    const a = await cli(['pretrain', '--out', run, '--resume', '--style-size', '64']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/drop --style-size/);
    const b = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', join(tmp.dir, 'r2'), '--crop-scale', '2-1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--crop-scale needs MIN-MAX/);
    const c = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', join(tmp.dir, 'r3'), '--size', '32', '--steps', '1', '--backend', 'wasm', '--style-tap-weights', '1,2']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--style-tap-weights needs 4 numbers/);
  });
});
