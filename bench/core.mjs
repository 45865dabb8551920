// Core bench: generator inference and GAN training-step time per backend, with parameter and
// GFLOP counts, for the default generator (lite) and the johnson preset at w16.
//   node bench/core.mjs [--full] [--backends wasm,cpu]
// cpu is 15-40× slower than wasm, so without --full it runs only the smallest cpu rows.
import * as tf from '@tensorflow/tfjs';
import { Discriminator, Generator, Trainer, generatorMacs, generatorPreset, DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { fileURLToPath } from 'node:url';
import { parseFlags, printTable, time, writeResults } from './lib.mjs';

const flags = parseFlags(process.argv.slice(2));
const full = flags.has('--full');
const backendsArg = process.argv.find((a) => a.startsWith('--backends='));
const backends = backendsArg ? backendsArg.split('=')[1].split(',') : ['wasm', 'cpu'];

const MODELS = [
  { name: 'lite (default)', preset: 'lite', widthMultiplier: 1 },
  { name: 'johnson w16', preset: 'johnson', widthMultiplier: 0.5 },
];
const INFER_SIZES = [256, 512, 1024];
const TRAIN = [
  { size: 128, batch: 1 },
  { size: 128, batch: 4 },
  { size: 256, batch: 1 },
  { size: 256, batch: 4 },
];
// Rows the cpu backend runs without --full: its training steps take many minutes each (its
// Conv2DBackpropFilter alone is minutes at these sizes), so quick runs time cpu inference only.
const cpuQuick = { infer: new Set([256]), train: new Set([]) };

// Each (backend, model) runs in its own process: the wasm heap is 32-bit and fragments, and one
// model's 256²×4 training step after another's can abort the module, which would end the bench.
const child = process.argv.find((a) => a.startsWith('--child='))?.split('=')[1];
if (!child) {
  const { spawnSync } = await import('node:child_process');
  const all = [];
  for (const backend of backends) {
    for (const m of MODELS) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${backend}:${m.preset}:${m.widthMultiplier}`, ...(full ? ['--full'] : [])], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26 });
      // The child prints one "ROW {json}" line per measurement, so rows measured before a crash survive.
      const rows = r.stdout.split('\n').filter((l) => l.startsWith('ROW ')).map((l) => JSON.parse(l.slice(4)));
      all.push(...rows);
      if (r.status !== 0) {
        console.log(`${backend} ${m.name}: the run stopped (exit ${r.status}) after ${rows.length} rows; the next row aborted the process (tfjs-wasm's Aborted(): most likely its heap, at the largest training rows)`);
        all.push({ backend, model: m.name, work: 'next row', ms: null, note: `aborted (exit ${r.status})` });
      }
    }
  }
  printTable('Generator inference and GAN training step (median ms)', all, ['backend', 'model', 'params', 'GFLOP@256', 'work', 'ms', 'GFLOP/s', 'steps/s']);
  writeResults('core', { full, rows: all });
  process.exit(0);
}
const [childBackend, childPreset, childWidth] = child.split(':');
const rows = [];
for (const backend of [childBackend]) {
  const choice = await initNodeBackend(backend);
  if (choice.name !== backend) {
    console.error(`skipping ${backend}: not available (${choice.tried.map((t) => `${t.name}: ${t.error ?? 'ok'}`).join('; ')})`);
    continue;
  }
  const taps = [...DEFAULT_STYLE_TAPS];
  const lossNet = await loadLossNetworkFromNsfwjs({ taps });
  for (const m of MODELS.filter((x) => x.preset === childPreset && String(x.widthMultiplier) === childWidth)) {
    const g = new Generator(generatorPreset(m.preset, { widthMultiplier: m.widthMultiplier, numStyles: 4 }), 1);
    const base = { backend, model: m.name, params: g.paramCount(), 'GFLOP@256': (2 * generatorMacs(g.config, 256, 256)) / 1e9 };
    const v = g.styleVectors(g.oneHot(0));
    for (const size of INFER_SIZES) {
      if (backend === 'cpu' && !full && !cpuQuick.infer.has(size)) continue;
      const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 1);
      const { ms } = await time(async () => {
        const y = g.stylize(x, v);
        await y.data();
        y.dispose();
      }, { warmup: 1, runs: backend === 'cpu' ? 1 : 3 });
      x.dispose();
      rows.push({ ...base, work: `infer-${size}`, ms, 'GFLOP/s': (2 * generatorMacs(g.config, size, size)) / 1e9 / (ms / 1000) });
      console.log('ROW ' + JSON.stringify(rows.at(-1)));
      console.error(`${backend} ${m.name} infer-${size}: ${ms.toFixed(0)} ms`);
    }
    const d = new Discriminator({ width: 64, numStyles: 4 });
    const styleImages = Array.from({ length: 4 }, (_, i) => tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 10 + i));
    const trainer = new Trainer({ generator: g, discriminator: d, lossNet, contentTap: taps.indexOf(DEFAULT_CONTENT_TAP), styleImages, seed: 1 });
    for (const { size, batch } of TRAIN) {
      if (backend === 'cpu' && !full && !cpuQuick.train.has(`${size}x${batch}`)) continue;
      const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2);
      const { ms } = await time(() => trainer.trainStep(x), { warmup: 1, runs: backend === 'cpu' ? 1 : 3 });
      x.dispose();
      rows.push({ ...base, work: `train-${size}-b${batch}`, ms, 'steps/s': 1000 / ms });
      console.log('ROW ' + JSON.stringify(rows.at(-1)));
      console.error(`${backend} ${m.name} train-${size}-b${batch}: ${ms.toFixed(0)} ms`);
    }
    trainer.dispose();
    d.dispose();
    g.dispose();
    tf.dispose(styleImages);
  }
  lossNet.dispose();
}

// (rows were streamed to the parent as they were measured)
