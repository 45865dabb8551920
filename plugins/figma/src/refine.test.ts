// Refine (ui/refine.ts) in Node on tfjs cpu with the real loss network: the sizes it works at,
// bringing the change back to full size, the result moving towards the style target (style loss
// falls), Cancel stopping with no image, and no tensors left behind.
import * as tf from '@tensorflow/tfjs';
import type { RgbaImage } from '@stylepack/core';
import { loadNsfwjsMobileNetSource } from '@stylepack/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeLossNetwork } from './ui/learn.js';
import { Refiner, applyRefinement, explainRefineError, refineWorkSize, styleTargetSize } from './ui/refine.js';
import { refinedLayerName } from './ui/refine-controller.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('refine sizes', () => {
  it('works at the longer side ≤ size, never below 32 px a side, never above the layer', () => {
    expect(refineWorkSize(2000, 1000, 384)).toEqual({ width: 384, height: 192 });
    expect(refineWorkSize(1000, 3000, 512)).toEqual({ width: 171, height: 512 });
    expect(refineWorkSize(100, 60, 384)).toEqual({ width: 100, height: 60 });
    // a long strip: the shorter side is kept at 32 (the loss network's minimum)
    expect(refineWorkSize(4000, 100, 256)).toEqual({ width: 1280, height: 32 });
    expect(() => refineWorkSize(300, 20, 384)).toThrow(/300×20 px; refine needs at least 32 px a side/);
  });

  it('measures the style at the result’s shorter side, the longer at most twice that', () => {
    expect(styleTargetSize(1000, 800, 192)).toEqual({ width: 240, height: 192 });
    expect(styleTargetSize(3000, 500, 100)).toEqual({ width: 200, height: 33 });
  });

  it('names the new layer after the layer and the style', () => {
    expect(refinedLayerName('Photo · Starry Night', null, 60)).toBe('Photo · Starry Night · refined 60');
    expect(refinedLayerName('Photo', 'Great Wave', 40)).toBe('Photo · Great Wave · refined 40');
  });

  it('turns out-of-memory errors into advice', () => {
    expect(explainRefineError(new Error('Failed to allocate 1 GB')).message).toMatch(/ran out of memory .*smaller refine size/);
    expect(explainRefineError(new Error('something else')).message).toBe('something else');
  });
});

describe('applyRefinement', () => {
  it('is the refined picture when it ran at full size', () => {
    const start = tf.fill([1, 4, 4, 3], 0.5) as tf.Tensor4D;
    const refined = tf.fill([1, 4, 4, 3], 0.7) as tf.Tensor4D;
    const out = applyRefinement(start, start, refined);
    expect(Array.from(out.dataSync()).every((v) => Math.abs(v - 0.7) < 1e-6)).toBe(true);
    tf.dispose([start, refined, out]);
  });

  it('adds the upsampled change to the full-size start, keeping its detail', () => {
    // full-size start: a checkerboard (detail the working size cannot hold)
    const full = tf.tidy(() => tf.tensor4d(Array.from({ length: 8 * 8 * 3 }, (_, i) => ((Math.floor(i / 3) % 8) + Math.floor(i / 24)) % 2 ? 0.6 : 0.4), [1, 8, 8, 3]));
    const work = tf.image.resizeBilinear(full, [4, 4], false, true) as tf.Tensor4D;
    const refined = tf.tidy(() => tf.add(work, 0.1)) as tf.Tensor4D; // refine brightened everything by 0.1
    const out = applyRefinement(full, work, refined);
    expect(out.shape).toEqual([1, 8, 8, 3]);
    const d = tf.tidy(() => tf.sub(out, full).dataSync());
    for (const v of d) expect(v).toBeCloseTo(0.1, 5);
    tf.dispose([full, work, refined, out]);
  });
});

describe('Refiner on cpu with the real loss network', () => {
  const photo = gradient(48, 40);
  const painting = stripes(64, 64, 5);
  const src = () => loadNsfwjsMobileNetSource();

  it('moves the start towards the style: lower style loss, a changed picture of the start’s size', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const r = await new Refiner({ content: photo, start: photo, style: painting, opts: { steps: 6, size: 384, learningRate: 0.05 } }, src).run((p) => void progress.push(p.step));
    expect(r.cancelled).toBe(false);
    expect(r.steps).toBe(6);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.work).toEqual({ width: 48, height: 40 });
    expect(r.image.width).toBe(48);
    expect(r.image.height).toBe(40);
    expect(r.styleLossEnd).toBeLessThan(r.styleLossStart);
    expect(meanAbsDiff(r.image, photo)).toBeGreaterThan(1);
    disposeLossNetwork();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('refines a larger start at the working size and brings the change back to full size', async () => {
    const big = gradient(96, 80);
    const r = await new Refiner({ content: big, start: big, style: painting, opts: { steps: 2, size: 48, learningRate: 0.05 } }, src).run(() => {});
    expect(r.work).toEqual({ width: 48, height: 40 });
    expect([r.image.width, r.image.height]).toEqual([96, 80]);
    expect(meanAbsDiff(r.image, big)).toBeGreaterThan(0.5);
    disposeLossNetwork();
  }, 120_000);

  it('Cancel stops after the current step: no image, no tensors left', async () => {
    const before = tf.memory().numTensors;
    const refiner = new Refiner({ content: photo, start: photo, style: painting, opts: { steps: 50, size: 384 } }, src);
    const r = await refiner.run((p) => {
      if (p.step === 2) refiner.cancel();
    });
    expect(r.cancelled).toBe(true);
    expect(r.steps).toBe(2);
    expect(r.image.data.length).toBe(0);
    disposeLossNetwork();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('refuses a layer the loss network cannot see', async () => {
    const tiny = gradient(40, 20);
    await expect(new Refiner({ content: tiny, start: tiny, style: painting, opts: { steps: 2, size: 384 } }, src).run(() => {})).rejects.toThrow(/40×20 px; refine needs at least 32 px/);
  });
});

function gradient(w: number, h: number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data.set([(x / w) * 255, (y / h) * 255, 128 + 60 * Math.sin(x / 5), 255], (y * w + x) * 4);
  return { width: w, height: h, data };
}

/** The "painting": red/blue diagonal stripes. */
function stripes(w: number, h: number, period: number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data.set(Math.floor((x + y) / period) % 2 === 0 ? [230, 60, 20, 255] : [25, 40, 235, 255], (y * w + x) * 4);
  return { width: w, height: h, data };
}

function meanAbsDiff(a: RgbaImage, b: RgbaImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / ((a.data.length / 4) * 3);
}
