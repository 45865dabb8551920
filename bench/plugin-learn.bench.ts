// See plugin-learn.mjs. One fresh page per backend: import the base model, mark a frame as the
// style and one as content, Learn style for a few steps at 256 px (batch 2, as the panel does),
// and read the panel's own steps/s (first step excluded: it includes shader compilation).
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestPack } from '../plugins/figma/src/testing/make-pack.js';
import { ROOT, launchChromium, openPlugin, startServer } from '../test/e2e/harness.js';
import type { BenchLib } from './plugin-ui.bench.js';

function img(size: number, f: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) data.set([...f(x, y), 255], (y * size + x) * 4);
  return { width: size, height: size, data };
}

export async function main(argv: string[], { printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const backends = (arg('backends') ?? 'webgpu,wasm').split(',');
  const steps = Number(arg('steps') ?? 6);
  const size = Number(arg('size') ?? 256);
  await tf.setBackend('cpu');
  // The shipped base model when present, else a seeded one of the same architecture (lite, w=16).
  const shipped = join(ROOT, 'models/base/model.stylepack');
  const baseBytes = existsSync(shipped) ? new Uint8Array(readFileSync(shipped)) : (await makeTestPack({ seed: 3, widthMultiplier: 1, id: 'bench-base', name: 'Bench base' })).bytes;
  const server = await startServer();
  const browser = await launchChromium();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const backend of backends) {
      const s = await openPlugin(browser, server.url, {
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
      const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
      const learnState = () => frame.evaluate('window.__stylepack.library.learn') as Promise<{ stepsPerSec: number | null; backend: string | null; error: string | null; result: { steps: number; seconds: number } | null }>;
      await ui.getByTestId('lib-import').setInputFiles({ name: 'base.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(baseBytes) });
      await ui.locator('[data-testid=lib-entry][data-home=mine]').first().waitFor({ timeout: 60_000 });
      s.host.select(['1:2']);
      await ui.locator('[data-testid=sel-item][data-node-id="1:2"]').waitFor();
      await ui.getByTestId('learn-mark-style').click();
      s.host.select(['1:3']);
      await ui.locator('[data-testid=sel-item][data-node-id="1:3"]').waitFor();
      await ui.getByTestId('learn-mark-samples').click();
      await ui.locator('details.advanced').evaluate((d) => ((d as HTMLDetailsElement).open = true));
      await ui.getByTestId('learn-steps').fill(String(steps));
      await ui.getByTestId('learn-steps').press('Tab');
      await ui.getByTestId('learn-size').fill(String(size));
      await ui.getByTestId('learn-size').press('Tab');
      const t0 = Date.now();
      await ui.getByTestId('learn-start').click();
      for (;;) {
        const l = await learnState();
        if (l.error) throw new Error(`${backend}: ${l.error}`);
        if (l.result) {
          rows.push({ backend: l.backend, size, batch: 2, steps: l.result.steps, 'steps/s': Number((l.stepsPerSec ?? 0).toFixed(3)), 's/step': Number((1 / (l.stepsPerSec ?? NaN)).toFixed(2)), 'wall s': Math.round((Date.now() - t0) / 1000) });
          break;
        }
        if (Date.now() - t0 > 1_200_000) throw new Error(`${backend}: timed out`);
        await new Promise((r) => setTimeout(r, 500));
      }
      await s.page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  printTable(`Learn style in the plugin: steps/s at ${size}×${size}, batch 2 (headless Chromium; webgpu = SwiftShader here)`, rows);
  writeResults('plugin-learn', { size, batch: 2, steps, base: existsSync(shipped) ? 'models/base/model.stylepack' : 'seeded lite w=16', rows });
}
