// The heap kernels (fast-wasm-heap.ts, native/heap-kernels.wasm) against the cpu backend: Slice,
// Identity/Cast, LeakyRelu, the MirrorPad gradient (cpu runs the corrected composite of
// gradients/tfjs-fixes.ts) and the Relu/Relu6/LeakyRelu gradients (cpu runs tfjs's own). Each
// with the native module and with the plain-JS fallback. Kernels are single-threaded (no engine).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerMirrorPadGradientFix } from '../gradients/tfjs-fixes.js';
import { initNodeBackend } from '../node/backend-node.js';
import { createNodeFastEngine, type NodeFastEngine } from '../node/fast-kernels-node.js';
import { fastWasmKernelStatus, registerFastWasmKernels, unregisterFastWasmKernels } from './register-wasm.js';
import { ADAM_UPDATE, LEAKY_RELU_GRAD, MIRROR_PAD_GRAD, RELU6_GRAD, RELU_GRAD, UPSAMPLE_2X, UPSAMPLE_2X_GRAD } from '../kernel-names.js';
import { upsample2x } from '../model/upsample.js';
import { Adam } from '../train/adam.js';
import { relErr } from '../../testing/fast-wasm.js';

/** Same values, NaN = NaN and +0 ≠ −0. */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (!Object.is(a[i], b[i])) expect(`${i}: ${a[i]}`).toBe(`${i}: ${b[i]}`);
  }
}

let seed = 1;
function rand(shape: number[], scale = 1, offset = 0): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  let s = (seed++ * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale + offset;
  }
  return out;
}

/** Runs `f` on cpu and on wasm with the same inputs; returns both results, output by output. */
async function both(inputs: { data: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype?: tf.DataType }[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]) {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
    const out = tf.tidy(() => {
      const r = f(...xs);
      return Array.isArray(r) ? r : [r];
    });
    const vals = await Promise.all(out.map((t) => t.data()));
    tf.dispose([...xs, ...out]);
    expect(tf.memory().numTensors).toBe(before);
    return vals;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

let engine: NodeFastEngine;

beforeAll(async () => {
  const choice = await initNodeBackend('wasm', () => {}, {});
  expect(choice.name).toBe('wasm');
  engine = createNodeFastEngine({ threads: 1 });
  expect(engine.heapModule).toBeDefined();
  registerMirrorPadGradientFix();
});

afterAll(async () => {
  unregisterFastWasmKernels();
  engine.close();
  await tf.setBackend('wasm');
});

describe.each([
  ['native heap module', true],
  ['plain JS', false],
])('heap kernels, %s', (_label, native) => {
  beforeAll(() => {
    unregisterFastWasmKernels();
    registerFastWasmKernels(native ? engine : { ...engine, heapModule: undefined });
  });

  const mirrorCases: [number[], [number, number][], 'reflect' | 'symmetric'][] = [];
  for (const mode of ['reflect', 'symmetric'] as const) {
    for (const p of [[1, 1], [4, 4], [0, 2]] as [number, number][]) {
      mirrorCases.push([[3, 7, 9, 5], [[0, 0], p, p, [0, 0]], mode]);
      mirrorCases.push([[2, 6, 5, 8], [[0, 0], p, [p[1], p[0]], [0, 0]], mode]);
    }
    mirrorCases.push([[2, 5, 6, 3], [[0, 0], [0, 0], [3, 1], [0, 0]], mode]); // W only
    mirrorCases.push([[3, 5, 6], [[1, 0], [2, 3], [1, 2]], mode]); // rank 3, every axis (JS path)
    mirrorCases.push([[2, 5, 6, 4], [[1, 1], [2, 0], [0, 0], [1, 2]], mode]); // N and C padded (JS path)
  }

  it.each(mirrorCases)('MirrorPad gradient %j %j %s', async (shape, paddings, mode) => {
    const pShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const fastBefore = fastWasmKernelStatus()[MIRROR_PAD_GRAD]!.fast;
    const { cpu, wasm } = await both([{ data: rand(shape), shape }, { data: rand(pShape), shape: pShape }], (x, r) => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, mode), r!)))(x!);
      return [tf.mirrorPad(x!, paddings, mode), g];
    });
    expect(relErr(wasm[0] as Float32Array, cpu[0] as Float32Array)).toBe(0);
    // Summed in the composite's order, so equal to the last bit (a GAN trajectory notices).
    expect(relErr(wasm[1] as Float32Array, cpu[1] as Float32Array)).toBe(0);
    expect(fastWasmKernelStatus()[MIRROR_PAD_GRAD]!.fast).toBe(fastBefore + 1);
  });

  // MirrorPad forward: a copy, so bitwise equal to cpu. Native only (without the module, and for
  // N/C paddings or other ranks, wasm's own kernel runs).
  const padFwdCases: [number[], [number, number][], 'reflect' | 'symmetric', boolean][] = [];
  for (const mode of ['reflect', 'symmetric'] as const) {
    for (let p = 1; p <= 4; p++) {
      padFwdCases.push([[1, 7, 9, 3], [[0, 0], [p, p], [p, p], [0, 0]], mode, true]);
      padFwdCases.push([[3, 6, 5, 16], [[0, 0], [p, p - 1], [p - 1, p], [0, 0]], mode, true]);
      padFwdCases.push([[2, 5, 6, 7], [[0, 0], [0, p], [p, 0], [0, 0]], mode, true]);
    }
    padFwdCases.push([[2, 5, 6, 4], [[0, 0], [0, 0], [0, 0], [0, 0]], mode, true]);
    padFwdCases.push([[2, 5, 6, 4], [[0, 0], [1, 1], [1, 1], [1, 0]], mode, false]); // C padded
    padFwdCases.push([[5, 6, 4], [[1, 1], [1, 1], [0, 0]], mode, false]); // rank 3
  }
  it.each(padFwdCases)('MirrorPad forward %j %j %s (ours: %s)', async (shape, paddings, mode, ours) => {
    const before = fastWasmKernelStatus()['MirrorPad']!;
    const { cpu, wasm } = await both([{ data: rand(shape), shape }], (x) => tf.mirrorPad(x!, paddings, mode));
    expectSame(wasm[0]!, cpu[0]!);
    const after = fastWasmKernelStatus()['MirrorPad']!;
    expect([after.fast - before.fast, after.fallback - before.fallback]).toEqual(ours && native ? [1, 0] : [0, 1]);
  });

  // PadV2 (constant) of NHWC on H/W: a fill and copies, so bitwise equal to cpu; plain JS, so ours
  // with or without the native module. N/C padded or other ranks: wasm's own kernel.
  it.each([
    [[2, 5, 7, 3], [[0, 0], [1, 1], [1, 1], [0, 0]], 0, true],
    [[1, 6, 4, 16], [[0, 0], [0, 2], [3, 0], [0, 0]], -1.5, true],
    [[3, 4, 4, 5], [[0, 0], [0, 0], [0, 0], [0, 0]], 0, true],
    [[2, 4, 5, 3], [[1, 0], [1, 1], [0, 0], [0, 2]], 0, false],
    [[4, 5, 6], [[1, 1], [0, 1], [0, 0]], 0, false],
  ] as [number[], [number, number][], number, boolean][])('PadV2 %j %j value %d (ours: %s) + gradient', async (shape, paddings, value, ours) => {
    const before = fastWasmKernelStatus()['PadV2']!;
    const pShape = shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const { cpu, wasm } = await both([{ data: rand(shape), shape }, { data: rand(pShape), shape: pShape }], (x, r) => [
      tf.pad(x!, paddings, value),
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.pad(t, paddings, value), r!)))(x!),
    ]);
    expectSame(wasm[0]!, cpu[0]!);
    expectSame(wasm[1]!, cpu[1]!);
    const after = fastWasmKernelStatus()['PadV2']!;
    expect([after.fast - before.fast, after.fallback - before.fallback]).toEqual(ours ? [2, 0] : [0, 2]);
  });

  // The depthwise input gradient (the loss network's backward), native only: strides 1 and 2,
  // 'same' / 'valid' / explicit pads, channels with a scalar tail; dilations and channel
  // multipliers > 1 go to the composed kernel.
  it.each([
    [[2, 9, 8, 12], 3, 1, 'same', 1, true],
    [[2, 9, 8, 12], 3, 2, 'same', 1, true],
    [[1, 10, 11, 6], 3, 2, 'valid', 1, true],
    [[2, 8, 9, 7], 5, 1, [[0, 0], [2, 1], [0, 2], [0, 0]], 1, true],
    [[1, 7, 7, 4], 3, 1, 'same', 2, false],
  ] as [number[], number, number, 'same' | 'valid' | number[][], number, boolean][])('depthwise conv input gradient %j k%d s%d %j x%d (ours: %s)', async (shape, k, s, pad, mult, ours) => {
    const before = fastWasmKernelStatus()['DepthwiseConv2dNativeBackpropInput']!;
    const fShape = [k, k, shape[3]!, mult];
    const { cpu, wasm } = await both([{ data: rand(shape), shape }, { data: rand(fShape), shape: fShape }], (x, f) => {
      const y = (t: tf.Tensor) => tf.depthwiseConv2d(t as tf.Tensor4D, f as tf.Tensor4D, s, pad as 'same');
      const n = y(x!).size;
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(y(t), tf.sin(tf.range(0, n).reshape(y(x!).shape)))))(x!);
    });
    expect(relErr(wasm[0] as Float32Array, cpu[0] as Float32Array)).toBeLessThan(1e-5);
    const after = fastWasmKernelStatus()['DepthwiseConv2dNativeBackpropInput']!;
    expect([after.fast - before.fast, after.fallback - before.fallback]).toEqual(ours && native ? [1, 0] : [0, 1]);
  });

  // Nearest ×2 upsampling: forward and gradient bitwise equal to the reshape + tile composite on cpu.
  it.each([[1, 3, 5, 4], [2, 4, 3, 3], [2, 7, 5, 16], [1, 1, 1, 1], [3, 5, 6, 7], [4, 8, 8, 32]].map((s) => [s]))('upsample2x %j: forward and gradient as the composite, bit for bit', async (shape) => {
    const before = [UPSAMPLE_2X, UPSAMPLE_2X_GRAD].map((k) => fastWasmKernelStatus()[k]!.fast);
    const [n, h, w, c] = shape as [number, number, number, number];
    const rShape = [n, 2 * h, 2 * w, c];
    const dy = rand(rShape);
    for (const i of [0, c, 2 * w * c, 2 * w * c + c]) dy[i] = -0; // an all −0 block: the composite gives +0
    const { cpu, wasm } = await both([{ data: rand(shape), shape }, { data: dy, shape: rShape }], (x, r) => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsample2x(t as tf.Tensor4D), r!)))(x!);
      return [upsample2x(x as tf.Tensor4D), g];
    });
    expectSame(wasm[0]!, cpu[0]!);
    expectSame(wasm[1]!, cpu[1]!);
    expect([UPSAMPLE_2X, UPSAMPLE_2X_GRAD].map((k) => fastWasmKernelStatus()[k]!.fast)).toEqual([before[0]! + 2, before[1]! + 1]); // forward in tf.grad and outside
  });

  // Add of a bias row: bitwise equal to cpu (one float32 add per element); other shapes fall back.
  it.each([
    [[1, 9, 7, 3], [3], true],
    [[2, 5, 7, 16], [16], true],
    [[3, 5, 5], [1, 1, 5], true],
    [[4, 6, 7], [7], true],
    [[2, 3, 3, 3], [1, 3, 3, 3], false],
    [[2, 5, 6, 4], [2, 5, 6, 4], false],
    [[2, 5, 6, 4], [6, 1], false],
    [[3], [3], false],
  ] as [number[], number[], boolean][])('Add %j + %j (ours: %s), both operand orders', async (shape, bShape, ours) => {
    const before = fastWasmKernelStatus()['Add']!;
    const x = rand(shape, 3);
    x[1] = -0;
    const { cpu, wasm } = await both([{ data: x, shape }, { data: rand(bShape), shape: bShape }], (p, q) => [tf.add(p!, q!), tf.add(q!, p!)]);
    for (let i = 0; i < cpu.length; i++) expectSame(wasm[i]!, cpu[i]!);
    const after = fastWasmKernelStatus()['Add']!;
    expect([after.fast - before.fast, after.fallback - before.fallback]).toEqual(ours && native ? [2, 0] : [0, 2]);
  });

  // Kink points (0, −0, 6), NaN and ±Inf, and dy = ±Inf where the mask is 0 (0·Inf = NaN in tfjs).
  const special = [0, -0, 6, 6.000001, 5.999999, NaN, Infinity, -Infinity, 1e-30, -1e-30];
  const n = 4 * 9 * 7 * 5; // odd, not a multiple of the SIMD width once the specials are appended
  const xData = Float32Array.from([...rand([n - special.length], 5, 2), ...special]);
  const dyData = Float32Array.from([...rand([n - 4]), Infinity, -Infinity, NaN, -2]);

  it.each([
    ['relu', RELU_GRAD, (t: tf.Tensor) => tf.relu(t)],
    ['relu6', RELU6_GRAD, (t: tf.Tensor) => tf.relu6(t)],
    ['leakyRelu 0.2', LEAKY_RELU_GRAD, (t: tf.Tensor) => tf.leakyRelu(t, 0.2)],
    ['leakyRelu 0.01', LEAKY_RELU_GRAD, (t: tf.Tensor) => tf.leakyRelu(t, 0.01)],
  ] as const)('%s gradient: identical to tfjs, kinks and NaN/Inf included', async (_n, kernel, f) => {
    const fastBefore = fastWasmKernelStatus()[kernel]!.fast;
    const shape = [4, 9, 7, 5];
    // Also the specials as dy, against every x.
    const { cpu, wasm } = await both([{ data: xData, shape }, { data: dyData, shape }], (x, dy) => {
      const g = tf.grad(f);
      // Gradients only: the forwards differ between tfjs's own backends (cpu's relu6(NaN) is NaN,
      // wasm's 0; cpu's leakyRelu multiplies by alpha in float64).
      return [g(x!, dy!), g(x!, tf.reverse(x!))];
    });
    for (let i = 0; i < cpu.length; i++) expectSame(wasm[i] as Float32Array, cpu[i] as Float32Array);
    expect(fastWasmKernelStatus()[kernel]!.fast).toBe(fastBefore + 2);
  });

  it.each([
    [[4, 129, 129, 3], [0, 1, 1, 0], [4, 128, 128, 3]],
    [[4, 128, 128, 3], [0, 0, 1, 0], [-1, -1, 127, -1]],
    [[2, 13, 11, 5], [1, 2, 3, 1], [1, 9, 7, 3]],
    [[3, 10, 4], [0, 2, 0], [3, 5, 4]],
    [[17], [3], [11]],
    [[2, 3, 4, 5, 6], [1, 0, 2, 1, 0], [1, 3, 2, 3, 6]],
    [[6, 7], [2, 0], [0, 7]],
  ] as [number[], number[], number[]][])('Slice %j from %j size %j (float32, int32, bool)', async (shape, begin, size) => {
    const f = rand(shape, 100);
    const { cpu, wasm } = await both(
      [
        { data: f, shape },
        { data: Int32Array.from(f, Math.round), shape, dtype: 'int32' },
        { data: Uint8Array.from(f, (v) => (v > 0 ? 1 : 0)), shape, dtype: 'bool' },
      ],
      (...xs) => xs.map((x) => tf.slice(x, begin, size)),
    );
    for (let i = 0; i < cpu.length; i++) expectSame(wasm[i]!, cpu[i]!);
  });
});

describe('heap kernels: Identity, Cast, LeakyRelu, Sum, Mean; cpu untouched', () => {
  beforeAll(() => {
    unregisterFastWasmKernels();
    registerFastWasmKernels(engine);
  });

  it('Identity and same-dtype Cast share the buffer; dispose frees it once', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const c = tf.clone(x);
    const k = tf.cast(x, 'float32');
    const i = tf.cast(x, 'int32'); // a real cast: wasm's own kernel
    expect(backend.numDataIds()).toBe(ids + 2);
    x.dispose();
    expect(Array.from(await c.data())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await k.data())).toEqual([1, 2, 3, 4]);
    expect(i.dtype).toBe('int32');
    tf.dispose([c, k, i]);
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('LeakyRelu forward matches cpu (int32 input falls back)', async () => {
    const shape = [3, 11, 7, 5];
    const { cpu, wasm } = await both(
      [
        { data: rand(shape, 3), shape },
        { data: Int32Array.from(rand(shape, 9), Math.round), shape, dtype: 'int32' },
      ],
      (x, xi) => [tf.leakyRelu(x!, 0.2), tf.leakyRelu(xi!, 0.3)],
    );
    for (let i = 0; i < cpu.length; i++) expect(relErr(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-6);
  });

  it.each([
    [[4, 9, 7, 6], [1, 2], false, true],
    [[4, 9, 7, 6], [1, 2], true, true],
    [[4, 9, 7, 6], [0, 1, 2], false, true],
    [[3, 5, 7, 2, 3], [1, 2], false, true],
    [[2, 7, 5], [0], true, true],
    [[2, 7, 5], -1, false, false], // innermost: wasm's own kernel
    [[2, 3, 4, 5], [0, 2], false, false], // not contiguous: wasm's own kernel
  ] as [number[], number | number[], boolean, boolean][])('Sum and Mean of %j over %j (keepDims %s, ours %s): as wasm bit for bit, close to cpu', async (shape, axis, keepDims, ours) => {
    const data = rand(shape, 3, 0.5);
    const f = (x: tf.Tensor) => [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)];
    const before = fastWasmKernelStatus()['Sum']!.fast + fastWasmKernelStatus()['Mean']!.fast;
    const { cpu, wasm } = await both([{ data, shape }], f);
    expect(fastWasmKernelStatus()['Sum']!.fast + fastWasmKernelStatus()['Mean']!.fast).toBe(before + (ours ? 2 : 0));
    unregisterFastWasmKernels();
    try {
      const own = (await both([{ data, shape }], f)).wasm;
      for (let i = 0; i < cpu.length; i++) {
        expectSame(wasm[i]!, own[i]!);
        expect(relErr(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
      }
    } finally {
      registerFastWasmKernels(engine);
    }
  });

  it('the Stylepack* kernels exist for wasm only', () => {
    for (const k of [MIRROR_PAD_GRAD, RELU_GRAD, RELU6_GRAD, LEAKY_RELU_GRAD, UPSAMPLE_2X, UPSAMPLE_2X_GRAD]) {
      expect(tf.getKernel(k, 'wasm')).toBeDefined();
      expect(tf.getKernel(k, 'cpu')).toBeUndefined();
    }
  });

  it('without the kernels (unregistered) the gradients are the composite ones again', async () => {
    unregisterFastWasmKernels();
    try {
      expect(tf.getKernel(MIRROR_PAD_GRAD, 'wasm')).toBeUndefined();
      expect(tf.getKernel(UPSAMPLE_2X, 'wasm')).toBeUndefined();
      const shape = [2, 5, 6, 3];
      const paddings: [number, number][] = [[0, 0], [1, 2], [2, 1], [0, 0]];
      const { cpu, wasm } = await both([{ data: rand(shape), shape }], (x) => [
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, 'reflect'), tf.range(0, 2 * 8 * 9 * 3).reshape([2, 8, 9, 3]))))(x!),
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu6(t), t)))(x!),
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsample2x(t as tf.Tensor4D), tf.range(0, 2 * 10 * 12 * 3).reshape([2, 10, 12, 3]))))(x!),
      ]);
      for (let i = 0; i < cpu.length; i++) expect(relErr(wasm[i] as Float32Array, cpu[i] as Float32Array)).toBeLessThan(1e-5);
    } finally {
      registerFastWasmKernels(engine);
    }
  });
});

describe('fused Adam update (StylepackAdamUpdate)', () => {
  /** Three Adam steps on two parameters (different learning rates) from the same start. */
  async function adamRun(): Promise<Float32Array[]> {
    const params = {
      w: tf.variable(tf.tensor(rand([7, 5, 3]), [7, 5, 3])),
      b: tf.variable(tf.tensor(rand([9], 0.001, 2), [9])),
    };
    const adam = new Adam({ beta1: 0.5, beta2: 0.999, epsilon: 1e-8 });
    const grads = [0, 1, 2].map(() => ({ w: rand([7, 5, 3]), b: rand([9], 1e-6) }));
    for (const g of grads) {
      const gt = { w: tf.tensor(g.w, [7, 5, 3]), b: tf.tensor(g.b, [9]) };
      adam.apply(params, gt, (key) => (key === 'w' ? 1e-3 : 1e-2));
      tf.dispose(Object.values(gt));
    }
    const state = await adam.state();
    const out = [await params.w.data(), await params.b.data(), ...Object.keys(state).sort().map((k) => state[k]!.data)] as Float32Array[];
    adam.dispose();
    tf.dispose(Object.values(params));
    return out;
  }

  it('gives bit-for-bit the composite ops\' parameters and slots, and is used on wasm', async () => {
    await tf.setBackend('wasm');
    const saved = seed;
    const before = fastWasmKernelStatus()[ADAM_UPDATE]!.fast;
    const fused = await adamRun();
    expect(fastWasmKernelStatus()[ADAM_UPDATE]!.fast).toBe(before + 6);
    seed = saved;
    unregisterFastWasmKernels();
    try {
      expect(tf.getKernel(ADAM_UPDATE, 'wasm')).toBeUndefined();
      const composite = await adamRun();
      expect(composite).toHaveLength(fused.length);
      composite.forEach((c, i) => expectSame(fused[i]!, c));
    } finally {
      registerFastWasmKernels(engine);
    }
    expect(tf.getKernel(ADAM_UPDATE, 'cpu')).toBeUndefined();
  });
});
