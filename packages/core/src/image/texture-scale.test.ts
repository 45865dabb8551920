import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Generator, generatorPreset, writeParams, type StyleVectors } from '../model/index.js';
import { decodePack } from '../pack/index.js';
import { initNodeBackend } from '../node/backend-node.js';
import {
  LAYER_REFERENCE_SIDE,
  layerTextureScale,
  previewImageSide,
  resampleRgb,
  stylizeAtScale,
  workingSize,
} from './texture-scale.js';

const meanAbs = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};

describe('resampleRgb', () => {
  it('returns the same pixels at the same size and keeps a flat colour flat', () => {
    const rgb = new Float32Array(6 * 4 * 3).map((_, i) => (i % 3) / 4 + 0.1);
    expect(resampleRgb(rgb, 6, 4, 6, 4)).toBe(rgb);
    for (const [w, h] of [[3, 2], [13, 9], [1, 1]]) {
      const out = resampleRgb(rgb, 6, 4, w, h);
      expect(out.length).toBe(w * h * 3);
      for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo((i % 3) / 4 + 0.1, 5);
    }
  });

  it('averages when shrinking (no aliasing): a 1 px checkerboard halves to flat grey', () => {
    const w = 16;
    const rgb = new Float32Array(w * w * 3);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) rgb.fill((x + y) % 2, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = resampleRgb(rgb, w, w, 8, 8);
    // interior pixels (edges renormalise over fewer taps)
    for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) expect(out[(y * 8 + x) * 3]).toBeCloseTo(0.5, 5);
  });

  it('interpolates linearly when enlarging', () => {
    const rgb = new Float32Array(4 * 1 * 3);
    [0, 1, 2, 3].forEach((v, i) => rgb.fill(v, i * 3, i * 3 + 3));
    const out = resampleRgb(rgb, 4, 1, 8, 1);
    // output centres at 0.25, 0.75, ... input px: interior values step by 0.5
    expect(Array.from({ length: 8 }, (_, i) => out[i * 3])).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3].map((v) => expect.closeTo(v, 5)));
  });
});

describe('texture scale arithmetic', () => {
  it('works at 1/scale of the image, keeping at least 8 px a side', () => {
    expect(workingSize(1024, 768, 2)).toEqual({ width: 512, height: 384 });
    expect(workingSize(100, 50, 0.5)).toEqual({ width: 200, height: 100 });
    expect(workingSize(100, 50, 1)).toEqual({ width: 100, height: 50 });
    expect(workingSize(64, 16, 4)).toEqual({ width: 32, height: 8 });
    expect(() => workingSize(10, 10, 0)).toThrow(/positive/);
  });

  it('maps the relative control so a 4096 px layer and its 256 px preview run the model alike', () => {
    for (const rel of [0.25, 0.5, 1, 2, 4]) {
      const full = workingSize(4096, 2048, layerTextureScale(rel, 4096, 4096));
      const preview = workingSize(256, 128, layerTextureScale(rel, 4096, 256));
      expect(full).toEqual(preview);
      expect(full.width).toBe(Math.round(LAYER_REFERENCE_SIDE / rel));
    }
    // 100 % on a layer smaller than the reference: the model runs at the layer's own size.
    expect(layerTextureScale(1, 300, 300)).toBe(1);
    expect(workingSize(256, 256, layerTextureScale(1, 300, 256))).toEqual({ width: 300, height: 300 });
    // 200 %: strokes twice as large relative to the layer = the model sees half the pixels.
    expect(layerTextureScale(2, 300, 300)).toBe(2);
    expect(() => layerTextureScale(0, 300, 300)).toThrow(/positive/);
  });

  it('exports the preview at the model side when that is larger than the preview, never above the layer', () => {
    expect(previewImageSide(1, 4096)).toBe(512); // model at 512 px: export 512, show at 256
    expect(previewImageSide(4, 4096)).toBe(256); // model at 128 px: the 256 px preview suffices
    expect(previewImageSide(0.25, 4096)).toBe(2048);
    expect(previewImageSide(0.25, 300)).toBe(300); // the model sees 1200 px: enlarged from the layer, as in the full run
    expect(previewImageSide(1, 100)).toBe(100);
    // The preview's model then runs at the full run's size.
    for (const [rel, side] of [[1, 4096], [0.5, 1000], [2, 300], [0.25, 300]]) {
      const p = previewImageSide(rel, side);
      expect(workingSize(p, p, layerTextureScale(rel, side, p))).toEqual(workingSize(side, side, layerTextureScale(rel, side, side)));
    }
  });
});

describe('stylizeAtScale with the real base model', () => {
  let g: Generator;
  let style: StyleVectors;

  beforeAll(async () => {
    await initNodeBackend('wasm');
    const base = await decodePack(new Uint8Array(readFileSync(new URL('../../../../models/base/model.stylepack', import.meta.url))));
    const pack = await decodePack(new Uint8Array(readFileSync(new URL('../../../../models/packs/van-gogh-starry-night.stylepack', import.meta.url))));
    g = new Generator(generatorPreset('lite', { numStyles: 1 }));
    const values: Record<string, { shape: number[]; data: Float32Array }> = { ...base.weights! };
    for (const { name, channels } of g.normLayers) {
      for (const kind of ['gamma', 'beta'] as const) values[`${name}/${kind}`] = { shape: [1, channels], data: pack.styles[0].tensors[`${name}/${kind}`].data };
    }
    writeParams(g.params, values, 'base model');
    style = g.styleVectors(tf.ones([1, 1]));
  });

  afterAll(() => {
    for (const v of Object.values(style ?? {})) {
      v.gamma.dispose();
      v.beta.dispose();
    }
    g?.dispose();
  });

  /** A synthetic scene with detail at several sizes (gradients, discs, stripes), side×side RGB. */
  function scene(side: number): Float32Array {
    const rgb = new Float32Array(side * side * 3);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const u = (x + 0.5) / side, v = (y + 0.5) / side;
        const disc = (u - 0.35) ** 2 + (v - 0.4) ** 2 < 0.04 ? 1 : 0;
        const stripes = Math.sin(u * 40 + v * 12) > 0 ? 1 : 0;
        const i = (y * side + x) * 3;
        rgb[i] = 0.2 + 0.6 * u * (1 - disc) + 0.2 * disc;
        rgb[i + 1] = 0.3 + 0.4 * v + 0.2 * stripes * (v > 0.6 ? 1 : 0);
        rgb[i + 2] = 0.5 + 0.4 * disc - 0.3 * u * v;
      }
    }
    return rgb;
  }

  const onePass = (x: tf.Tensor4D) => {
    const y = g.stylize(x, style, 1);
    return y.data().finally(() => y.dispose()) as Promise<Float32Array>;
  };

  async function stylizeRgb(rgb: Float32Array, side: number, scale: number): Promise<Float32Array> {
    const x = tf.tensor4d(rgb, [1, side, side, 3]);
    try {
      return await stylizeAtScale(x, onePass, { scale });
    } finally {
      x.dispose();
    }
  }

  it('a 1024 px output at scale s, downsampled to 512, is close to the 512 px output at s/2 and far from the one at 2s', async () => {
    const before = tf.memory().numTensors;
    const big = scene(1024);
    const small = resampleRgb(big, 1024, 1024, 512, 512); // the same picture exported at half size
    const s = 2;
    const bigAtS = resampleRgb(await stylizeRgb(big, 1024, s), 1024, 1024, 512, 512);
    const smallAtHalf = await stylizeRgb(small, 512, s / 2);
    const smallAtDouble = await stylizeRgb(small, 512, 2 * s);
    const close = meanAbs(bigAtS, smallAtHalf);
    const far = meanAbs(bigAtS, smallAtDouble);
    console.info(`texture scale: |1024@${s}↓ − 512@${s / 2}| = ${close.toFixed(4)}, |1024@${s}↓ − 512@${2 * s}| = ${far.toFixed(4)}`);
    expect(close).toBeLessThan(0.03);
    expect(far).toBeGreaterThan(3 * close);
    // And the scale matters at all: the 512 px outputs at s/2 and 2s differ clearly.
    expect(meanAbs(smallAtHalf, smallAtDouble)).toBeGreaterThan(0.04);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applies strength and colour preservation at full resolution, not at the model size', async () => {
    const side = 64;
    const rgb = scene(side);
    const x = tf.tensor4d(rgb, [1, side, side, 3]);
    try {
      // Strength 0 gives back the input exactly, even at scale 4 (model at 16 px).
      expect(meanAbs(await stylizeAtScale(x, onePass, { scale: 4, strength: 0 }), rgb)).toBeLessThan(1e-6);
      // Preserved colours: the chrominance (YIQ I and Q) is the input's, pixel by pixel.
      const kept = await stylizeAtScale(x, onePass, { scale: 4, preserveColors: true });
      const iq = (a: Float32Array, p: number) => [0.595716 * a[p] - 0.274453 * a[p + 1] - 0.321263 * a[p + 2], 0.211456 * a[p] - 0.522591 * a[p + 1] + 0.311135 * a[p + 2]];
      // What taking the colours at the model's 16 px would give: the blurred input's chrominance.
      const blurred = resampleRgb(resampleRgb(rgb, side, side, 16, 16), 16, 16, side, side);
      let err = 0, errBlurred = 0, n = 0;
      for (let p = 0; p < rgb.length; p += 3) {
        if (Math.min(kept[p], kept[p + 1], kept[p + 2]) <= 0 || Math.max(kept[p], kept[p + 1], kept[p + 2]) >= 1) continue; // clipped
        const [i0, q0] = iq(rgb, p);
        const [i1, q1] = iq(kept, p);
        const [i2, q2] = iq(blurred, p);
        err = Math.max(err, Math.abs(i0 - i1), Math.abs(q0 - q1));
        errBlurred = Math.max(errBlurred, Math.abs(i0 - i2), Math.abs(q0 - q2));
        n++;
      }
      expect(n).toBeGreaterThan(side * side * 0.5);
      expect(err).toBeLessThan(1e-4); // the input's own chrominance, pixel for pixel
      expect(errBlurred).toBeGreaterThan(0.05); // which the model-size picture would not have
      // Half strength is halfway between the input and the full style.
      const fullStyle = await stylizeAtScale(x, onePass, { scale: 4 });
      const half = await stylizeAtScale(x, onePass, { scale: 4, strength: 0.5 });
      const mid = fullStyle.map((v, i) => (v + rgb[i]) / 2);
      expect(meanAbs(half, mid)).toBeLessThan(1e-5);
    } finally {
      x.dispose();
    }
  });
});
