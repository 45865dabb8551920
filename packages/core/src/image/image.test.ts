import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Generator, generatorPreset } from '../model/index.js';
import { CancelledError, fitWithin, preserveColors, rgbToRgba, rgbaToTensor, stylizeTiled, tileCount, tileStarts } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pixel conversion', () => {
  it('round-trips RGBA bytes and keeps alpha', () => {
    const data = new Uint8Array([0, 128, 255, 10, 1, 2, 3, 255]);
    const t = rgbaToTensor({ width: 2, height: 1, data });
    expect(t.shape).toEqual([1, 1, 2, 3]);
    const back = rgbToRgba(t.dataSync() as Float32Array, 2, 1, { width: 2, height: 1, data });
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('rejects empty and inconsistent images clearly', () => {
    expect(() => rgbaToTensor({ width: 0, height: 5, data: new Uint8Array(0) })).toThrow(/empty/);
    expect(() => rgbaToTensor({ width: 2, height: 2, data: new Uint8Array(3) })).toThrow(/needs 16/);
  });

  it('fitWithin only scales down', () => {
    expect(fitWithin(4000, 2000, 1000)).toEqual({ width: 1000, height: 500, scale: 0.25 });
    expect(fitWithin(300, 200, 1000).scale).toBe(1);
  });
});

describe('preserveColors', () => {
  it('keeps the stylized luminance and the content chrominance', () => {
    const stylized = tf.tensor4d([0.4, 0.4, 0.4], [1, 1, 1, 3]);
    const content = tf.tensor4d([0.5, 0.3, 0.3], [1, 1, 1, 3]);
    const out = preserveColors(stylized, content).dataSync();
    const lum = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
    expect(lum(out[0], out[1], out[2])).toBeCloseTo(0.4, 3);
    expect(out[0]).toBeGreaterThan(out[1]); // still red-ish
  });
});

describe('tiled stylization', () => {
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 0.5 }), 11);

  it('tile starts cover the axis with the requested overlap', () => {
    expect(tileStarts(100, 128, 16)).toEqual([0]);
    expect(tileStarts(300, 128, 32)).toEqual([0, 96, 172]);
  });

  it('one tile equals a plain stylize', async () => {
    const x = tf.randomUniform([1, 24, 20, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const v = g.styleVectors(g.oneHot(0));
    const tiled = await stylizeTiled(g, x, v, { tileSize: 64 });
    const direct = g.stylize(x, v).dataSync();
    let maxDiff = 0;
    for (let i = 0; i < direct.length; i++) maxDiff = Math.max(maxDiff, Math.abs(direct[i] - tiled[i]));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('many tiles blend without seams and report progress', async () => {
    const x = tf.tidy(() => tf.image.resizeBilinear(tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D, [72, 72]));
    const v = g.styleVectors(g.oneHot(0));
    const seen: number[] = [];
    const tiled = await stylizeTiled(g, x, v, { tileSize: 32, overlap: 8, onTile: (d) => seen.push(d) });
    expect(seen).toEqual([...Array(tileCount(72, 72, { tileSize: 32, overlap: 8 })).keys()].map((i) => i + 1));
    expect(tiled.length).toBe(72 * 72 * 3);
    // The blended result stays close to the whole-image result (instance norm sees a smaller
    // area per tile, so it is not identical), and has no NaNs.
    const direct = g.stylize(x, v).dataSync();
    let sum = 0;
    for (let i = 0; i < direct.length; i++) sum += Math.abs(direct[i] - tiled[i]);
    expect(Number.isFinite(sum)).toBe(true);
    expect(sum / direct.length).toBeLessThan(0.15);
    // blending is convex: every value stays inside the network's (0,1) range
    expect(Math.min(...tiled)).toBeGreaterThan(0);
    expect(Math.max(...tiled)).toBeLessThan(1);
  });

  it('stops between tiles when cancelled', async () => {
    const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
    let tiles = 0;
    await expect(
      stylizeTiled(g, x, g.styleVectors(g.oneHot(0)), { tileSize: 32, overlap: 8, onTile: () => tiles++, isCancelled: () => tiles >= 2 }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(tiles).toBe(2);
  });
});
