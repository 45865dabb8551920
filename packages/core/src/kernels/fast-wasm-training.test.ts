// 50 GAN training steps (johnson preset at width multiplier 0.25, 16², batch 1) on wasm with the
// fast kernels vs. the cpu backend: same losses. The loss network is a tiny MobileNet-like stack
// (3×3 conv, depthwise 3×3 stride 2, 1×1 conv, relu6) with fixed random weights: the real
// MobileNetV2 takes ~20 s per step on the cpu backend, too slow for a unit test.
// tfjs-cpu's Conv2DBackpropFilter/Input index element by element through TensorBuffer.get and take
// 4-12 s per call even at these sizes, so for the cpu run they are swapped for plain-loop
// references (float64 sums), which the first test checks against tfjs-cpu's own kernels.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Discriminator, Generator, generatorPreset } from '../model/index.js';
import { Trainer } from '../train/trainer.js';
import { initNodeBackend } from '../node/backend-node.js';
import type { FeatureExtractor } from '../train/trainer.js';
import { setFastWasmWinograd } from './fast-wasm.js';
import { fastWasmKernelStatus } from './register-wasm.js';

const STEPS = 50;
/** 16² keeps the cpu run (plain-JS kernels) to a few seconds; the wasm path is the same code at any size. */
const SIZE = 16;
const BATCH = 1;

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

function tinyLossNet(): FeatureExtractor & { dispose(): void } {
  const w1 = tf.tensor4d(data(3 * 3 * 3 * 16, 21).map((v) => v - 0.5), [3, 3, 3, 16]);
  const dw = tf.tensor4d(data(3 * 3 * 16, 22).map((v) => v - 0.5), [3, 3, 16, 1]);
  const w2 = tf.tensor4d(data(16 * 24, 23).map((v) => (v - 0.5) * 0.5), [1, 1, 16, 24]);
  return {
    taps: ['a', 'b', 'c'],
    features(x: tf.Tensor4D, only?: readonly number[]): tf.Tensor4D[] {
      const a = tf.relu6(tf.conv2d(x, w1, 1, 'same'));
      const b = tf.relu6(tf.depthwiseConv2d(a, dw, 2, 'same'));
      const c = tf.relu6(tf.conv2d(b, w2, 1, 'valid'));
      return only ? only.map((i) => [a, b, c][i]!) : [a, b, c];
    },
    dispose() {
      tf.dispose([w1, dw, w2]);
    },
  };
}

async function train(backend: 'cpu' | 'wasm'): Promise<number[][]> {
  await tf.setBackend(backend);
  const lossNet = tinyLossNet();
  const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.25, numStyles: 2 }), 7);
  const d = new Discriminator({ width: 8, numStyles: 2 }, 8);
  const styleImages = [tf.tensor4d(data(24 * 24 * 3, 11), [1, 24, 24, 3]), tf.tensor4d(data(20 * 20 * 3, 12), [1, 20, 20, 3])];
  const trainer = new Trainer({ generator: g, discriminator: d, lossNet, contentTap: 2, styleImages, seed: 5 });
  const losses: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
    const x = tf.tensor4d(data(BATCH * SIZE * SIZE * 3, 100 + s), [BATCH, SIZE, SIZE, 3]);
    const r = trainer.trainStep(x, [s % 2, (s + 1) % 2].slice(0, BATCH));
    x.dispose();
    await new Promise((r) => setTimeout(r, 0)); // let vitest's RPC breathe
    losses.push([r.losses.generator, r.losses.discriminator, r.losses.content, r.losses.style, r.gradNorm]);
  }
  trainer.dispose();
  d.dispose();
  g.dispose();
  lossNet.dispose();
  tf.dispose(styleImages);
  return losses;
}

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
interface CpuLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}
type KArgs = Parameters<tf.KernelFunc>[0];

function geom(a: KArgs, xShape: number[], fShape: number[]): Conv2DInfo {
  const at = a.attrs as unknown as { strides: [number, number]; pad: 'valid'; dimRoundingMode?: 'floor' };
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], at.strides, 1, at.pad, at.dimRoundingMode, false, 'channelsLast');
}

/** Calls body(xIndex, dyIndex, fIndex) for every (input, output, tap) triple of a conv. */
function eachTap(c: Conv2DInfo, body: (xi: number, dyi: number, fi: number, ci: number, co: number) => void): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = c;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let kh = 0; kh < c.filterHeight; kh++) {
          const hh = y * c.strideHeight + kh - c.padInfo.top;
          if (hh < 0 || hh >= h) continue;
          for (let kw = 0; kw < c.filterWidth; kw++) {
            const ww = x * c.strideWidth + kw - c.padInfo.left;
            if (ww < 0 || ww >= w) continue;
            body(((b * h + hh) * w + ww) * ci, ((b * oh + y) * ow + x) * co, (kh * c.filterWidth + kw) * ci * co, ci, co);
          }
        }
}

const refFilter: tf.KernelFunc = (a) => {
  const be = a.backend as unknown as CpuLike;
  const { x, dy } = a.inputs as unknown as Record<string, tf.TensorInfo>;
  const fShape = (a.attrs as unknown as { filterShape: number[] }).filterShape;
  const xv = be.readSync(x!.dataId) as Float32Array;
  const dv = be.readSync(dy!.dataId) as Float32Array;
  const acc = new Float64Array(fShape.reduce((p, q) => p * q, 1));
  eachTap(geom(a, x!.shape, fShape), (xi, di, fi, ci, co) => {
    for (let i = 0; i < ci; i++) {
      const xval = xv[xi + i]!;
      for (let o = 0; o < co; o++) acc[fi + i * co + o] += xval * dv[di + o]!;
    }
  });
  return be.makeTensorInfo(fShape, 'float32', Float32Array.from(acc));
};

const refInput: tf.KernelFunc = (a) => {
  const be = a.backend as unknown as CpuLike;
  const { dy, filter } = a.inputs as unknown as Record<string, tf.TensorInfo>;
  const xShape = (a.attrs as unknown as { inputShape: number[] }).inputShape;
  const fv = be.readSync(filter!.dataId) as Float32Array;
  const dv = be.readSync(dy!.dataId) as Float32Array;
  const acc = new Float64Array(xShape.reduce((p, q) => p * q, 1));
  eachTap(geom(a, xShape, filter!.shape), (xi, di, fi, ci, co) => {
    for (let i = 0; i < ci; i++) {
      let sum = 0;
      for (let o = 0; o < co; o++) sum += fv[fi + i * co + o]! * dv[di + o]!;
      acc[xi + i] += sum;
    }
  });
  return be.makeTensorInfo(xShape, 'float32', Float32Array.from(acc));
};

const saved = new Map<string, tf.KernelConfig>();
function useReferenceConvGradsOnCpu(on: boolean): void {
  for (const [name, fn] of [['Conv2DBackpropFilter', refFilter], ['Conv2DBackpropInput', refInput]] as const) {
    if (on) {
      saved.set(name, tf.getKernel(name, 'cpu')!);
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: fn });
    } else if (saved.has(name)) {
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel(saved.get(name)!);
    }
  }
}

let prev = '';
beforeAll(async () => {
  prev = tf.getBackend();
  const choice = await initNodeBackend('wasm');
  expect(choice.name).toBe('wasm');
});
afterAll(async () => {
  useReferenceConvGradsOnCpu(false);
  if (prev) await tf.setBackend(prev);
});

it('the plain-loop reference conv gradients match tfjs-cpu', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor4d(data(2 * 11 * 9 * 3, 31).map((v) => v - 0.5), [2, 11, 9, 3]);
  const w = tf.tensor4d(data(4 * 4 * 3 * 5, 32).map((v) => v - 0.5), [4, 4, 3, 5]);
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
  const ref = tf.grads(loss)([x, w]);
  useReferenceConvGradsOnCpu(true);
  const got = tf.grads(loss)([x, w]);
  useReferenceConvGradsOnCpu(false);
  for (let i = 0; i < 2; i++) {
    const a = got[i]!.dataSync();
    const b = ref[i]!.dataSync();
    let d = 0;
    let m = 0;
    for (let j = 0; j < b.length; j++) {
      d = Math.max(d, Math.abs(a[j]! - b[j]!));
      m = Math.max(m, Math.abs(b[j]!));
    }
    expect(d / m).toBeLessThan(1e-5);
  }
  tf.dispose([x, w, ...ref, ...got]);
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-6, Math.abs(b));
const mean = (xs: number[][], j: number) => xs.slice(STEPS - 10).reduce((a, r) => a + r[j]!, 0) / 10;
/** Largest relative difference of every loss and the gradient norm over steps [from, to). */
function maxRel(a: number[][], b: number[][], from: number, to: number, cols = 5): number {
  let m = 0;
  for (let s = from; s < to; s++) for (let j = 0; j < cols; j++) m = Math.max(m, rel(a[s]![j]!, b[s]![j]!));
  return m;
}
function tailRel(a: number[][], b: number[][]): number {
  let m = 0;
  for (let j = 0; j < 4; j++) m = Math.max(m, rel(mean(a, j), mean(b, j)));
  return m;
}

it(`${STEPS} training steps: wasm + fast kernels match cpu (GEMM path, and with Winograd)`, async () => {
  const t0 = performance.now();
  // GEMM path: Winograd off, so every conv is the im2col GEMM (a reordered float32 sum of cpu's).
  setFastWasmWinograd(false);
  let gemm: number[][];
  try {
    gemm = await train('wasm');
  } finally {
    setFastWasmWinograd(true);
  }
  const wino0 = fastWasmKernelStatus();
  const wino = await train('wasm');
  const t1 = performance.now();
  const status = fastWasmKernelStatus();
  for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul']) expect(status[k]!.fast).toBeGreaterThan(0);
  // The Winograd run did take the Winograd paths (forward, input and filter gradients), the GEMM run did not.
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) {
    expect(wino0[k]!.winograd).toBe(0);
    expect(status[k]!.winograd).toBeGreaterThan(0);
  }
  useReferenceConvGradsOnCpu(true);
  const ref = await train('cpu');
  useReferenceConvGradsOnCpu(false);
  // GEMM path: exact agreement while the trajectories are the same: every loss and the gradient
  // norm to 1e-4 over steps 0-9 (seen: ~1e-5). Then float32 rounding differences (blocked GEMM vs.
  // cpu loops) push some activation across a ReLU/relu6 kink and Adam, which divides by √v, turns
  // that into a real difference (seen: the gradient norm jumps by 2% at step 12 while every loss
  // still agrees to 1e-6): GAN + Adam trajectories diverge like any two float implementations. Over
  // all 50 steps the losses must stay close step by step and agree on average over the last 10.
  const early = maxRel(gemm, ref, 0, 10);
  const late = maxRel(gemm, ref, 10, STEPS, 4);
  const tail = tailRel(gemm, ref);
  // Winograd: each Winograd conv differs from the exact sum by ~1e-6 relative (F(2x2,3x3)'s
  // transforms; measured per kernel against cpu: <= 1e-5 max-relative on every shape), ~10x the
  // GEMM's reordering error, and this tiny net's Adam reaches the first kink sooner. Seen: steps
  // 0-1 agree to <= 1e-6, step 2 to 2.4e-5 (gradient norm; losses <= 2.5e-6), and at step 3 the
  // gradient norm is off by 1.2e-2: the trajectories have split. So the exact check covers steps
  // 0-2, to 1e-4 (4x the worst seen, 100x the per-op error). (With the filter gradient on
  // Winograd too, 2026-11-24: steps 0-2 4.1e-6 and no split at all, losses 3-49 to 3.3e-5; the
  // bounds below still allow the split, which depends on where the rounding lands.)
  const wEarly = maxRel(wino, ref, 0, 3);
  // After the split the two runs are two different (equally valid) GAN trajectories, and comparing
  // them step by step measures the losses' own step-to-step spread (seen: style loss sd ~10% of its
  // mean over steps 40-49, so ~14% for a difference of two runs, and up to 26% over 47 steps).
  // Checked: they stay in the same regime, every loss within 50% step by step (~3.5 sd) ...
  const wLate = maxRel(wino, ref, 3, STEPS, 4);
  // ... and each loss's last-10 mean within 3% or within 3 standard errors of the difference of two
  // 10-step means (the steps' own spread; seen: style loss 3.3% apart = ~1 standard error).
  let wTail = 0;
  for (let j = 0; j < 4; j++) {
    const sd = (xs: number[][]) => Math.sqrt(xs.slice(STEPS - 10).reduce((a, r) => a + (r[j]! - mean(xs, j)) ** 2, 0) / 9);
    const se = Math.sqrt((sd(wino) ** 2 + sd(ref) ** 2) / 10);
    wTail = Math.max(wTail, Math.abs(mean(wino, j) - mean(ref, j)) / Math.max(0.03 * Math.abs(mean(ref, j)), 3 * se));
  }
  console.log(
    `relative difference vs cpu: GEMM path steps 0-9 ${early.toExponential(2)}, losses steps 10-49 ${late.toExponential(2)}, last-10 means ${tail.toExponential(2)}; ` +
      `Winograd steps 0-2 ${wEarly.toExponential(2)}, losses steps 3-49 ${wLate.toExponential(2)}, last-10 means ${wTail.toFixed(2)} of the bound; ` +
      `wasm (both runs) ${(t1 - t0).toFixed(0)} ms, cpu ${(performance.now() - t1).toFixed(0)} ms`,
  );
  expect(early).toBeLessThan(1e-4);
  expect(late).toBeLessThan(0.25);
  expect(tail).toBeLessThan(0.03);
  expect(wEarly).toBeLessThan(1e-4);
  expect(wLate).toBeLessThan(0.5);
  expect(wTail).toBeLessThan(1);
  // Training moved: the losses are not all the same.
  expect(Math.abs(gemm[STEPS - 1]![0]! - gemm[0]![0]!)).toBeGreaterThan(1e-3);
}, 300_000); // measured ~11 s on a quiet 2-core box (two wasm runs ~3.5 s, cpu ~7.5 s); ~117 s at load average 11
