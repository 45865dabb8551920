// The fast wasm kernels (native/kernels.wasm) against the cpu backend on random shapes: odd
// sizes, strides 1 and 2, 1×1/3×3/4×4/9×9 kernels, every padding kind, batch > 1, 1 and 2
// threads, and the relaxed-SIMD FMA build (one rounding per multiply-add: its error vs cpu is of the
// same size as a reordered sum: seen ≤ 6.9e-7, the other builds ≤ 7.5e-7). relErr = max|a − b| / max|b| < 1e-4.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastWasmKernelStatus, registerFastWasmKernels } from './register-wasm.js';
import { setFastWasmWinograd } from './fast-wasm.js';
import { compareCpuWasm, dataSource, useFastWasmEngines } from '../../testing/fast-wasm.js';

type S4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const rand = dataSource(1);

/** Runs `f` on cpu and on wasm (fast kernels) with the same inputs; returns the relErr per output. */
async function compare(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<number[]> {
  return compareCpuWasm(shapes.map((sh) => rand(sh)), shapes, f);
}

const engines = useFastWasmEngines();

const CONVS: { x: S4; k: number; ci?: number; co: number; s: number; pad: Pad }[] = [
  { x: [2, 13, 11, 5], k: 3, co: 7, s: 1, pad: 'valid' },
  { x: [3, 17, 15, 6], k: 3, co: 9, s: 2, pad: 'same' },
  { x: [2, 18, 18, 8], k: 4, co: 16, s: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 19, 21, 3], k: 9, co: 8, s: 1, pad: 4 },
  { x: [1, 23, 23, 4], k: 9, co: 3, s: 1, pad: 'valid' },
  { x: [2, 16, 16, 12], k: 1, co: 20, s: 1, pad: 'valid' },
  { x: [2, 15, 15, 12], k: 1, co: 10, s: 2, pad: 'same' },
  { x: [4, 34, 34, 16], k: 4, co: 32, s: 2, pad: 'valid' },
  { x: [2, 9, 9, 33], k: 3, co: 37, s: 1, pad: 'same' },
  // 3x3 stride 1 runs as Winograd: odd output sizes (partial 2x2 tiles), Co < 8, asymmetric padding.
  { x: [2, 21, 19, 6], k: 3, co: 10, s: 1, pad: 'valid' },
  { x: [1, 30, 27, 9], k: 3, co: 5, s: 1, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
  // 4x4 stride 2 runs as Winograd F(2x2, 2x2) over the input's phases: odd output sizes (partial
  // tiles), odd input sizes (an unused last row), Ci = 3 and Co < 8 (scalar tails), 'same' padding.
  { x: [2, 31, 33, 3], k: 4, co: 5, s: 2, pad: 'valid' },
  { x: [1, 21, 19, 6], k: 4, co: 12, s: 2, pad: 'same' },
  { x: [3, 13, 14, 9], k: 4, co: 7, s: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  // Short input rows read in place (micro_seg: Co >= 8, KW*Ci <= 64, no padding; stride 2 too),
  // the narrow-channel filter gradient (outer products: Ci <= 4 < Co or Co <= 4 < Ci, no padding)
  // and the input gradient as a conv of the zero-padded dy (KW*Co <= 64, Ci >= 8, padded or not).
  { x: [2, 22, 20, 3], k: 9, co: 16, s: 1, pad: 'valid' },
  { x: [2, 24, 21, 16], k: 7, co: 3, s: 1, pad: 'valid' },
  { x: [2, 17, 19, 4], k: 5, co: 9, s: 2, pad: 'valid' },
  { x: [1, 20, 18, 8], k: 5, co: 2, s: 1, pad: 'same' },
];

// 3x3 stride-1 filter gradients (Winograd, pads <= 2; pads > 2 fall back to im2col): odd sizes
// (partial 2x2 tiles), Ci/Co < 8 and >= 8, batch > 1, 'valid' / 'same' / explicit pads.
const FILTER_GRADS: { x: S4; co: number; pad: Pad }[] = [
  { x: [2, 25, 23, 5], co: 7, pad: 'valid' },
  { x: [3, 17, 19, 12], co: 9, pad: 'same' },
  { x: [2, 20, 15, 9], co: 16, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [2, 30, 29, 3], co: 4, pad: 1 },
  { x: [1, 21, 22, 16], co: 24, pad: [[0, 0], [1, 0], [2, 2], [0, 0]] },
  { x: [2, 18, 18, 16], co: 3, pad: [[0, 0], [3, 3], [0, 0], [0, 0]] },
];

describe.each([
  ['2 threads', 0],
  ['1 thread', 1],
  ['1 thread, relaxed-SIMD FMA', 2],
])('fast wasm kernels, %s', (_label, which) => {
  beforeAll(() => {
    expect(engines[which]!.fma).toBe(which === 2);
    registerFastWasmKernels(engines[which]!);
  });

  it.each(CONVS.map((c) => [`${c.x.join('x')} k${c.k} s${c.s} ${JSON.stringify(c.pad)}`, c] as const))(
    'conv2d forward + both gradients: %s',
    async (_n, c) => {
      const status = fastWasmKernelStatus();
      const winoBefore = Object.fromEntries(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].map((k) => [k, status[k]!.winograd]));
      const fShape: S4 = [c.k, c.k, c.x[3], c.co];
      const errs = await compare([c.x, fShape], (x, w) => {
        const y = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad as 'valid');
        const out = y(x!, w!);
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(y(xx, ww), tf.sin(tf.range(0, out.size).reshape(out.shape)))));
        return [out, ...g([x!, w!])];
      });
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      if (c.k === 4 && c.s === 2) {
        for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) expect(fastWasmKernelStatus()[k]!.winograd, k).toBeGreaterThan(winoBefore[k]!);
      }
    },
  );

  // 3x3 stride 1 runs F(4x4, 3x3) by default; F(2x2, 3x3) stays selectable (A/B): both vs cpu.
  it.each([false, true])('conv2d 3x3 stride 1 forward + input gradient, F(4x4) %s', async (f4) => {
    setFastWasmWinograd({ f4 });
    try {
      for (const [x, co, pad] of [[[2, 21, 19, 6], 10, 'valid'], [[1, 30, 27, 9], 5, [[0, 0], [2, 0], [1, 1], [0, 0]]], [[2, 9, 9, 33], 37, 'same']] as [S4, number, Pad][]) {
        const before = fastWasmKernelStatus().Conv2D!.winograd;
        const errs = await compare([x, [3, 3, x[3], co]], (xx, w) => {
          const y = (t: tf.Tensor) => tf.conv2d(t as tf.Tensor4D, w as tf.Tensor4D, 1, pad as 'valid');
          const out = y(xx!);
          return [out, tf.grad((t: tf.Tensor) => tf.sum(tf.mul(y(t), tf.sin(tf.range(0, out.size).reshape(out.shape)))))(xx!)];
        });
        for (const e of errs) expect(e).toBeLessThan(1e-4);
        expect(fastWasmKernelStatus().Conv2D!.winograd).toBeGreaterThan(before);
      }
    } finally {
      setFastWasmWinograd(true);
    }
  });

  it.each(FILTER_GRADS.map((c) => [`${c.x.join('x')} co${c.co} ${JSON.stringify(c.pad)}`, c] as const))(
    'conv2d 3x3 stride-1 filter gradient: %s',
    async (_n, c) => {
      const before = fastWasmKernelStatus().Conv2DBackpropFilter!.winograd;
      const errs = await compare([c.x, [3, 3, c.x[3], c.co]], (x, w) => {
        const y = (ww: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 1, c.pad as 'valid');
        const n = y(w!).size;
        return tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(y(ww), tf.sin(tf.range(0, n).reshape(y(w!).shape)))))(w!);
      });
      for (const e of errs) expect(e).toBeLessThan(1e-4);
      const pads = typeof c.pad === 'object' ? [c.pad[1][0], c.pad[2][0]] : [];
      if (pads.every((p) => p <= 2)) expect(fastWasmKernelStatus().Conv2DBackpropFilter!.winograd).toBeGreaterThan(before);
    },
  );

  it.each([
    [[5, 37, 29], [5, 37, 29], true, false],
    [[3, 40, 24], [3, 33, 24], false, true],
    [[2, 31, 70], [2, 70, 19], false, false],
    [[1, 64, 96], [4, 64, 96], true, false],
    [[100, 3], [3, 120], false, false],
    [[50, 60], [70, 50], true, true],
  ] as [number[], number[], boolean, boolean][])('matMul %j × %j (tA %s, tB %s) + gradients', async (a, b, ta, tb) => {
    const errs = await compare([a, b], (x, y) => {
      const f = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D, ta, tb);
      const out = f(x!, y!);
      // tfjs's own matMul gradient does not reduce a broadcast batch (on any backend): forward only.
      if (a.length === 3 && a[0] !== b[0]) return [out];
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), tf.cos(tf.range(0, out.size).reshape(out.shape)))));
      return [out, ...g([x!, y!])];
    });
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });

  it.each([
    [[3, 5, 1, 7], [1, 1, 2, 1]],
    [[2, 3, 4], [2, 1, 3]],
    [[2, 9, 1, 33], [1, 1, 2, 1]],
    [[5], [4]],
    [[2, 2, 3, 2], [2, 3, 1, 2]],
  ] as [number[], number[]][])('tile %j by %j + gradient', async (shape, reps) => {
    const errs = await compare([shape], (x) => {
      const out = tf.tile(x!, reps);
      const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.tile(p, reps), tf.range(0, out.size).reshape(out.shape))));
      return [out, g(x!)];
    });
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});

describe('fast wasm kernels: status', () => {
  it('reports the kernels as installed and used', () => {
    const s = fastWasmKernelStatus();
    for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'Tile']) {
      expect(s[k]!.installed).toBe(true);
      expect(s[k]!.fast).toBeGreaterThan(0);
    }
  });
});
