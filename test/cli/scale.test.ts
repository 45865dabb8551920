// stylepack stylize --scale: validation, that the texture scale reaches the output (same size,
// other strokes), and how it composes with --max-size and --tile. The built-in Starry Night pack
// and the bundled base model; synthetic inputs (no image licences).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { cli, tempDir, writePng } from './helpers.js';

const PACK = 'van-gogh-starry-night';
let tmp: ReturnType<typeof tempDir>;
let input: string;

beforeAll(async () => {
  tmp = tempDir('scale');
  input = join(tmp.dir, 'in.png');
  await writePng(input, 96, 64, (x, y) => [60 + x * 2, 40 + y * 3, (x * y) % 200 > 100 ? 220 : 40]);
});
afterAll(() => tmp.cleanup());

async function pixels(path: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

const meanAbs = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length / 255;

describe('stylize --scale', () => {
  it('refuses values that are not numbers or outside 0.25–4, naming the option', async () => {
    for (const [v, msg] of [['5', /--scale must be at most 4 \(got 5\)/], ['0.1', /--scale must be at least 0.25/], ['big', /--scale must be a number/], ['Infinity', /--scale must be a number/]] as const) {
      const r = await cli(['stylize', '--pack', PACK, input, '--out', join(tmp.dir, 'x.png'), '--scale', v, '--backend', 'wasm']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const help = await cli(['stylize', '--help']);
    expect(help.stdout).toMatch(/--scale S\s+texture scale \("brush size"\), 0.25..4/);
  });

  it('keeps the output size and changes the strokes; --max-size bounds the model side, not the output', async () => {
    const out1 = join(tmp.dir, 's1.png');
    const out2 = join(tmp.dir, 's2.png');
    const r1 = await cli(['stylize', '--pack', PACK, input, '--out', out1, '--backend', 'wasm']);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await cli(['stylize', '--pack', PACK, input, '--out', out2, '--scale', '2', '--backend', 'wasm']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/texture scale 2/);
    const [a, b] = [await pixels(out1), await pixels(out2)];
    expect([b.width, b.height]).toEqual([96, 64]);
    expect(meanAbs(a.data, b.data)).toBeGreaterThan(0.03);

    // At --scale 2 the model sees 48×32, within --max-size 48: the output stays 96×64.
    const fits = await cli(['stylize', '--pack', PACK, input, '--out', join(tmp.dir, 'fits.png'), '--scale', '2', '--max-size', '48', '--backend', 'wasm']);
    expect(fits.code, fits.stderr).toBe(0);
    expect(fits.stdout).not.toMatch(/downscaled/);
    expect((await pixels(join(tmp.dir, 'fits.png'))).width).toBe(96);
    // At --scale 0.5 it would see 192×128: the output is downscaled so the model sees 48 px.
    const fine = await cli(['stylize', '--pack', PACK, input, '--out', join(tmp.dir, 'fine.png'), '--scale', '0.5', '--max-size', '48', '--backend', 'wasm']);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/downscaled from 96×64 to 24×16 \(--max-size 48 at --scale 0.5/);
    // With --tile the output keeps its size and the tiles are counted at the model's size.
    const tiled = await cli(['stylize', '--pack', PACK, input, '--out', join(tmp.dir, 'tiled.png'), '--scale', '0.5', '--max-size', '48', '--tile', '64', '--backend', 'wasm']);
    expect(tiled.code, tiled.stderr).toBe(0);
    expect(tiled.stdout).toMatch(/full size in 15 tiles of 64 px/);
    expect((await pixels(join(tmp.dir, 'tiled.png'))).width).toBe(96);
  });
});
