// CLI-level bench: stylize time per image with a built-in pack at 512² and 1024² (the path
// `stylepack stylize` takes: base backbone + the pack's vectors, whole image), and pretraining
// steps/s at the settings models/README.md used, per backend.
//   node bench/cli.mjs [--full] [--backends=wasm,cpu]
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Discriminator, Generator, Trainer, DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { DEFAULT_BASE, generatorFor, loadBaseModel, readPack, resolvePackPath } from '../packages/trainer/dist/models.js';
import { parseFlags, printTable, time, writeResults } from './lib.mjs';

const flags = parseFlags(process.argv.slice(2));
const full = flags.has('--full');
const backendsArg = process.argv.find((a) => a.startsWith('--backends='));
const backends = backendsArg ? backendsArg.split('=')[1].split(',') : ['wasm', 'cpu'];
const PACK = 'van-gogh-starry-night';

if (!existsSync(DEFAULT_BASE)) {
  console.log(`no base model at ${DEFAULT_BASE}: skipping the CLI bench`);
  process.exit(0);
}
const rows = [];
for (const backend of backends) {
  const choice = await initNodeBackend(backend);
  if (choice.name !== backend) continue;
  const base = await loadBaseModel(DEFAULT_BASE);
  const pack = await readPack(await resolvePackPath(PACK));
  const g = generatorFor(base, pack.styles);
  const v = g.styleVectors(g.oneHot(0));
  for (const size of [512, 1024]) {
    if (backend === 'cpu' && !full && size > 512) continue;
    const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 1);
    const { ms } = await time(async () => {
      const y = g.stylize(x, v);
      await y.data();
      y.dispose();
    }, { warmup: 1, runs: backend === 'cpu' ? 1 : 3 });
    x.dispose();
    rows.push({ backend, work: `stylize-${size} (${PACK})`, ms });
    console.log(`${backend} stylize-${size}: ${ms.toFixed(0)} ms`);
  }
  g.dispose();

  // Pretraining step at the shipped run's settings: lite, 12 styles, 128² crops, batch 2, D width 32.
  if (backend === 'wasm' || full) {
    const styles = 12;
    const gen = new Generator({ ...base.arch.config, numStyles: styles }, 0);
    const d = new Discriminator({ width: 32, numStyles: styles });
    const taps = [...DEFAULT_STYLE_TAPS];
    const lossNet = await loadLossNetworkFromNsfwjs({ taps });
    const styleImages = Array.from({ length: styles }, (_, i) => tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', i));
    const trainer = new Trainer({ generator: gen, discriminator: d, lossNet, contentTap: taps.indexOf(DEFAULT_CONTENT_TAP), styleImages, seed: 0 });
    const batch = tf.randomUniform([2, 128, 128, 3], 0, 1, 'float32', 3);
    const { ms } = await time(() => trainer.trainStep(batch), { warmup: 1, runs: 3 });
    rows.push({ backend, work: 'pretrain step (128², batch 2, 12 styles)', ms, 'steps/s': 1000 / ms });
    console.log(`${backend} pretrain: ${(1000 / ms).toFixed(2)} steps/s`);
    trainer.dispose();
    tf.dispose([batch, ...styleImages]);
    gen.dispose();
    d.dispose();
    lossNet.dispose();
  }
}
printTable('CLI: stylize per image and pretraining speed (median ms)', rows, ['backend', 'work', 'ms', 'steps/s']);
writeResults('cli', { full, rows });
