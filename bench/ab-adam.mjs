// A/B of the fused Adam update (StylepackAdamUpdate, native sp_adam) against the composite ops,
// on the parameters of a training step (johnson w16 G + PatchGAN D at width 64: 74 tensors,
// 1.09M floats), alternated call by call; median ms per Adam.apply. (A whole training step
// varies by ±100 ms on this VM, too much to show a ~10 ms change; this isolates it.)
// Needs `npx turbo run build` first.   node bench/ab-adam.mjs [--reps=20]
import * as tf from '@tensorflow/tfjs';
import { Adam, ADAM_UPDATE, Discriminator, Generator, generatorPreset } from '@stylepack/core';
import { enableFastWasmKernels, initNodeBackend } from '@stylepack/core/node';
import { median } from './lib.mjs';

const REPS = Number(process.argv.find((a) => a.startsWith('--reps='))?.split('=')[1] ?? '20');
await initNodeBackend('wasm');
enableFastWasmKernels();
const kernel = tf.getKernel(ADAM_UPDATE, 'wasm');
if (!kernel) throw new Error(`${ADAM_UPDATE} is not registered for wasm`);
const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.5, numStyles: 1 }), 1);
const d = new Discriminator({ width: 64, numStyles: 1 });
const params = { ...g.params, ...Object.fromEntries(Object.entries(d.params).map(([k, v]) => [`D/${k}`, v])) };
const grads = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.randomNormal(v.shape)]));
const adam = new Adam();
const times = { fused: [], composite: [] };
for (let i = 0; i < REPS; i++) {
  for (const mode of i % 2 ? ['composite', 'fused'] : ['fused', 'composite']) {
    if (mode === 'fused' && !tf.getKernel(ADAM_UPDATE, 'wasm')) tf.registerKernel(kernel);
    if (mode === 'composite' && tf.getKernel(ADAM_UPDATE, 'wasm')) tf.unregisterKernel(ADAM_UPDATE, 'wasm');
    const t0 = performance.now();
    adam.apply(params, grads, 1e-4);
    times[mode].push(performance.now() - t0);
  }
}
const n = Object.values(params).reduce((a, v) => a + v.size, 0);
console.log(`${Object.keys(params).length} parameters, ${n} floats; median ms per Adam.apply over ${REPS} alternated calls`);
for (const m of ['fused', 'composite']) console.log(`${m.padEnd(9)} ${median(times[m]).toFixed(2)} ms`);
