// Per-kernel profile of one "Learn style" step as the plugin runs it (Trainer in fit-style mode,
// lite w16 generator, MobileNetV2 loss net with the default taps, 256² batch 2), on Node's wasm
// backend with stylepack's fast kernels on ONE thread: the plugin iframe's configuration.
//   STYLEPACK_THREADS=1 node bench/profile-learn.mjs [--size=256] [--batch=2] [--steps=3]
// Prints tf.profile kernel times summed by kernel, and the wall time of unprofiled steps.
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS, Generator, Trainer, generatorPreset } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const size = Number(arg('size', '256'));
const batch = Number(arg('batch', '2'));
const steps = Number(arg('steps', '3'));
process.env.STYLEPACK_THREADS ??= '1';
const choice = await initNodeBackend('wasm', console.log);
if (choice.name !== 'wasm') throw new Error(`wasm unavailable (${choice.name})`);
const taps = [...DEFAULT_STYLE_TAPS];
const lossNet = loadLossNetworkFromNsfwjs({ taps });
const g = new Generator(generatorPreset('lite', { widthMultiplier: 1, numStyles: 1 }), 1);
const styleImages = [tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 10)];
const trainer = new Trainer({
  generator: g, lossNet, contentTap: taps.indexOf(DEFAULT_CONTENT_TAP), styleTaps: taps.map((_, i) => i),
  styleImages, mode: 'fit-style', seed: 1, weights: { adversarial: 0 },
});
const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2);
const step = async () => { await trainer.trainStepAsync(x); };
await step(); // warm-up
const info = await tf.profile(step);
const by = new Map();
let total = 0;
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  total += ms;
  const e = by.get(k.name) ?? { calls: 0, ms: 0 };
  e.calls++;
  e.ms += ms;
  by.set(k.name, e);
}
const walls = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await step();
  walls.push(performance.now() - t0);
}
console.log(`\nLearn step ${size}² b${batch}: wall ${walls.map((w) => w.toFixed(0)).join(', ')} ms (unprofiled), kernel sum ${total.toFixed(0)} ms, ${info.kernels.length} kernel calls`);
console.log('| kernel | calls | ms | % |\n|---|---|---|---|');
for (const [name, r] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`| ${name} | ${r.calls} | ${r.ms.toFixed(0)} | ${((100 * r.ms) / total).toFixed(1)} |`);
