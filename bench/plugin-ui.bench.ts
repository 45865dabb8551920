// See plugin-ui.mjs. One fresh page per backend; each run is a real plugin run: export in the
// emulated host → decode → tiled generator → PNG encode in the UI → write back in the host.
import * as tf from '@tensorflow/tfjs';
import { makeTestPack } from '../plugins/figma/src/testing/make-pack.js';
import { launchChromium, openPlugin, startServer, waitForRunDone } from '../test/e2e/harness.js';

/** bench/lib.mjs, passed in by plugin-ui.mjs (it writes to bench/results relative to itself). */
export interface BenchLib {
  median(xs: number[]): number;
  printTable(title: string, rows: Record<string, unknown>[], columns?: string[]): void;
  writeResults(name: string, data: Record<string, unknown>): string;
}

interface Timing {
  width: number;
  height: number;
  backend: string;
  decodeMs: number;
  stylizeMs: number;
  encodeMs: number;
  tiles: number;
  tileSize: number;
}

function frame(size: number) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      data[i] = (x * 255) / size;
      data[i + 1] = (y * 255) / size;
      data[i + 2] = ((x ^ y) & 63) * 4;
      data[i + 3] = 255;
    }
  return { width: size, height: size, data };
}

export async function main(argv: string[], { median, printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const full = argv.includes('--full');
  const backends = (arg('backends') ?? (full ? 'webgpu,webgl,wasm,cpu' : 'webgpu,webgl,wasm')).split(',');
  const runs = Number(arg('runs') ?? 3);
  const size = Number(arg('size') ?? 512);
  const timeoutMs = Number(arg('timeout') ?? 900) * 1000;
  await tf.setBackend('cpu');
  // Default lite generator (w=16) with a seeded random style: same cost as a trained pack.
  const pack = await makeTestPack({ seed: 3, widthMultiplier: 1, id: 'bench', name: 'Bench style' });
  const server = await startServer();
  const browser = await launchChromium();
  const rows: Record<string, unknown>[] = [];
  let environment: unknown = null;
  try {
    for (const backend of backends) {
      const s = await openPlugin(browser, server.url, {
        pages: [{ name: 'Bench', children: [{ id: '1:2', name: 'Frame', width: size, height: size, pixels: frame(size) }] }],
        clientStorage: { 'settings/v1': { backend, outputScale: 1 } },
      });
      const ui = s.page.frameLocator('#plugin-ui');
      const uiFrame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
      await ui.getByTestId('import-pack').setInputFiles({ name: 'bench.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
      await ui.getByTestId('style-option').first().waitFor();
      s.host.select(['1:2']);
      await ui.locator('[data-testid=stylize]:not([disabled])').waitFor({ timeout: 60_000 });
      const active = await ui.getByTestId('backend').textContent();
      environment ??= await uiFrame.evaluate(async () => {
        const nav = navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } };
        const a = await nav.gpu?.requestAdapter();
        return { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, webgpuAdapter: a?.info ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null };
      });
      if (active !== backend) {
        console.log(`skipping ${backend}: the panel fell back to ${active} (${await ui.getByTestId('backend').getAttribute('title')})`);
        rows.push({ backend, skipped: `not available; fell back to ${active}` });
        await s.page.close();
        continue;
      }
      const walls: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now();
        await ui.getByTestId('stylize').click();
        const done = await waitForRunDone(s.host, i + 1, timeoutMs);
        if (done.created !== 1) throw new Error(`run failed on ${backend}: ${done.message}`);
        console.log(`  ${backend} run ${i}${i === 0 ? ' (warm-up: model load + calibration)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (i > 0) walls.push(performance.now() - t0); // run 0 = warm-up (includes model load + calibration)
      }
      const timings = (await uiFrame.evaluate('window.__stylepack.timings')) as Timing[];
      const timed = timings.slice(1);
      const row = {
        backend,
        size: `${size}×${size}`,
        tiles: timed[0]!.tiles,
        tileSize: timed[0]!.tileSize,
        stylizeMs: median(timed.map((t) => t.stylizeMs)),
        decodeMs: median(timed.map((t) => t.decodeMs)),
        encodeMs: median(timed.map((t) => t.encodeMs)),
        firstRunStylizeMs: timings[0]!.stylizeMs,
        endToEndMs: median(walls),
        runs: timed.length,
      };
      rows.push(row);
      console.log(`${backend}: stylize ${row.stylizeMs.toFixed(0)} ms (median of ${row.runs}), end-to-end ${row.endToEndMs.toFixed(0)} ms`);
      await s.page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  printTable(`Plugin UI: stylize a ${size}×${size} frame (lite generator, w=16)`, rows.filter((r) => !r.skipped), [
    'backend',
    'size',
    'tiles',
    'tileSize',
    'stylizeMs',
    'decodeMs',
    'encodeMs',
    'endToEndMs',
    'firstRunStylizeMs',
  ]);
  writeResults('plugin-ui', {
    what: `UI-side time to stylize a ${size}×${size} frame in the Figma plugin panel (headless Chromium, emulated host). stylizeMs = tiled generator only (median); endToEndMs = click → layer written (export, decode, stylize, encode, createImage).`,
    caveat: 'Headless Chromium here renders WebGPU/WebGL with SwiftShader (CPU emulation), so GPU rows measure the software rasteriser, not a real GPU.',
    model: { preset: 'lite', widthMultiplier: 1 },
    environment,
    rows,
  });
}
