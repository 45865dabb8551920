// See plugin-learn.mjs. One fresh page per backend: import the base model, mark a frame as the
// style and one as content, Learn style for a few steps at 256 px (batch 2, as the panel does),
// and read the panel's own steps/s (first step excluded: it includes shader compilation).
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPack } from '../plugins/figma/src/testing/make-pack.js';
import { ROOT, launchChromium, openPlugin, startServer, type Session } from '../test/e2e/harness.js';
import { load, type BenchLib } from './plugin-ui.bench.js';

function img(size: number, f: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) data.set([...f(x, y), 255], (y * size + x) * 4);
  return { width: size, height: size, data };
}

/**
 * Steps/s over the second half of the run (from the first reading at or past half the steps to the
 * last), when the run is long enough to have one: the rate a long Learn settles at.
 */
function steadyRate(readings: { step: number; sps: number }[]): number | null {
  const last = readings[readings.length - 1];
  if (!last || last.step < 8) return null;
  const from = readings.find((r) => r.step >= last.step / 2 && r.step < last.step);
  if (!from) return null;
  const t = (r: { step: number; sps: number }) => (r.step - 1) / r.sps;
  return Number(((last.step - from.step) / (t(last) - t(from))).toFixed(3));
}

/** `--steps=6` for every backend, or per backend: `--steps=6,webgpu:3`. */
function perBackend(spec: string, backend: string, dflt: number): number {
  let n = dflt;
  for (const part of spec.split(',')) {
    const [k, v] = part.includes(':') ? part.split(':') : [null, part];
    if (k === null || k === backend) n = Number(v);
  }
  return n;
}

export async function main(argv: string[], { printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const backends = (arg('backends') ?? 'webgpu,wasm').split(',');
  // wasm runs enough steps to reach its steady rate: Chromium compiles wasm with a baseline tier
  // first and optimises hot functions in the background, so steps 1-3 run up to 5× slower.
  const stepsSpec = arg('steps') ?? '6,wasm:24';
  const size = Number(arg('size') ?? 256);
  // Per-backend limit in seconds (SwiftShader webgpu/webgl take minutes per step at 256).
  const timeoutSpec = arg('timeout') ?? '1200';
  // --merge: keep the rows of bench/results/plugin-learn.json for backends not run now.
  const merge = argv.includes('--merge');
  await tf.setBackend('cpu');
  // The shipped base model when present, else a seeded one of the same architecture (lite, w=16).
  const shipped = join(ROOT, 'models/base/model.stylepack');
  const baseBytes = existsSync(shipped) ? new Uint8Array(readFileSync(shipped)) : (await makeTestPack({ seed: 3, widthMultiplier: 1, id: 'bench-base', name: 'Bench base' })).bytes;
  const server = await startServer();
  const browser = await launchChromium();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const backend of backends) {
      const steps = perBackend(stepsSpec, backend, 6);
      const timeoutMs = perBackend(timeoutSpec, backend, 1200) * 1000;
      const loadBefore = load();
      let s: Session | null = null;
      const t0 = Date.now();
      try {
        s = await openPlugin(browser, server.url, {
          pages: [
            {
              name: 'Bench',
              children: [
                { id: '1:2', name: 'Painting', width: size, height: size, pixels: img(size, (x, y) => ((((x >> 4) + (y >> 4)) & 1) ? [230, 80, 20] : [20, 40, 200])) },
                { id: '1:3', name: 'Photo', width: size * 1.5, height: size * 1.5, pixels: img(size, (x, y) => [x, y, (x ^ y) & 255]) },
              ],
            },
          ],
          clientStorage: { 'settings/v1': { backend } },
        });
        const ui = s.page.frameLocator('#plugin-ui');
        const page = s.page;
        const frame = page.frames().find((f) => f !== page.mainFrame())!;
        const learnState = () => frame.evaluate('window.__stylepack.library.learn') as Promise<{ stepsPerSec: number | null; step: number; backend: string | null; error: string | null; result: { steps: number; seconds: number } | null }>;
        await ui.getByTestId('lib-import').setInputFiles({ name: 'base.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(baseBytes) });
        await ui.locator('[data-testid=lib-entry][data-home=mine]').first().waitFor({ state: 'attached', timeout: 60_000 }); // Library tab
        s.host.select(['1:2']);
        await ui.locator('[data-testid=sel-item][data-node-id="1:2"]').waitFor();
        await ui.getByTestId('tab-learn').click(); // the panel's Learn tab
        await ui.getByTestId('learn-mark-style').click();
        s.host.select(['1:3']);
        await ui.locator('[data-testid=sel-item][data-node-id="1:3"]').waitFor({ state: 'attached' }); // Stylize tab
        await ui.getByTestId('learn-mark-samples').click();
        await ui.locator('details.advanced').evaluate((d) => ((d as HTMLDetailsElement).open = true));
        await ui.getByTestId('learn-steps').fill(String(steps));
        await ui.getByTestId('learn-steps').press('Tab');
        await ui.getByTestId('learn-size').fill(String(size));
        await ui.getByTestId('learn-size').press('Tab');
        const tStart = Date.now();
        await ui.getByTestId('learn-start').click();
        let lastStep = -1;
        /** (step, panel's steps/s) as polled: the time of step n after step 1 is (n - 1) / steps/s. */
        const readings: { step: number; sps: number }[] = [];
        for (;;) {
          const l = await learnState();
          if (l.error) throw new Error(l.error);
          if (l.step !== lastStep) {
            lastStep = l.step;
            if (l.stepsPerSec) readings.push({ step: l.step, sps: l.stepsPerSec });
            console.log(`  ${backend}: step ${l.step}/${steps} at ${Math.round((Date.now() - tStart) / 1000)} s`);
          }
          if (l.result) {
            if (l.backend !== backend) {
              rows.push({ backend, size, skipped: `not available; Learn ran on ${l.backend}` });
              break;
            }
            const sps = l.stepsPerSec ?? NaN;
            readings.push({ step: l.result.steps, sps });
            rows.push({ backend: l.backend, size, batch: 2, steps: l.result.steps, 'steps/s': Number(sps.toFixed(3)), 's/step': Number((1 / sps).toFixed(2)), 'steady steps/s': steadyRate(readings), 'wall s': Math.round((Date.now() - tStart) / 1000), load: { before: loadBefore, after: load() } });
            break;
          }
          if (Date.now() - tStart > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s at step ${l.step}/${steps}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      } catch (e) {
        const error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
        const consoleErrors = s ? s.logs.filter((l) => /^\[(error|pageerror|warning)\]/.test(l)).slice(-8) : [];
        console.log(`${backend}: FAILED: ${error}`);
        for (const l of consoleErrors) console.log(`    ${l}`);
        rows.push({ backend, size, batch: 2, steps, error, 'wall s': Math.round((Date.now() - t0) / 1000), ...(consoleErrors.length ? { consoleErrors } : {}), load: { before: loadBefore, after: load() } });
      } finally {
        await s?.page.close().catch(() => {});
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const resultsFile = join(ROOT, 'bench/results/plugin-learn.json');
  if (merge && existsSync(resultsFile)) {
    const old = JSON.parse(readFileSync(resultsFile, 'utf8')) as { date?: string; rows?: Record<string, unknown>[] };
    rows.unshift(...(old.rows ?? []).filter((r) => !backends.includes(r.backend as string)).map((r) => ({ ...r, date: r.date ?? old.date })));
  }
  const order = ['webgpu', 'webgl', 'wasm', 'cpu'];
  rows.sort((a, b) => order.indexOf(a.backend as string) - order.indexOf(b.backend as string));
  printTable(`Learn style in the plugin: steps/s at ${size}×${size}, batch 2 (headless Chromium; webgpu/webgl = SwiftShader here)`, rows.filter((r) => !r.error && !r.skipped), ['backend', 'size', 'batch', 'steps', 'steps/s', 's/step', 'steady steps/s', 'wall s']);
  for (const r of rows.filter((r) => r.error || r.skipped)) console.log(`${r.backend}: ${r.error ?? r.skipped}`);
  writeResults('plugin-learn', {
    what: `Learn style (fit-style) in the plugin panel at ${size}×${size}, batch 2: steps/s as the panel reports it (first step excluded: it includes shader compilation); steady steps/s = over the second half of the steps (wasm: Chromium optimises the wasm code in the background during the first few steps); wall s = click → done, incl. loss-network load, init and previews. load = 1/5/15-minute load averages before/after.`,
    caveat: 'Headless Chromium here renders WebGPU/WebGL with SwiftShader (CPU emulation), so GPU rows measure the software rasteriser, not a real GPU.',
    size,
    batch: 2,
    base: existsSync(shipped) ? 'models/base/model.stylepack' : 'seeded lite w=16',
    rows,
  });
}
