import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerMirrorPadGradientFix, registerResizeBilinearGradientFix } from './tfjs-fixes.js';

/** Reference: scatter dy back to the source index of every padded position. */
function mirrorPadGradRef(dy: Float32Array, xShape: number[], paddings: [number, number][], mode: 'reflect' | 'symmetric'): Float32Array {
  const pShape = xShape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = new Float32Array(xShape.reduce((a, b) => a * b, 1));
  const src = (p: number, axis: number) => {
    const [before] = paddings[axis]!;
    const len = xShape[axis]!;
    const i = p - before;
    if (i < 0) return mode === 'reflect' ? -i : -i - 1;
    if (i >= len) return mode === 'reflect' ? 2 * len - 2 - i : 2 * len - 1 - i;
    return i;
  };
  const idx = new Array<number>(pShape.length).fill(0);
  for (let flat = 0; flat < dy.length; flat++) {
    let rem = flat;
    for (let a = pShape.length - 1; a >= 0; a--) {
      idx[a] = rem % pShape[a]!;
      rem = Math.floor(rem / pShape[a]!);
    }
    let o = 0;
    for (let a = 0; a < xShape.length; a++) o = o * xShape[a]! + src(idx[a]!, a);
    out[o]! += dy[flat]!;
  }
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('MirrorPad gradient fix', () => {
  it('tfjs 4.22 stock gradient is wrong (the reason this fix exists)', async () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mirrorPad(t as tf.Tensor4D, [[0, 0], [0, 0], [2, 1], [0, 0]], 'reflect')))(x);
    // If this starts failing, tfjs fixed it and registerMirrorPadGradientFix can go.
    expect(Array.from(await g.data())).toEqual([1, 1, 1, 1]);
    tf.dispose([x, g]);
  });

  it('matches a scatter reference for reflect and symmetric, asymmetric pads', async () => {
    expect(registerMirrorPadGradientFix()).toBe(true);
    expect(registerMirrorPadGradientFix()).toBe(false);
    const xShape = [2, 5, 6, 3];
    for (const mode of ['reflect', 'symmetric'] as const) {
      const paddings: [number, number][] = [[0, 0], [2, 4], [3, 1], [0, 0]];
      if (mode === 'reflect') paddings[1] = [2, 4]; // ≤ len − 1
      const x = tf.randomNormal(xShape, 0, 1, 'float32', 1);
      const pShape = xShape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      const r = tf.randomNormal(pShape, 0, 1, 'float32', 2);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, mode), r)))(x);
      const ref = mirrorPadGradRef((await r.data()) as Float32Array, xShape, paddings, mode);
      const got = await g.data();
      for (let i = 0; i < ref.length; i++) expect(got[i]).toBeCloseTo(ref[i]!, 4);
      tf.dispose([x, r, g]);
    }
  });
});

describe('ResizeBilinear gradient (cpu backend declares the gradient transposed)', () => {
  it('non-square resize: gradient has the input\'s shape and matches a finite difference', async () => {
    await tf.setBackend('cpu');
    registerResizeBilinearGradientFix();
    const x = tf.tensor4d(Array.from({ length: 3 * 5 * 2 }, (_, i) => Math.sin(i)), [1, 3, 5, 2]);
    const w = tf.tensor4d(Array.from({ length: 4 * 7 * 2 }, (_, i) => Math.cos(i * 0.7)), [1, 4, 7, 2]);
    const f = (t: tf.Tensor4D) => tf.sum(tf.mul(tf.image.resizeBilinear(t, [4, 7]), w));
    const g = tf.grad(f)(x);
    expect(g.shape).toEqual([1, 3, 5, 2]);
    // the loss is linear in x, so a unit finite difference is exact up to rounding
    const xs = x.dataSync();
    const gs = g.dataSync();
    const base = f(x).dataSync()[0]!;
    for (const i of [0, 7, 13, 29]) {
      const e = Float32Array.from(xs);
      e[i]! += 1;
      const d = f(tf.tensor4d(e, [1, 3, 5, 2])).dataSync()[0]! - base;
      expect(gs[i]).toBeCloseTo(d, 3);
    }
  });
});
