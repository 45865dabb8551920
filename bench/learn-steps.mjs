// Learn speed of a style from one painting (issue 12 item 5): how many steps the learn loop that
// `stylepack train` and the plugin's Learn share (core's StyleLearning) needs, per start and
// learning-rate schedule, measured side by side in one run on the same crops.
//
// Each painting is learned as an UNSEEN one: its own built-in style is left out of the
// candidates (leave-one-out), as for a user's painting. Content: crops of content/train (the
// same (seed, step) batches for every variant); the curve is the style loss of a fixed probe
// (centre crops of two content/val photos) every --every steps, not the noisy per-step loss.
//
// Steps to 90 %: the target is the "before" run's own 90 % point, the first probed step where
// its probe loss has made 90 % of its drop from its start to its final value
// (L ≤ L_end + 0.1·(L_0 − L_end)); every variant is timed to that same loss level.
//   node bench/learn-steps.mjs [--steps=60] [--size=256] [--every=5] [--styles=a,b] [--data=DIR] [--merge]
// --merge keeps the paintings of an earlier bench/results/learn-steps.json that this run does not redo.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONTENT_TAP, StyleLearning, gram, learnRecipe, slug, styleLoss } from '@stylepack/core';
import { initNodeBackend } from '@stylepack/core/node';
import { DEFAULT_BASE, generatorFor, loadBaseModel } from '../packages/trainer/dist/models.js';
import { ContentDataset } from '../packages/trainer/dist/dataset.js';
import { loadStyleTensor } from '../packages/trainer/dist/samples.js';
import { createLossNet } from '../packages/trainer/dist/runtime.js';
import { RESULTS_DIR, printTable, writeResults } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const arg = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def;
const DATA = arg('data', process.env.STYLEPACK_DATA) ?? [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ?? join(ROOT, '..', 'shared', 'data');
const steps = Number(arg('steps', 60));
const size = Number(arg('size', 256));
const every = Number(arg('every', 5));
const batch = 2;
const styleNames = arg('styles', 'van-gogh-starry-night,kandinsky-composition-viii,hokusai-great-wave').split(',').filter(Boolean);
const trainDir = join(DATA, 'content', 'train');
const valDir = join(DATA, 'content', 'val');
if (!existsSync(trainDir) || !existsSync(valDir) || !existsSync(join(DATA, 'styles')) || !existsSync(DEFAULT_BASE)) {
  console.log(`no data at ${DATA} (content/train, content/val, styles) or no base model: skipping the learn-steps bench`);
  process.exit(0);
}

// Variants, measured in this order on each painting. "before": the recipe before issue 12
// (closest style, constant 1e-2); "after": core's learnRecipe, what the CLI and plugin now run.
const VARIANTS = [
  { name: 'before', options: { start: 'closest' } },
  { name: 'blend start only', options: { start: 'blend' } },
  { name: 'after', options: learnRecipe(steps) },
];

const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const loadStart = load();
const backend = (await initNodeBackend('wasm')).name;
const base = await loadBaseModel(DEFAULT_BASE);
const { net, styleTaps } = createLossNet();
const contentTap = net.taps.indexOf(DEFAULT_CONTENT_TAP);
// (With --merge and --styles= empty, only the earlier results are re-scored.)
const data = styleNames.length ? await ContentDataset.load(trainDir, size, 0, (m) => console.log(m)) : null;
const val = await ContentDataset.load(valDir, size, 0);
const probe = tf.concat([val.centreCrop(0), val.centreCrop(1)]);

const results = [];
for (const styleName of styleNames) {
  const file = readdirSync(join(DATA, 'styles')).find((f) => f.replace(/\.[^.]+$/, '') === styleName);
  if (!file) throw new Error(`no painting ${styleName} in ${join(DATA, 'styles')}`);
  const painting = (await loadStyleTensor(join(DATA, 'styles', file), size)).tensor;
  const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
  // Leave-one-out: the painting's own built-in style is not a candidate.
  const candidates = base.styles.filter((s) => slug(s.name) !== slug(styleName)).map((s) => ({ label: s.name, tables: s.tensors }));
  const runs = [];
  for (const v of VARIANTS) {
    const g = generatorFor(base);
    const t0 = performance.now();
    const l = await StyleLearning.start({ generator: g, lossNet: net, contentTap, styleTaps, painting, probe: probe.slice([0, 0, 0, 0], [1, -1, -1, -1]), candidates, seed: 0, ...v.options });
    const startSeconds = (performance.now() - t0) / 1000;
    const probeLoss = () => tf.tidy(() => styleLoss(net.features(g.stylize(probe, l.vectors())), targets)).dataSync()[0];
    const curve = [{ step: 0, style: probeLoss() }];
    const t1 = performance.now();
    let fitMs = 0;
    let tStep = performance.now();
    await l.fit({
      steps,
      batch: (step) => data.batch(step, batch),
      onStep: () => {
        fitMs += performance.now() - tStep;
        if (l.step % every === 0 || l.step === steps) curve.push({ step: l.step, style: probeLoss() });
        tStep = performance.now();
      },
    });
    runs.push({ variant: v.name, settings: v.options, initFrom: l.initFrom, startSeconds: Math.round(startSeconds * 10) / 10, fitSeconds: Math.round(fitMs / 100) / 10, wallSeconds: Math.round((performance.now() - t1) / 100) / 10, loadAfter: load(), curve });
    console.log(`${styleName} / ${v.name}: from ${l.initFrom?.label}, probe style ${curve[0].style.toPrecision(3)} → ${curve[curve.length - 1].style.toPrecision(3)} (load ${load().join(' ')})`);
    l.dispose();
    g.dispose();
  }
  results.push({ style: styleName, runs });
  tf.dispose([painting, ...targets]);
}
probe.dispose();

const resultsPath = join(RESULTS_DIR, 'learn-steps.json');
if (process.argv.includes('--merge') && existsSync(resultsPath)) {
  const earlier = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const kept = earlier.results.filter((r) => !styleNames.includes(r.style) && r.runs[0]?.curve.at(-1)?.step === steps);
  results.unshift(...kept.map((r) => ({ ...r, earlierRun: r.earlierRun ?? { date: earlier.date, load: earlier.load } })));
}

// Steps to 90 %: the before run's 90 % level, reached by each variant at which probed step;
// also the step at which each variant is as good as the before run's last step.
for (const r of results) {
  const ref = r.runs[0].curve;
  const end = ref[ref.length - 1].style;
  r.level90 = end + 0.1 * (ref[0].style - end);
  for (const x of r.runs) {
    x.stepsTo90 = x.curve.find((p) => p.style <= r.level90)?.step ?? null;
    x.stepsToBeforeFinal = x.curve.find((p) => p.style <= end)?.step ?? null;
    x.finalStyle = x.curve[x.curve.length - 1].style;
  }
}

const rows = results.flatMap((r) => r.runs.map((x) => ({ painting: r.style, variant: x.variant, from: x.initFrom?.label ?? '', 'start loss': x.curve[0].style, 'final loss': x.finalStyle, 'steps to 90 %': x.stepsTo90 ?? `>${steps}`, "steps to before's end": x.stepsToBeforeFinal ?? `>${steps}`, 's/step': x.fitSeconds / steps })));
printTable(`steps to the "before" run's 90 % style-loss level (${steps} steps, ${size} px, batch ${batch}, ${backend})`, rows);
writeResults('learn-steps', {
  backend,
  ...(styleNames.length ? { load: { start: loadStart, end: load() } } : { note: "re-scored earlier runs only: each result's earlierRun has its date and load" }),
  settings: { steps, size, batch, every, content: 'content/train', probe: 'content/val centre crops 0 and 1', leaveOneOut: true },
  definition: "stepsTo90: first probed step at which the probe style loss is at most the 'before' run's L_end + 0.1·(L_0 − L_end); stepsToBeforeFinal: first probed step at most the 'before' run's L_end",
  results,
});
