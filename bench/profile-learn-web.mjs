// Per-kernel profile of one "Learn style" step in headless Chromium, on tfjs's wasm backend with
// stylepack's fast kernels on one thread (the plugin iframe's configuration: no
// SharedArrayBuffer): the browser twin of bench/profile-learn.mjs, same model and table.
//   node bench/profile-learn-web.mjs [--size=256] [--batch=2] [--steps=3] [--shapes] [--learner] [--ab]
// --ab: the trainer's content target to the content tap vs to the deepest tap, steps interleaved.
// Needs /usr/bin/chromium (or CHROMIUM_PATH) and the built packages (npm run build).
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { loadNsfwjsMobileNetSource } from '@stylepack/core/node';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const size = Number(arg('size', '256'));
const batch = Number(arg('batch', '2'));
const steps = Number(arg('steps', '3'));
// --learner: run the plugin's StyleLearner (ui/learn.ts) on the shipped base model instead, timed per step.
const learner = process.argv.includes('--learner');

const NATIVE = join(ROOT, 'packages/core/native');
const TFJS_WASM = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const bundle = await esbuild.build({
  entryPoints: [join(ROOT, 'bench/profile-learn-page.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  write: false,
  logLevel: 'warning',
  plugins: [{ name: 'core-sources', setup: (b) => b.onResolve({ filter: /^@stylepack\/core$/ }, () => ({ path: join(ROOT, 'packages/core/src/index.ts') })) }],
});
const js = bundle.outputFiles[0].text;
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
