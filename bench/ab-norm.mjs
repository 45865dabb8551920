// A/B of the fused instance norm in one process: the norm kernels on vs off (the tf.moments
// composite), every other fast kernel on, runs interleaved (off/on, on/off, ...). Same work as
// bench/profile-wasm.mjs (johnson w16 GAN step 128² b4 with the reference taps; 512² inference).
// Reports min and median wall ms, median CPU ms (all threads; steadier under load) and the load. Needs `npx turbo run build` first.
//   node bench/ab-norm.mjs [reps=7]
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { Discriminator, Generator, Trainer, generatorPreset } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs, enableFastWasmKernels, unregisterFastWasmKernels } from '@stylepack/core/node';
const REPS = Number(process.argv[2] ?? 7);
await initNodeBackend('wasm');
const lossNet = await loadLossNetworkFromNsfwjs({ taps: ['block_1_project_BN', 'block_3_project_BN', 'block_6_project_BN', 'block_10_project_BN'] });
const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.5, numStyles: 1 }), 1);
const d = new Discriminator({ width: 64, numStyles: 1 });
const trainer = new Trainer({ generator: g, discriminator: d, lossNet, contentTap: 1, styleImages: [tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 10)], seed: 1 });
const x = tf.randomUniform([4, 128, 128, 3], 0, 1, 'float32', 2);
const v = g.styleVectors(g.oneHot(0));
const xi = tf.randomUniform([1, 512, 512, 3], 0, 1, 'float32', 3);
const work = {
  'train-128-b4': async () => { trainer.trainStep(x); },
  'infer-512': async () => { const y = g.stylize(xi, v); await y.data(); y.dispose(); },
};
const NORM = ['StylepackInstanceNorm', 'StylepackInstanceNormGrad'];
const OTHERS = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'Tile'];
const setNorm = (on) => { unregisterFastWasmKernels(); enableFastWasmKernels({ kernels: on ? [...OTHERS, ...NORM] : OTHERS }); };
const la = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load at start ${la()}`);
const sorted = (a) => [...a].sort((p, q) => p - q);
const min = (a) => sorted(a)[0];
const median = (a) => sorted(a)[a.length >> 1];
for (const [name, f] of Object.entries(work)) {
  const t = { off: [], on: [] };
  const cpu = { off: [], on: [] };
  for (const mode of ['off', 'on']) { setNorm(mode === 'on'); await f(); } // warm-up
  for (let r = 0; r < REPS; r++) for (const mode of r % 2 ? ['on', 'off'] : ['off', 'on']) {
    setNorm(mode === 'on');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    t[mode].push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu[mode].push((c.user + c.system) / 1000);
  }
  const ms = (m) => `min ${min(t[m]).toFixed(0)} median ${median(t[m]).toFixed(0)} (CPU ${median(cpu[m]).toFixed(0)})`;
  console.log(`${name}: composite ${ms('off')} ms | fused ${ms('on')} ms | speed-up min ${(min(t.off) / min(t.on)).toFixed(2)}x, ` +
    `median ${(median(t.off) / median(t.on)).toFixed(2)}x, CPU ${(median(cpu.off) / median(cpu.on)).toFixed(2)}x (load ${la()})`);
}
