// A/B of the Winograd paths inside a training step (128², batch 4, reference taps, as
// bench/vs-torch.mjs train-128-b4): ONE Trainer, variants alternated step by step (rotating order),
// medians of wall ms. Variants: off (im2col GEMM everywhere), fwd (Winograd Conv2D forward only),
// fwd+bi (also the 3x3 stride-1 input gradient), fwd+bi+bf (also the 3x3 stride-1 filter gradient). Needs `npx turbo run build` first.
//   node bench/ab-wino.mjs [--reps=9] [--size=128] [--batch=4]
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { Discriminator, Generator, Trainer, generatorPreset } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs, enableFastWasmKernels, setFastWasmWinograd } from '@stylepack/core/node';
import { median } from './lib.mjs';

const opt = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const REPS = Number(opt('reps', '9'));
const SIZE = Number(opt('size', '128'));
const BATCH = Number(opt('batch', '4'));
const uptime = () => loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`load at start ${uptime()}`);
await initNodeBackend('wasm');
enableFastWasmKernels();
const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.5, numStyles: 1 }), 1);
const d = new Discriminator({ width: 64, numStyles: 1 });
const styleImages = [tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 10)];
const lossNet = await loadLossNetworkFromNsfwjs({ taps: ['block_1_project_BN', 'block_3_project_BN', 'block_6_project_BN', 'block_10_project_BN'] });
const trainer = new Trainer({ generator: g, discriminator: d, lossNet, contentTap: 1, styleImages, seed: 1 });
const x = tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 1, 'float32', 2);
const VARIANTS = {
  off: { forward: false, backpropInput: false, backpropFilter: false },
  fwd: { forward: true, backpropInput: false, backpropFilter: false },
  'fwd+bi': { forward: true, backpropInput: true, backpropFilter: false },
  'fwd+bi+bf': { forward: true, backpropInput: true, backpropFilter: true },
};
const names = Object.keys(VARIANTS);
const times = Object.fromEntries(names.map((n) => [n, []]));
const step = () => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  trainer.trainStep(x);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1e3 };
};
for (const n of names) { setFastWasmWinograd(VARIANTS[n]); step(); step(); }
for (let i = 0; i < REPS; i++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(i + k) % names.length];
    setFastWasmWinograd(VARIANTS[n]);
    times[n].push(step());
  }
}
// Wall ms is what a user sees; process CPU ms (both threads) barely moves with other load.
for (const n of names) {
  const w = times[n].map((t) => t.ms), c = times[n].map((t) => t.cpu);
  console.log(`${n.padEnd(7)} wall median ${median(w).toFixed(1)} ms  cpu median ${median(c).toFixed(1)} ms  wall runs ${w.map((t) => t.toFixed(0)).join(' ')}`);
}
// Rounds run every variant back to back, so the per-round difference cancels the machine's drift.
// The filter gradient alone: fwd+bi+bf against fwd+bi, same rounds.
{
  const a = times['fwd+bi+bf'], b = times['fwd+bi'];
  const dw = a.map((t, i) => t.ms - b[i].ms), dc = a.map((t, i) => t.cpu - b[i].cpu);
  console.log(`fwd+bi+bf - fwd+bi per round: wall median ${median(dw).toFixed(1)} ms, cpu median ${median(dc).toFixed(1)} ms; wall diffs ${dw.map((t) => t.toFixed(0)).join(' ')}`);
}
for (const n of names.slice(1)) {
  const dw = times[n].map((t, i) => t.ms - times.off[i].ms), dc = times[n].map((t, i) => t.cpu - times.off[i].cpu);
  console.log(`${n} - off per round: wall median ${median(dw).toFixed(1)} ms, cpu median ${median(dc).toFixed(1)} ms; wall diffs ${dw.map((t) => t.toFixed(0)).join(' ')}`);
}
console.log(`load at end ${uptime()}`);
