// Per-kernel profile of one "Learn style" step in headless Chromium, on tfjs's wasm backend with
// stylepack's fast kernels on one thread (the plugin iframe's configuration: no
// SharedArrayBuffer): the browser twin of bench/profile-learn.mjs, same model and table.
//   node bench/profile-learn-web.mjs [--size=256] [--batch=2] [--steps=3] [--shapes] [--learner] [--ab]
// --ab: the trainer's content target to the content tap vs to the deepest tap, steps interleaved.
// --curve: steps to 90 % of the final style loss in the plugin (issue 12 item 5), the browser twin
//   of bench/learn-steps.mjs: the plugin's StyleLearner with the old recipe ("before": closest
//   style, constant 1e-2) and core's learnRecipe ("after"), on paintings of the shared data
//   (--styles=a,b, --steps=40, --every=5, --photos=8), into bench/results/learn-steps-web.json.
// Needs /usr/bin/chromium (or CHROMIUM_PATH) and the built packages (npm run build).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { loadNsfwjsMobileNetSource } from '@stylepack/core/node';
import { fileURLToPath } from 'node:url';
import { bundleCorePage } from '../scripts/bundle-page.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const size = Number(arg('size', '256'));
const batch = Number(arg('batch', '2'));
const steps = Number(arg('steps', '3'));
// --learner: run the plugin's StyleLearner (ui/learn.ts) on the shipped base model instead, timed per step.
const learner = process.argv.includes('--learner');
const curveMode = process.argv.includes('--curve');
// --curve: the painting (frame cropped, as `stylepack train` loads it) and content/train photos as RGBA.
const curveStyles = arg('styles', 'van-gogh-starry-night').split(',').filter(Boolean);
let curveImages = curveMode ? await loadCurveImages(curveStyles[0]) : null;

const NATIVE = join(ROOT, 'packages/core/native');
const TFJS_WASM = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const js = await bundleCorePage(join(ROOT, 'bench/profile-learn-page.ts'));
const src = loadNsfwjsMobileNetSource();
const lossJson = JSON.stringify({ modelTopology: src.modelTopology, weightsManifest: src.weightsManifest });
const lossBin = Buffer.from(src.weightData);
const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const send = (type, body) => res.writeHead(200, { 'content-type': type }).end(body);
  if (path === '/') return send('text/html', '<!doctype html><meta charset="utf-8"><script src="page.js"></script>');
  if (path === '/page.js') return send('text/javascript', js);
  if (path === '/lossnet.json') return send('application/json', lossJson);
  if (path === '/lossnet.bin') return send('application/octet-stream', lossBin);
  if (curveImages && path.startsWith('/rgba/')) return send('application/octet-stream', Buffer.from(curveImages[Number(path.slice(6))]?.data ?? []));
  if (path === '/base.stylepack') return send('application/octet-stream', readFileSync(join(ROOT, 'models/base/model.stylepack')));
  for (const [prefix, dir] of [['/native/', NATIVE], ['/wasm/', TFJS_WASM]]) {
    const file = normalize(join(dir, path.slice(prefix.length)));
    if (path.startsWith(prefix) && file.startsWith(dir) && existsSync(file)) return send('application/wasm', readFileSync(file));
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && console.log(`[page] ${m.text()}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  if (learner) {
    const r = await page.evaluate(async (o) => {
      await window.run({ ...o, setupOnly: true }); // backend and kernels as below, nothing run yet (as in the plugin)
      return window.runLearner(o);
    }, { size, batch, steps });
    console.log(`StyleLearner ${size}² b2: ${r.stepsPerSec?.toFixed(3)} steps/s as the panel reports it; step-to-step ms ${r.stepMs.map((m) => m.toFixed(0)).join(', ')}; tensors left ${r.leaked} (the learner's cached loss network)`);
  } else if (curveMode) {
    await curve(page);
  } else if (process.argv.includes('--ab')) {
    const r = await page.evaluate(async (o) => {
      await window.run({ ...o, setupOnly: true }); // backend and kernels
      return window.ab(o);
    }, { size, batch, steps });
    console.log(`content target to the deepest tap (before) vs to the content tap (after), median of ${r.n} interleaved steps each: ${r.before.toFixed(0)} vs ${r.after.toFixed(0)} ms (${(r.before / r.after).toFixed(3)}×)`);
  } else await profile(page);
} finally {
  await browser.close();
  server.close();
}

async function profile(page) {
  const r = await page.evaluate((o) => window.run(o), { size, batch, steps });
  const by = new Map();
  let total = 0;
  for (const k of r.kernels) {
    total += k.ms;
    const e = by.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += k.ms;
    by.set(k.name, e);
  }
  console.log(r.fast);
  console.log(`\nLearn step ${size}² b${batch} (Chromium): wall ${r.walls.map((w) => w.toFixed(0)).join(', ')} ms (unprofiled), kernel sum ${total.toFixed(0)} ms, ${r.kernels.length} kernel calls, tensors leaked per step ${r.leaked / (steps + 1)}`);
  console.log('| kernel | calls | ms | % |\n|---|---|---|---|');
  for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(0)} | ${((100 * e.ms) / total).toFixed(1)} |`);
  // --shapes: the 15 slowest single kernel calls with their input shapes.
  if (process.argv.includes('--shapes')) {
    console.log('\n| kernel | input shapes | ms |\n|---|---|---|');
    for (const k of [...r.kernels].sort((a, b) => b.ms - a.ms).slice(0, 15)) console.log(`| ${k.name} | ${k.shapes} | ${k.ms.toFixed(1)} |`);
  }
}

async function loadCurveImages(style) {
  const { loadStyleTensor } = await import('../packages/trainer/dist/samples.js');
  const { readImage, resizeRgba } = await import('../packages/trainer/dist/io/images.js');
  const data = arg('data', process.env.STYLEPACK_DATA) ?? [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ?? join(ROOT, '..', 'shared', 'data');
  const painting = await loadStyleTensor(join(data, 'styles', `${style}.jpg`), size);
  painting.tensor.dispose();
  const trainDir = join(data, 'content', 'train');
  const photos = readdirSync(trainDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, Number(arg('photos', '8')));
  const content = [];
  for (const f of photos) {
    const img = await readImage(join(trainDir, f));
    const k = (size * 1.25) / Math.min(img.width, img.height); // the plugin resizes again to 1.15·size
    content.push(await resizeRgba(img, Math.round(img.width * k), Math.round(img.height * k)));
  }
  return [painting.image, ...content];
}

async function curve(page) {
  const { loadavg } = await import('node:os');
  const { printTable, writeResults } = await import('./lib.mjs');
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
  const every = Number(arg('every', '5'));
  const loadStart = load();
  const results = [];
  for (const style of curveStyles) {
    curveImages = await loadCurveImages(style);
    const r = await page.evaluate(async (o) => {
      if (!window.curveReady) await window.run({ size: o.size, batch: 2, steps: 0, setupOnly: true }); // wasm, one thread, fast kernels (as in the plugin)
      window.curveReady = true;
      return window.runCurve(o);
    }, {
      size, steps, every, leaveOut: style,
      images: curveImages.map((i) => ({ width: i.width, height: i.height })),
      variants: [{ name: 'before', recipe: { start: 'closest', learningRate: 1e-2 } }, { name: 'after' }],
    });
    // Same definition as bench/learn-steps.mjs: the before run's 90 % level, reached by each run at which probed step.
    const ref = r.runs[0].curve;
    const end = ref.at(-1).style;
    const level90 = end + 0.1 * (ref[0].style - end);
    for (const x of r.runs) {
      x.stepsTo90 = x.curve.find((p) => p.style <= level90)?.step ?? null;
      x.stepsToBeforeFinal = x.curve.find((p) => p.style <= end)?.step ?? null;
      x.finalStyle = x.curve.at(-1).style;
      x.loadAfter = load();
    }
    results.push({ style, backend: r.backend, level90, runs: r.runs });
    printTable(`plugin StyleLearner in Chromium (${r.backend}): steps to the "before" run's 90 % style-loss level (${style}, ${steps} steps, ${size} px, batch 2)`, r.runs.map((x) => ({ variant: x.variant, from: x.initFrom ?? '', 'start loss': x.curve[0].style, 'final loss': x.finalStyle, 'steps to 90 %': x.stepsTo90 ?? `>${steps}`, "steps to before's end": x.stepsToBeforeFinal ?? `>${steps}`, 'steps/s': x.stepsPerSec })));
    write(); // after each painting, so a stopped run keeps what it measured
  }
  function write() {
    writeResults('learn-steps-web', {
    where: 'plugin: StyleLearner (plugins/figma/src/ui/learn.ts, what the model worker runs for Learn) in headless Chromium, tfjs wasm, one thread, stylepack fast kernels',
    backend: results[0].backend,
    load: { start: loadStart, end: load() },
    settings: { steps, size, batch: 2, every, content: `first ${curveImages.length - 1} photos of content/train (sorted)`, probe: 'the plugin\'s own probe: centre crop of the first content photo', leaveOneOut: true },
    definition: "as bench/learn-steps.mjs: stepsTo90: first probed step at which the probe style loss is at most the 'before' run's L_end + 0.1·(L_0 − L_end); stepsToBeforeFinal: first probed step at most the 'before' run's L_end",
    results,
  });
  }
}
