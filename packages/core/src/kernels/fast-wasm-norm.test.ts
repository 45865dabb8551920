// The fused instance norm (model/instance-norm.ts op, native/norm.c kernels) on wasm against the
// composite on the cpu backend: forward and the gradients for x, gamma and beta, with each
// activation, per-sample and broadcast gamma/beta, odd shapes (C not a multiple of 4), large
// means, 1 and 2 threads. relErr = max|a − b| / max|b| < 1e-4. Plus: no tensor leaks, and the
// composite still runs (unchanged) when the kernels are not registered.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { instanceNorm, instanceNormLeakyRelu, instanceNormRelu } from '../model/instance-norm.js';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD } from '../kernel-names.js';
import { fastWasmKernelStatus, registerFastWasmKernels, unregisterFastWasmKernels } from './register-wasm.js';
import { compareCpuWasm, dataSource, relErr, useFastWasmEngines } from '../../testing/fast-wasm.js';

type S4 = [number, number, number, number];
type Act = 'linear' | 'relu' | 'leakyRelu';

/** Deterministic data in [offset − spread, offset + spread). */
const rand = dataSource(7);

const norm = (act: Act) => (x: tf.Tensor4D, g: tf.Tensor2D, b: tf.Tensor2D) =>
  act === 'relu' ? instanceNormRelu(x, g, b) : act === 'leakyRelu' ? instanceNormLeakyRelu(x, g, b, 0.2) : instanceNorm(x, g, b);

/** y and d(Σ y·w)/d(x, gamma, beta) for a fixed non-uniform weight w. */
function forwardAndGrads(act: Act, x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const f = norm(act);
  const y = f(x as tf.Tensor4D, g as tf.Tensor2D, b as tf.Tensor2D);
  const w = tf.sin(tf.range(0, y.size).reshape(y.shape));
  const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor4D, gg as tf.Tensor2D, bb as tf.Tensor2D), w)));
  return [y, ...grads([x, g, b])];
}

/** Runs on cpu (composite) and on wasm (fused); returns relErr per output [y, dx, dgamma, dbeta]. */
async function compare(act: Act, x: S4, gRows: number, bRows: number, offset = 0, spread = 1): Promise<number[]> {
  const c = x[3];
  const data = [rand(x, offset, spread), rand([gRows, c], 1, 0.5), rand([bRows, c])];
  const shapes = [x, [gRows, c], [bRows, c]];
  return compareCpuWasm(data, shapes, (x, g, b) => forwardAndGrads(act, x!, g!, b!));
}

const engines = useFastWasmEngines();

// [x shape, gamma rows, beta rows, activation]
const CASES: [S4, number, number, Act][] = [
  [[1, 7, 5, 3], 1, 1, 'linear'],
  [[2, 33, 17, 19], 2, 2, 'relu'],
  [[2, 33, 17, 19], 1, 1, 'leakyRelu'],
  [[4, 32, 32, 64], 4, 4, 'relu'],
  [[4, 32, 32, 64], 1, 1, 'linear'],
  [[3, 9, 11, 6], 3, 1, 'linear'],
  [[1, 64, 48, 16], 1, 1, 'relu'],
  [[2, 1, 1, 5], 2, 2, 'leakyRelu'],
];

describe.each([
  ['2 threads', 0],
  ['1 thread', 1],
])('fused instance norm, %s', (_label, which) => {
  beforeAll(() => {
    registerFastWasmKernels(engines[which]!);
  });

  it.each(CASES.map((c) => [`${c[0].join('x')} gamma[${c[1]}] beta[${c[2]}] ${c[3]}`, c] as const))(
    'forward + dx, dgamma, dbeta: %s',
    async (_n, [x, gRows, bRows, act]) => {
      const errs = await compare(act, x, gRows, bRows);
      for (const e of errs) expect(e).toBeLessThan(1e-4);
    },
  );

  // Here the cpu composite is itself off (its float32 mean is off by ~1e-5·|mean|, which rstd
  // multiplies), so the reference is float64 arithmetic on the same float32 inputs.
  it.each([
    [[2, 16, 16, 8] as S4, 1000, 1],
    [[1, 40, 40, 12] as S4, -300, 0.01],
  ])('large means vs float64: %j, mean %d, spread %d', async (shape, offset, spread) => {
    await tf.setBackend('wasm');
    const c = shape[3];
    const data = [rand(shape, offset, spread), rand([shape[0], c], 1, 0.5), rand([1, c])];
    const ins = [tf.tensor(data[0]!, shape), tf.tensor(data[1]!, [shape[0], c]), tf.tensor(data[2]!, [1, c])];
    const out = tf.tidy(() => forwardAndGrads('linear', ins[0]!, ins[1]!, ins[2]!));
    const got = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    const w = Float32Array.from({ length: data[0]!.length }, (_, i) => Math.fround(Math.sin(i)));
    const ref = reference64(shape, data[0]!, data[1]!, data[2]!, w);
    tf.dispose([...ins, ...out]);
    got.forEach((g, i) => expect(relErr(g, ref[i]!)).toBeLessThan(1e-4));
  });
});

/** Linear instance norm and its gradients for dy = w, in float64: [y, dx, dgamma, dbeta]. */
function reference64(shape: S4, x: Float32Array, gamma: Float32Array, beta: Float32Array, w: Float32Array): Float64Array[] {
  const [n, h, wd, c] = shape;
  const m = h * wd;
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  const dg = new Float64Array(gamma.length), db = new Float64Array(beta.length);
  for (let s = 0; s < n; s++)
    for (let k = 0; k < c; k++) {
      const at = (i: number) => (s * m + i) * c + k;
      let mean = 0, v = 0, sw = 0, swx = 0;
      for (let i = 0; i < m; i++) mean += x[at(i)]! / m;
      for (let i = 0; i < m; i++) v += (x[at(i)]! - mean) ** 2 / m;
      const rstd = 1 / Math.sqrt(v + 1e-5), g = gamma[s * c + k]!;
      for (let i = 0; i < m; i++) {
        const xh = (x[at(i)]! - mean) * rstd;
        y[at(i)] = xh * g + beta[k]!;
        sw += w[at(i)]!;
        swx += w[at(i)]! * xh;
      }
      for (let i = 0; i < m; i++) dx[at(i)] = (g * rstd / m) * (m * w[at(i)]! - sw - (x[at(i)]! - mean) * rstd * swx);
      dg[s * c + k] = swx;
      db[k]! += sw;
    }
  return [y, dx, dg, db];
}

describe('fused instance norm: dispatch and bookkeeping', () => {
  it('runs the kernels on wasm and counts them', async () => {
    await tf.setBackend('wasm');
    const s = fastWasmKernelStatus();
    expect(s[INSTANCE_NORM]!.installed).toBe(true);
    expect(s[INSTANCE_NORM]!.fast).toBeGreaterThan(0);
    expect(s[INSTANCE_NORM_GRAD]!.fast).toBeGreaterThan(0);
  });

  it('leaks no tensors outside tidy, with and without the tape', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(rand([2, 8, 8, 4]), [2, 8, 8, 4]) as tf.Tensor4D;
    const g = tf.variable(tf.ones([1, 4])) as unknown as tf.Tensor2D;
    const b = tf.zeros([1, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    instanceNormRelu(x, g, b).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const { value, grads } = tf.variableGrads(() => tf.sum(instanceNormRelu(x, g, b)) as tf.Scalar);
    value.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b]);
  });

  it('falls back to the composite when the kernels are not registered', async () => {
    unregisterFastWasmKernels();
    try {
      await tf.setBackend('wasm');
      expect(tf.getKernel(INSTANCE_NORM, 'wasm')).toBeUndefined();
      const x = tf.tensor(rand([2, 6, 5, 3]), [2, 6, 5, 3]) as tf.Tensor4D;
      const g = tf.tensor(rand([2, 3]), [2, 3]) as tf.Tensor2D;
      const b = tf.tensor(rand([2, 3]), [2, 3]) as tf.Tensor2D;
      // The pre-fusion formula, verbatim: the fallback must match it bit for bit.
      const expected = tf.tidy(() => {
        const { mean, variance } = tf.moments(x, [1, 2], true);
        const n = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
        return tf.relu(tf.add(tf.mul(n, tf.reshape(g, [2, 1, 1, 3])), tf.reshape(b, [2, 1, 1, 3])));
      });
      const got = instanceNormRelu(x, g, b);
      expect(Array.from(await got.data())).toEqual(Array.from(await expected.data()));
      tf.dispose([x, g, b, expected, got]);
    } finally {
      registerFastWasmKernels(engines[0]!);
    }
  });
});
