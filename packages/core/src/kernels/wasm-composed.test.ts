// The wasm gradient kernels against the cpu backend's, on odd shapes, strides 1/2/3, all padding
// kinds and kernel sizes 1, 3, 4, 9. relErr = max|a − b| / max(1e-6, max|b|).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node/backend-node.js';
import { registerWasmGradientKernels, wasmGradientKernelStatus } from './register-wasm.js';
import { relErr } from '../../testing/fast-wasm.js';

type S4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic random data, made once on cpu and copied to each backend as plain arrays. */
async function randomArray(shape: number[], seed: number): Promise<Float32Array> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const data = (await t.data()) as Float32Array;
  t.dispose();
  if (prev && prev !== 'cpu') await tf.setBackend(prev);
  return data;
}

async function on<T>(backend: 'wasm' | 'cpu', body: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  return body();
}

async function read(ts: tf.Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(ts.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(ts);
  return out;
}

interface ConvCase {
  x: S4;
  f: S4;
  s: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 5], s: 1, pad: 'same' },
  { x: [3, 13, 11, 8], f: [3, 3, 8, 4], s: 2, pad: 'same' },
  { x: [3, 13, 11, 8], f: [3, 3, 8, 4], s: 2, pad: 'valid' },
  { x: [3, 13, 11, 8], f: [4, 4, 8, 4], s: 2, pad: 'valid' },
  { x: [3, 13, 11, 8], f: [4, 4, 8, 4], s: 2, pad: 'same' },
  { x: [1, 7, 9, 8], f: [4, 4, 8, 4], s: 1, pad: 'same' },
  { x: [1, 13, 11, 3], f: [9, 9, 3, 5], s: 1, pad: 'valid' },
  { x: [3, 13, 11, 3], f: [9, 9, 3, 5], s: 1, pad: 'same' },
  { x: [3, 7, 9, 8], f: [1, 1, 8, 4], s: 1, pad: 'valid' },
  { x: [3, 7, 9, 8], f: [1, 1, 8, 4], s: 2, pad: 'same' },
  { x: [3, 7, 9, 3], f: [3, 3, 3, 5], s: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [3, 13, 11, 8], f: [3, 3, 8, 4], s: 2, pad: 1 },
  { x: [1, 7, 9, 8], f: [3, 3, 8, 4], s: [1, 2], pad: 'valid' },
  { x: [3, 9, 7, 3], f: [3, 3, 3, 5], s: 3, pad: 'same' },
];

const label = (c: ConvCase) =>
  `x${c.x.join('x')} f${c.f.join('x')} s${String(c.s)} ${typeof c.pad === 'object' ? 'explicit' : String(c.pad)}`;

beforeAll(async () => {
  // These tests are about the composed gradient kernels; the faster native ones (kernels/) that
  // replace them in normal use are tested in kernels/*.test.ts.
  process.env.STYLEPACK_FAST_KERNELS = '0';
  const choice = await initNodeBackend('wasm');
  expect(choice.name).toBe('wasm');
});

describe('registration', () => {
  it('registers the missing kernels for wasm only, idempotently', () => {
    expect(wasmGradientKernelStatus()).toEqual({
      Conv2DBackpropFilter: 'stylepack',
      Conv2DBackpropInput: 'stylepack',
      DepthwiseConv2dNativeBackpropInput: 'stylepack',
      DepthwiseConv2dNativeBackpropFilter: 'stylepack',
      UnsortedSegmentSum: 'stylepack',
    });
    expect(registerWasmGradientKernels()).toEqual([]);
    // cpu keeps its own kernels.
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBeDefined();
    expect(tf.getKernelsForBackend('cpu').some((k) => k.kernelFunc === tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc)).toBe(false);
  });
});

describe('conv2d on wasm matches cpu', () => {
  for (const [i, c] of CONV_CASES.entries()) {
    it(`forward and grads wrt input and filter: ${label(c)}`, async () => {
      const xData = await randomArray(c.x, 100 + i);
      const wData = await randomArray(c.f, 200 + i);
      const outShape = await on('cpu', async () => {
        const y = tf.conv2d(tf.tensor4d(xData, c.x), tf.tensor4d(wData, c.f), c.s, c.pad);
        const shape = y.shape;
        tf.dispose(y);
        return shape;
      });
      const rData = await randomArray(outShape, 300 + i);
      const run = async () => {
        const x = tf.tensor4d(xData, c.x);
        const w = tf.tensor4d(wData, c.f);
        const r = tf.tensor4d(rData, outShape);
        const y = tf.conv2d(x, w, c.s, c.pad);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([x, w]);
        const out = await read([y, dx!, dw!]);
        tf.dispose([x, w, r]);
        return out;
      };
      const [yW, dxW, dwW] = await on('wasm', run);
      const [yC, dxC, dwC] = await on('cpu', run);
      expect(relErr(yW!, yC!)).toBeLessThan(1e-5);
      expect(relErr(dxW!, dxC!)).toBeLessThan(1e-4);
      expect(relErr(dwW!, dwC!)).toBeLessThan(1e-4);
    });
  }
});

interface DwCase {
  x: S4;
  f: S4;
  s: number;
  pad: Pad;
  prePad?: boolean; // MobileNetV2's stride-2 layers: zero pad [[0,1],[0,1]] then 'valid'
}

const DW_CASES: DwCase[] = [
  { x: [1, 7, 9, 8], f: [3, 3, 8, 1], s: 1, pad: 'same' },
  { x: [3, 13, 11, 8], f: [3, 3, 8, 1], s: 2, pad: 'valid', prePad: true },
  { x: [3, 12, 10, 8], f: [3, 3, 8, 1], s: 2, pad: 'valid', prePad: true },
  { x: [3, 13, 11, 4], f: [3, 3, 4, 2], s: 2, pad: 'same' },
  { x: [1, 9, 7, 5], f: [5, 5, 5, 1], s: 1, pad: 'valid' },
];

describe('depthwiseConv2d on wasm matches cpu', () => {
  for (const [i, c] of DW_CASES.entries()) {
    it(`grads wrt input and filter: x${c.x.join('x')} f${c.f.join('x')} s${c.s} ${String(c.pad)}${c.prePad ? ' (pre-padded)' : ''}`, async () => {
      const xData = await randomArray(c.x, 400 + i);
      const wData = await randomArray(c.f, 500 + i);
      const net = (a: tf.Tensor, b: tf.Tensor) => {
        const xin = c.prePad ? tf.pad(a as tf.Tensor4D, [[0, 0], [0, 1], [0, 1], [0, 0]]) : (a as tf.Tensor4D);
        return tf.depthwiseConv2d(xin, b as tf.Tensor4D, c.s, c.pad);
      };
      const outShape = await on('cpu', async () => {
        const y = net(tf.tensor4d(xData, c.x), tf.tensor4d(wData, c.f));
        const shape = y.shape;
        tf.dispose(y);
        return shape;
      });
      const rData = await randomArray(outShape, 600 + i);
      const run = async () => {
        const x = tf.tensor4d(xData, c.x);
        const w = tf.tensor4d(wData, c.f);
        const r = tf.tensor(rData, outShape);
        const y = net(x, w);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(net(a, b), r)))([x, w]);
        const out = await read([y, dx!, dw!]);
        tf.dispose([x, w, r]);
        return out;
      };
      const [yW, dxW, dwW] = await on('wasm', run);
      const [yC, dxC, dwC] = await on('cpu', run);
      expect(relErr(yW!, yC!)).toBeLessThan(1e-5);
      expect(relErr(dxW!, dxC!)).toBeLessThan(1e-4);
      expect(relErr(dwW!, dwC!)).toBeLessThan(1e-4);
    });
  }
});

describe('other kernels and a small network', () => {
  it('gather gradient (UnsortedSegmentSum) matches cpu, including repeated indices', async () => {
    const tableData = await randomArray([5, 3, 2], 700);
    const rData = await randomArray([4, 3, 2], 701);
    const run = async () => {
      const table = tf.tensor3d(tableData, [5, 3, 2]);
      const idx = tf.tensor1d([3, 0, 3, 4], 'int32');
      const r = tf.tensor3d(rData, [4, 3, 2]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), r)))(table);
      const out = await read([g]);
      tf.dispose([table, idx, r]);
      return out[0]!;
    };
    const gW = await on('wasm', run);
    const gC = await on('cpu', run);
    expect(relErr(gW, gC)).toBeLessThan(1e-6);
  });

  it('a generator/discriminator/loss-net shaped chain: every parameter gradient matches cpu', async () => {
    const shapes: Record<string, number[]> = {
      w1: [9, 9, 3, 8], w2: [3, 3, 8, 8], dw: [3, 3, 8, 1], w3: [3, 3, 8, 3], w4: [4, 4, 3, 4],
    };
    const data: Record<string, Float32Array> = {};
    let seed = 800;
    for (const [k, s] of Object.entries(shapes)) data[k] = await randomArray(s, seed++);
    const xData = await randomArray([2, 12, 10, 3], seed++);
    const run = async () => {
      const vars: Record<string, tf.Tensor> = {};
      for (const [k, s] of Object.entries(shapes)) vars[k] = tf.tensor(data[k]!, s).mul(0.2);
      const x = tf.tensor4d(xData, [2, 12, 10, 3]);
      const f = (...ws: tf.Tensor[]) => {
        const [w1, w2, dw, w3, w4] = ws as tf.Tensor4D[];
        let h = tf.conv2d(tf.mirrorPad(x, [[0, 0], [4, 4], [4, 4], [0, 0]], 'reflect'), w1!, 1, 'valid');
        h = tf.relu(h);
        h = tf.conv2d(tf.mirrorPad(h, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), w2!, 2, 'valid'); // [2,6,5,8]
        const { mean, variance } = tf.moments(h, [1, 2], true);
        h = tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5)));
        h = tf.relu6(tf.depthwiseConv2d(tf.pad(h, [[0, 0], [0, 1], [0, 1], [0, 0]]), dw!, 2, 'valid')); // [2,3,3,8]
        const [n, hh, ww, cc] = h.shape;
        h = tf.reshape(tf.tile(tf.reshape(h, [n * hh, ww, 1, cc]), [1, 1, 2, 1]), [n, hh, 2 * ww, cc]);
        h = tf.sigmoid(tf.conv2d(h, w3!, 1, 'same'));
        const d = tf.leakyRelu(tf.conv2d(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]]), w4!, 2, 'valid'), 0.2);
        return tf.add(tf.mean(tf.square(d)), tf.mean(tf.abs(h)));
      };
      const names = Object.keys(shapes);
      const grads = tf.grads(f)(names.map((k) => vars[k]!));
      const out = await read(grads);
      tf.dispose([...Object.values(vars), x]);
      return out;
    };
    const gW = await on('wasm', run);
    const gC = await on('cpu', run);
    for (let i = 0; i < gC.length; i++) expect(relErr(gW[i]!, gC[i]!)).toBeLessThan(1e-4);
  });

  it('leaks no tensors and no wasm buffers across repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 7, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 2) as tf.Tensor4D;
    const dwf = tf.randomNormal([3, 3, 4, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const table = tf.randomNormal([5, 4], 0, 1, 'float32', 4);
    const idx = tf.tensor1d([1, 1, 4], 'int32');
    const step = () => {
      const gs = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, t: tf.Tensor) =>
        tf.add(
          tf.sum(tf.square(tf.conv2d(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same'), b as tf.Tensor4D, 2, 'same'))),
          tf.sum(tf.gather(t, idx)),
        ))([x, w, dwf, table]);
      tf.dispose(gs);
    };
    const backend = tf.engine().backend;
    step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    tf.dispose([x, w, dwf, table, idx]);
  });
});
