// End-to-end: the plugin's wasm path runs stylepack's own native kernels (kernels-st-fma.wasm, one
// thread: the plugin iframe is not cross-origin isolated) in the panel's model Worker, and its pixels match @stylepack/core on
// the cpu backend in Node. Tolerance: max 3 / mean 0.5 of 255 per channel, as for the other
// backends (PNG rounding of float results; the kernels' own error vs cpu is ~1e-5 relative).
import * as tf from '@tensorflow/tfjs';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPack, referenceStylize, type TestPack } from '../../plugins/figma/src/testing/make-pack.js';
import type { MainToUi } from '../../plugins/figma/src/protocol.js';
import { decodePng, type FigmaHost, type Rgba } from '../figma-host/index.js';
import { launchChromium, openPlugin, startServer, waitForRunDone, type Session, closeAll } from './harness.js';

type KernelStatus = Record<string, { installed: boolean; fast: number; fallback: number; winograd: number }>;

function picture(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data[i] = (x * 255) / w;
      data[i + 1] = (Math.sin(x / 5) * Math.cos(y / 7) * 0.5 + 0.5) * 255;
      data[i + 2] = ((x ^ y) & 31) * 8;
      data[i + 3] = 255;
    }
  return { width: w, height: h, data };
}

function lastOf(host: FigmaHost, type: string, nodeId: string, status?: string): Record<string, unknown> {
  const mine = host.sentToUi.filter((m) => (m as MainToUi).type === type && (m as { nodeId: string }).nodeId === nodeId);
  return mine.filter((m) => !status || (m as { status?: string }).status === status).at(-1) as Record<string, unknown>;
}

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let s: Session;
let ui: FrameLocator;
let pack: TestPack;

async function inUi<T>(page: Page, fn: string): Promise<T> {
  const frame = page.frames().find((f) => f !== page.mainFrame())!;
  return frame.evaluate(fn) as Promise<T>;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  pack = await makeTestPack({ seed: 5, name: 'Fast kernel style', id: 'fast-kernels' });
  server = await startServer();
  browser = await launchChromium();
  s = await openPlugin(browser, server.url, {
    pages: [{ name: 'Page 1', children: [{ id: '1:50', name: 'Photo', type: 'RECTANGLE', x: 0, y: 0, width: 96, height: 80, pixels: picture(96, 80) }] }],
    clientStorage: { 'settings/v1': { backend: 'wasm', outputScale: 1 } },
  });
  ui = s.page.frameLocator('#plugin-ui');
  await ui.getByTestId('import-pack').setInputFiles({ name: 'fast.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
  await ui.getByTestId('style-option').first().waitFor({ timeout: 30_000 });
});

afterAll(() => closeAll({ logs: [s?.logs ?? []], browser, server }));

describe('figma plugin: stylepack fast kernels on wasm', { timeout: 240_000 }, () => {
  it('registers the fast kernels on one thread and matches core on cpu', async () => {
    await expect.poll(() => ui.getByTestId('backend').textContent(), { timeout: 120_000 }).toBe('wasm');
    expect(await inUi<boolean>(s.page, 'crossOriginIsolated')).toBe(false);
    // The model (and so the kernels) runs in the panel's Worker; the status comes from there.
    expect(await inUi<string>(s.page, 'window.__stylepack.engineWhere()')).toBe('worker');
    const title = (await ui.getByTestId('backend').getAttribute('title')) ?? '';
    expect(title).toMatch(/fast kernels: Conv2D, .* on 1 thread, relaxed-SIMD FMA/);
    s.host.select(['1:50']);
    await ui.locator('[data-testid=stylize]:not([disabled])').click();
    const done = await waitForRunDone(s.host, 1, 180_000);
    expect(done).toMatchObject({ created: 1, failed: 0 });

    const status = await inUi<KernelStatus>(s.page, 'window.__stylepack.fastKernels()');
    for (const k of ['Conv2D', 'StylepackInstanceNorm', 'StylepackUpsample2x', 'MirrorPad']) {
      expect(status[k], k).toMatchObject({ installed: true });
      expect(status[k]!.fast, `${k}: calls served by the fast kernels`).toBeGreaterThan(0);
    }
    expect(status.Conv2D!.winograd, 'the 3×3 convs ran as Winograd').toBeGreaterThan(0);

    const input = decodePng(lastOf(s.host, 'run-node-input', '1:50').png as Uint8Array);
    const newId = lastOf(s.host, 'run-node-status', '1:50', 'done').newNodeId as string;
    const fill = s.host.node(newId).fillsValue[0] as { imageHash: string };
    const got = decodePng(s.host.imageBytes(fill.imageHash));
    const ref = await referenceStylize(pack, 0, input);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(got.data[i]! - ref[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    expect(max, 'max channel difference vs core/cpu').toBeLessThanOrEqual(3);
    expect(sum / ref.length).toBeLessThan(0.5);
  });
});
