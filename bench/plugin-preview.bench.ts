// See plugin-preview.mjs. One page per frame size; the frame is selected, the first preview
// (model load, wasm warm-up) is not timed, then the style is switched back and forth `runs`
// times. latencyMs = click → new preview on show, measured inside the page (includes the
// scheduler's 120 ms debounce, the export from the host, the model, PNG encode and decode);
// renderMs = the render alone (export + model + encode), as the panel reports it.
import * as tf from '@tensorflow/tfjs';
import { LAYER_REFERENCE_SIDE, layerTextureScale, previewImageSide, workingSize } from '@stylepack/core';
import { makeTestPack } from '../plugins/figma/src/testing/make-pack.js';
import { launchChromium, openPlugin, startServer, type Session } from '../test/e2e/harness.js';
import { load, type BenchLib } from './plugin-ui.bench.js';

function frame(size: number) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      data.set([(x * 255) / size, (y * 255) / size, ((x ^ y) & 63) * 4, 255], i);
    }
  return { width: size, height: size, data };
}

/** Click a style inside the page and wait there for the preview made with it. */
async function switchStyle(s: Session, key: string): Promise<{ latencyMs: number; renderMs: number }> {
  const uiFrame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
  return uiFrame.evaluate(async (key) => {
    type P = { resultKey: string | null; pending: boolean; error: string | null; result: { ms: number } | null };
    const sp = (window as unknown as { __stylepack: { preview: P } }).__stylepack;
    const before = sp.preview.resultKey;
    const t0 = performance.now();
    (document.querySelector(`[data-testid=style-option][data-key="${key}"]`) as HTMLButtonElement).click();
    await new Promise<void>((resolve, reject) => {
      const poll = () => {
        const p = sp.preview;
        if (p.error) reject(new Error(`preview failed: ${p.error}`));
        else if (p.result && !p.pending && p.resultKey !== before) resolve();
        else setTimeout(poll, 2);
      };
      poll();
    });
    return { latencyMs: performance.now() - t0, renderMs: sp.preview.result!.ms };
  }, key);
}

export async function main(argv: string[], { median, printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const frames = (arg('frames') ?? '256,1024').split(',').map(Number);
  const runs = Number(arg('runs') ?? 5);
  await tf.setBackend('cpu');
  // Default lite generator (w=16), two seeded random styles: the cost of a trained pack.
  const pack = await makeTestPack({ seed: 3, widthMultiplier: 1, id: 'bench', name: 'Bench style', styleNames: ['A', 'B'] });
  const server = await startServer();
  const browser = await launchChromium();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const size of frames) {
      const loadBefore = load();
      const s = await openPlugin(browser, server.url, {
        pages: [{ name: 'Bench', children: [{ id: '1:2', name: 'Frame', width: size, height: size, pixels: frame(size) }] }],
        clientStorage: { 'settings/v1': { backend: 'wasm', outputScale: 1 } },
      });
      try {
        const ui = s.page.frameLocator('#plugin-ui');
        await ui.getByTestId('import-pack').setInputFiles({ name: 'bench.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
        await ui.locator(`[data-testid=style-option][data-key="bench#1@mine"]`).waitFor();
        await ui.locator(`[data-testid=style-option][data-key="bench#0@mine"]`).click();
        await ui.locator('[data-testid=backend]', { hasText: 'wasm' }).waitFor({ timeout: 120_000 });
        s.host.select(['1:2']);
        await ui.locator('[data-testid=preview][data-pending=false] [data-testid=preview-img]').waitFor({ timeout: 300_000 }); // warm-up
        const latencies: number[] = [];
        const renders: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await switchStyle(s, `bench#${(i + 1) % 2}@mine`);
          latencies.push(r.latencyMs);
          renders.push(r.renderMs);
          console.log(`  ${size} px frame, switch ${i + 1}: ${r.latencyMs.toFixed(0)} ms (render ${r.renderMs.toFixed(0)} ms)`);
        }
        const side = previewImageSide(1, size);
        const work = workingSize(side, side, layerTextureScale(1, size, side));
        rows.push({
          frame: `${size}×${size}`,
          textureScale: '100%',
          previewPx: side,
          modelPx: work.width,
          latencyMs: Math.round(median(latencies)),
          renderMs: Math.round(median(renders)),
          minLatencyMs: Math.round(Math.min(...latencies)),
          maxLatencyMs: Math.round(Math.max(...latencies)),
          runs,
          backend: 'wasm',
          load: { before: loadBefore, after: load() },
        });
      } finally {
        await s.page.close().catch(() => {});
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  printTable('Plugin live preview on wasm: style click → new preview shown (median)', rows, ['frame', 'previewPx', 'modelPx', 'latencyMs', 'renderMs', 'minLatencyMs', 'maxLatencyMs', 'runs']);
  writeResults('plugin-preview', {
    what: `Live preview latency in the Figma plugin panel (headless Chromium, emulated host, wasm backend, single-threaded as in Figma's iframe): a click on another style → the new preview on show, measured in the page (median of ${runs} switches after a warm-up). It includes the scheduler's 120 ms debounce, the preview export from the host, the model, PNG encode and decode. renderMs: export + model + encode. modelPx: the side the model works at (at 100 %: min(layer side, ${LAYER_REFERENCE_SIDE}) px; previewPx: the side the layer is exported at for the preview). Target: under 1 s at 256 px. load = 1/5/15-minute load averages before/after each frame (shared 2-core machine).`,
    model: { preset: 'lite', widthMultiplier: 1 },
    rows,
  });
}
