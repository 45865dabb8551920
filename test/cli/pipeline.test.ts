// End to end on real image files: pretrain (real bin) → checkpoint → resume → train a pack →
// stylize → eval → pack verify/inspect. Real loss network (nsfwjs MobileNetV2) on wasm.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '@stylepack/core';
import { TINY, cli, ensureBuilt, makeFixtures, spawnBin, tempDir } from './helpers.js';

const tmp = tempDir('pipeline');
let fx: { content: string; styles: string };
const run = join(tmp.dir, 'run');
const pack = join(tmp.dir, 'new-style.stylepack');

beforeAll(async () => {
  ensureBuilt();
  fx = await makeFixtures(tmp.dir);
});
afterAll(() => tmp.cleanup());

const ckptStep = (p: string) => decodeCheckpoint(new Uint8Array(readFileSync(p))).header.step;

describe('stylepack pipeline', () => {
  it('pretrain (the real bin): 3 steps, checkpoint, run.json, plot, samples, model and packs', async () => {
    const r = await spawnBin(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run, '--steps', '3', '--checkpoint-every', '2', '--seed', '1', ...TINY]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: wasm/);
    expect(r.stderr).toMatch(/pretrain step 3\/3 .*steps\/s .*ETA/);
    for (const f of ['checkpoint.bin', 'run.json', 'loss.svg', 'samples.png', 'model.stylepack', 'packs/checks.stylepack', 'packs/waves.stylepack']) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    expect(ckptStep(join(run, 'checkpoint.bin'))).toBe(3);
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(runJson).toMatchObject({ status: 'done', step: 3, settings: { styleNames: ['checks', 'waves'], size: 32 } });
    expect(readFileSync(join(run, 'loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*discriminator[\s\S]*<\/svg>\n$/);
    const grid = await sharp(join(run, 'samples.png')).metadata();
    expect([grid.width, grid.height]).toEqual([3 * 32 + 16, 2 * 32 + 12]); // 2 styles × (content, style, result)
  });

  it('resume continues from the checkpoint with the run\u2019s own settings', async () => {
    const r = await cli(['pretrain', '--out', run, '--resume', '--steps', '4', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resumed from .*checkpoint\.bin at step 3/);
    expect(ckptStep(join(run, 'checkpoint.bin'))).toBe(4);
    const history = decodeCheckpoint(new Uint8Array(readFileSync(join(run, 'checkpoint.bin')))).header.history as { step: number }[];
    expect(history.map((h) => h.step)).toEqual([1, 2, 3, 4]);
  });

  it('resume refuses changed settings, and a new run refuses a used directory (usage errors)', async () => {
    const a = await cli(['pretrain', '--out', run, '--resume', '--size', '64']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--size differs/);
    const b = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/already holds a run.*--resume/);
  });

  it('train learns a new style on the frozen base → .stylepack', async () => {
    const r = await cli(['train', '--style', join(fx.styles, 'waves.webp'), '--base', join(run, 'model.stylepack'), '--out', pack, '--name', 'New style', '--steps', '2', '--size', '32', '--batch', '1', '--content', fx.content, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/starting from (the closest built-in style: (checks|waves)|a blend of the closest built-in styles: (checks|waves) ×[0-9.]+ \+ (checks|waves) ×[0-9.]+) \(Gram distance/);
    expect(existsSync(pack)).toBe(true);
    const inspect = await cli(['pack', 'inspect', pack, '--json']);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ id: 'new-style', name: 'New style', styleCount: 1, hasWeights: false, preview: { width: 32, height: 32 } });
    const verify = await cli(['pack', 'verify', pack, '--base', join(run, 'model.stylepack')]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/compatible/);
  });

  it('stylize: files and folders, formats by extension, alpha kept, EXIF rotation, --max-size / --tile reported', async () => {
    const inputs = join(tmp.dir, 'in');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(inputs, { recursive: true });
    // RGBA PNG with a transparent half; a JPEG stored landscape with EXIF orientation 6 (→ portrait).
    const rgba = Buffer.alloc(40 * 24 * 4);
    for (let i = 0; i < 40 * 24; i++) rgba.set([i % 255, 100, 200, i % 40 < 20 ? 255 : 0], i * 4);
    await sharp(rgba, { raw: { width: 40, height: 24, channels: 4 } }).png().toFile(join(inputs, 'alpha.png'));
    await sharp({ create: { width: 40, height: 24, channels: 3, background: '#336699' } }).jpeg().withMetadata({ orientation: 6 }).toFile(join(inputs, 'rotated.jpg'));
    const outDir = join(tmp.dir, 'out');
    const base = join(run, 'model.stylepack');
    const r = await cli(['stylize', '--pack', pack, '--base', base, join(inputs, 'alpha.png'), join(inputs, 'rotated.jpg'), '--out', outDir + '/', '--strength', '0.8', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const a = await sharp(join(outDir, 'alpha.png')).raw().toBuffer({ resolveWithObject: true });
    expect([a.info.width, a.info.height, a.info.channels]).toEqual([40, 24, 4]);
    expect(a.data[3]).toBe(255);
    expect(a.data[(25) * 4 + 3]).toBe(0); // x = 25 on the first row was transparent
    const j = await sharp(join(outDir, 'rotated.jpg')).metadata();
    expect([j.format, j.width, j.height]).toEqual(['jpeg', 24, 40]);

    const big = await cli(['stylize', '--pack', join(run, 'packs', 'checks.stylepack'), join(fx.content, 'a.png'), '--out', join(tmp.dir, 'small.webp'), '--max-size', '32', '--preserve-colors', '--backend', 'wasm']);
    expect(big.code, big.stderr).toBe(0);
    expect(big.stdout).toMatch(/downscaled from 64×48 to 32×24/);
    expect((await sharp(join(tmp.dir, 'small.webp')).metadata()).width).toBe(32);

    const tiled = await cli(['stylize', '--pack', join(run, 'packs', 'checks.stylepack'), join(fx.content, 'a.png'), '--out', join(tmp.dir, 'tiled.png'), '--max-size', '32', '--tile', '64', '--mix', 'checks:1,waves:1', '--backend', 'wasm']);
    expect(tiled.code, tiled.stderr).toBe(0);
    expect(tiled.stdout).toMatch(/full size in 1 tiles of 64 px/);
    expect((await sharp(join(tmp.dir, 'tiled.png')).metadata()).width).toBe(64);
  });

  it('eval prints a table and writes JSON', async () => {
    const json = join(tmp.dir, 'eval.json');
    const r = await cli(['eval', '--pack', join(run, 'model.stylepack'), '--content', fx.content, '--checkpoint', join(run, 'checkpoint.bin'), '--size', '32', '--json', json, '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/style\s+content\s+style\s+adversarial\s+tv\s+ms\/image/);
    const j = JSON.parse(readFileSync(json, 'utf8'));
    expect(j.styles.map((s: { name: string }) => s.name)).toEqual(['checks', 'waves']);
    for (const s of j.styles) {
      for (const k of ['content', 'style', 'adversarial', 'tv']) expect(Number.isFinite(s.losses[k]), k).toBe(true);
      expect(s.msPerImage).toBeGreaterThan(0);
    }
    const one = await cli(['eval', '--pack', pack, '--base', join(run, 'model.stylepack'), '--content', fx.content, '--size', '32', '--backend', 'wasm']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/New style .* n\/a/); // no painting given: style loss n/a
  });
});
