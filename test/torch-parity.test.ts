// Cross-framework numerics: the `johnson` preset at w16, loaded with the PyTorch reference
// weights, must reproduce PyTorch's output for the same 64×64 input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Generator, generatorPreset } from '@stylepack/core';
import { initNodeBackend } from '@stylepack/core/node';

const dir = new URL('./fixtures/torch-w16/', import.meta.url);
const weightsMeta = JSON.parse(readFileSync(new URL('weights.json', dir), 'utf8')) as {
  tensors: { name: string; shape: number[]; offset_bytes: number; numel: number }[];
};
const weightsBin = readFileSync(new URL('weights.bin', dir));
const io = JSON.parse(readFileSync(new URL('io.json', dir), 'utf8')) as { tensors: { name: string; shape: number[]; offset_bytes: number }[] };
const ioBin = readFileSync(new URL('io.bin', dir));

function f32(buf: Buffer, offset: number, n: number): Float32Array {
  return new Float32Array(buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + 4 * n));
}

/** PyTorch module names → our layer names (c1.conv.conv → c1, res.2.conv1 → r2a, ...). */
function ourName(torchName: string): { layer: string; kind: 'w' | 'b' | 'gamma' | 'beta' } {
  const parts = torchName.split('.');
  const kindOf = (p: string, isNorm: boolean) => (isNorm ? (p === 'weight' ? 'gamma' : 'beta') : p === 'weight' ? 'w' : 'b');
  if (parts[0] === 'res') {
    const i = parts[1];
    const sub = parts[2]; // conv1 | in1 | conv2 | in2
    const layer = `r${i}${sub.endsWith('1') ? 'a' : 'b'}`;
    return { layer, kind: kindOf(parts[parts.length - 1], sub.startsWith('in')) };
  }
  const isNorm = parts[1] === 'norm';
  return { layer: parts[0], kind: kindOf(parts[parts.length - 1], isNorm) };
}

describe('johnson preset matches the PyTorch reference', () => {
  // wasm: with the fast kernels (fused instance norm included), as bench and the CLI run it.
  it.each(['cpu', 'wasm'])('reproduces the 64×64 output to 1e-4 on the %s backend', async (backend) => {
    if (backend === 'wasm') expect((await initNodeBackend('wasm')).name).toBe('wasm');
    await tf.setBackend(backend);
    const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.5 }));
    const seen = new Set<string>();
    for (const t of weightsMeta.tensors) {
      const { layer, kind } = ourName(t.name);
      const key = `${layer}/${kind}`;
      const v = g.params[key];
      expect(v, key).toBeDefined();
      seen.add(key);
      tf.tidy(() => {
        let value = tf.tensor(f32(weightsBin, t.offset_bytes, t.numel), t.shape);
        if (kind === 'w') value = tf.transpose(value, [2, 3, 1, 0]); // OIHW → HWIO
        v.assign(tf.reshape(value, v.shape));
      });
    }
    expect(seen.size).toBe(Object.keys(g.params).length);

    const inMeta = io.tensors.find((t) => t.name === 'input')!;
    const outMeta = io.tensors.find((t) => t.name === 'output')!;
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const x = tf.transpose(tf.tensor(f32(ioBin, inMeta.offset_bytes, 3 * 64 * 64), [1, 3, 64, 64]), [0, 2, 3, 1]) as tf.Tensor4D;
      const y = g.stylize(x, g.styleVectors(g.oneHot(0)));
      return tf.transpose(y, [0, 3, 1, 2]);
    });
    const ours = (await out.data()) as Float32Array;
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const ref = f32(ioBin, outMeta.offset_bytes, 3 * 64 * 64);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    g.dispose();
  });
});
