// Timings for docs/backends.md; skipped unless STYLEPACK_BENCH=1:
//   STYLEPACK_BENCH=1 npx vitest run packages/core/src/kernels/wasm-composed.bench
// Env: REPS (default 5; the minimum is reported), ONLY=<case substring>, NATIVE=1 (keep wasm's own Conv2DBackpropInput and
// time it too), CPU=<case substring> (also time the cpu backend on those cases; slow).
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { initNodeBackend } from '../node/backend-node.js';
import { conv2DBackpropFilterWasm, conv2DBackpropInputWasm } from './wasm-composed.js';

type S4 = [number, number, number, number];
const CASES: { name: string; x: S4; f: S4; s: number; pad: 'same' | 'valid' }[] = [
  { name: '3x3 s1 64→64 64x64 b4', x: [4, 64, 64, 64], f: [3, 3, 64, 64], s: 1, pad: 'same' },
  { name: '3x3 s2 64→64 64x64 b4', x: [4, 64, 64, 64], f: [3, 3, 64, 64], s: 2, pad: 'same' },
  { name: '4x4 s2 64→128 64x64 b4', x: [4, 64, 64, 64], f: [4, 4, 64, 128], s: 2, pad: 'valid' },
  { name: '9x9 s1 3→32 128x128 b2', x: [2, 128, 128, 3], f: [9, 9, 3, 32], s: 1, pad: 'valid' },
  { name: '9x9 s1 32→3 128x128 b2', x: [2, 128, 128, 32], f: [9, 9, 32, 3], s: 1, pad: 'valid' },
  { name: '1x1 s1 64→64 64x64 b4', x: [4, 64, 64, 64], f: [1, 1, 64, 64], s: 1, pad: 'valid' },
];
const REPS = Number(process.env.REPS ?? 5);
const ONLY = process.env.ONLY;

interface DataBackend { readSync(d: object): unknown; disposeData(d: object): void }

async function time(fn: () => tf.TensorInfo): Promise<number> {
  const once = async () => {
    const out = fn();
    if (out instanceof tf.Tensor) {
      await out.data();
      out.dispose();
    } else {
      const b = tf.backend() as unknown as DataBackend;
      b.readSync(out.dataId);
      b.disposeData(out.dataId);
    }
  };
  await once();
  // Minimum over REPS: the least disturbed run on a shared machine.
  let best = Infinity;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await once();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const runKernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

describe.skipIf(!process.env.STYLEPACK_BENCH)('wasm gradient kernel timings', () => {
  it('prints ms per call: ours (wasm) vs wasm native vs cpu', async () => {
    const lines: string[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      if (backend === 'wasm') await initNodeBackend('wasm', console.log, { wasmGradients: { replaceConv2DBackpropInput: !process.env.NATIVE } });
      else await tf.setBackend('cpu');
      for (const c of CASES) {
        if (ONLY && !c.name.includes(ONLY)) continue;
        // cpu's Conv2DBackpropFilter is a naive loop (minutes at these sizes): only on request.
        if (backend === 'cpu' && !(process.env.CPU && c.name.includes(process.env.CPU))) continue;
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal(c.f, 0, 1, 'float32', 2) as tf.Tensor4D;
        const y = tf.conv2d(x, w, c.s, c.pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
        const be = tf.backend();
        const cols: string[] = [`fwd ${(await time(() => tf.conv2d(x, w, c.s, c.pad))).toFixed(1)}`];
        if (backend === 'wasm') {
          cols.push(`dW ours ${(await time(() => conv2DBackpropFilterWasm(x, dy, { strides: c.s, pad: c.pad, filterShape: c.f }, be))).toFixed(1)}`);
          cols.push(`dx ours ${(await time(() => conv2DBackpropInputWasm(dy, w, { strides: c.s, pad: c.pad, inputShape: c.x }, be))).toFixed(1)}`);
          if (process.env.NATIVE) cols.push(`dx native(kernel registry) ${(await time(() => tf.conv2dTranspose(dy, w, c.x, c.s, c.pad))).toFixed(1)}`);
        } else {
          cols.push(`dW ${(await time(() => runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f }))).toFixed(1)}`);
          cols.push(`dx ${(await time(() => tf.conv2dTranspose(dy, w, c.x, c.s, c.pad))).toFixed(1)}`);
        }
        lines.push(`${backend.padEnd(5)} ${c.name.padEnd(24)} ${cols.join('  ')} ms`);
        console.log(lines[lines.length - 1]);
        tf.dispose([x, w, y, dy]);
      }
    }
  }, 600_000);
});
