// End-to-end: the live preview and the texture scale on the Stylize tab, in headless Chromium on
// the wasm backend with a small frame. The preview appears for the selected layer, changes when
// the style or the texture scale changes, toggles to the layer as it is, and matches the layer
// a run then creates (the same engine and scale mapping). Fixture images are generated here.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPack, type TestPack } from '../../plugins/figma/src/testing/make-pack.js';
import type { MainToUi } from '../../plugins/figma/src/protocol.js';
import { decodePng, type FixtureNode, type Rgba } from '../figma-host/index.js';
import { ARTIFACTS, launchChromium, openPlugin, startServer, waitForRunDone, type Session, closeAll } from './harness.js';

function picture(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data.set([Math.round((x / w) * 255), (x * y) % 97 > 48 ? 220 : 40, Math.round((y / h) * 200), 255], i);
    }
  return { width: w, height: h, data };
}

const NODES: FixtureNode[] = [
  {
    id: '1:10',
    name: 'Board',
    x: 0,
    y: 0,
    width: 600,
    height: 400,
    children: [{ id: '1:11', name: 'Photo', type: 'RECTANGLE', x: 40, y: 60, width: 96, height: 64, pixels: picture(96, 64) }],
  },
];

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let s: Session;
let ui: FrameLocator;
let pack: TestPack;

interface Shown {
  key: string;
  width: number;
  height: number;
  data: number[];
}

/** The preview image as shown (decoded by the browser, read back through a canvas). */
async function shown(): Promise<Shown> {
  const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
  return frame.evaluate(async () => {
    const pane = document.querySelector('[data-testid=preview]') as HTMLElement;
    const img = document.querySelector('[data-testid=preview-img]') as HTMLImageElement;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d', { colorSpace: 'srgb' })!;
    ctx.drawImage(img, 0, 0);
    return { key: pane.dataset.key ?? '', width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  });
}

/** Waits until the preview is settled (not pending) with a key other than `notKey`. */
async function settledPreview(notKey = ''): Promise<Shown> {
  await expect.poll(async () => {
    const pane = ui.getByTestId('preview');
    if ((await pane.getAttribute('data-pending')) !== 'false') return '';
    return (await pane.getAttribute('data-key')) ?? '';
  }, { timeout: 120_000 }).not.toMatch(new RegExp(`^(${notKey.replace(/[[\]\\^$.|?*+(){}]/g, '\\$&')})?$`));
  return shown();
}

const meanDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Pixels of the newest layer a run created for the node. */
function resultPixels(nodeId: string): Rgba {
  const done = s.host.sentToUi.filter((m) => (m as MainToUi).type === 'run-node-status' && (m as { nodeId: string }).nodeId === nodeId && (m as { status: string }).status === 'done');
  const r = s.host.node((done.at(-1) as { newNodeId: string }).newNodeId);
  return decodePng(s.host.imageBytes((r.fillsValue[0] as { imageHash: string }).imageHash));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  pack = await makeTestPack({ seed: 5, name: 'Preview test style', id: 'e2e-preview-pack', styleNames: ['A', 'B'] });
  server = await startServer();
  browser = await launchChromium();
  s = await openPlugin(browser, server.url, { pages: [{ name: 'Page 1', children: NODES }] });
  ui = s.page.frameLocator('#plugin-ui');
  await ui.getByTestId('import-pack').setInputFiles({ name: 'preview.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
  await ui.locator(`[data-testid=style-option][data-key="${pack.id}#0@mine"]`).waitFor({ timeout: 30_000 });
});

afterAll(() => closeAll({ logs: [s?.logs ?? []], browser, server }));

describe('live preview (wasm)', { timeout: 300_000 }, () => {
  it('appears for the selected layer, follows the style, toggles before/after and matches the run', async () => {
    // wasm before anything is selected, so no preview starts on SwiftShader's WebGPU.
    await ui.getByTestId('backend-pref').selectOption('wasm');
    await expect.poll(() => ui.getByTestId('backend').textContent(), { timeout: 120_000 }).toBe('wasm');
    expect(await ui.getByTestId('preview').count()).toBe(0); // nothing selected: no preview
    await ui.locator(`[data-testid=style-option][data-key="${pack.id}#0@mine"]`).click();
    s.host.select(['1:11']);
    const a = await settledPreview();
    expect([a.width, a.height]).toEqual([96, 64]); // a 96×64 layer: previewed at its own size

    await ui.locator(`[data-testid=style-option][data-key="${pack.id}#1@mine"]`).click();
    const b = await settledPreview(a.key);
    expect(meanDiff(a.data, b.data), 'the preview changed with the style').toBeGreaterThan(4);

    await ui.getByTestId('preview-toggle').click();
    await expect.poll(() => ui.getByTestId('preview').getAttribute('data-key')).toBe('before');
    const before = await shown();
    const src = picture(96, 64);
    expect(maxDiff(before.data, src.data), 'before = the layer as exported').toBeLessThanOrEqual(1);
    await ui.getByTestId('preview-toggle').click();
    await expect.poll(() => ui.getByTestId('preview').getAttribute('data-key')).toBe(b.key);

    // The run's layer matches the preview (same engine, same settings).
    await ui.getByTestId('stylize').click();
    expect(await waitForRunDone(s.host, 1, 240_000)).toMatchObject({ created: 1, failed: 0 });
    const full = resultPixels('1:11');
    expect(maxDiff(full.data, b.data), 'full result vs preview').toBeLessThanOrEqual(2);
  });

  it('follows the texture scale, and the run at that scale matches it', async () => {
    const b = await shown();
    await ui.getByTestId('texture-scale').fill('1'); // log2 stops: 200 %
    await expect.poll(() => ui.getByTestId('texture-scale-value').textContent()).toBe('200%');
    const big = await settledPreview(b.key);
    expect(meanDiff(big.data, b.data), 'larger strokes change the preview').toBeGreaterThan(4);
    mkdirSync(ARTIFACTS, { recursive: true });
    await ui.getByTestId('preview').scrollIntoViewIfNeeded();
    await s.page.screenshot({ path: join(ARTIFACTS, 'figma-preview-wasm.png') });
    await ui.getByTestId('stylize').click();
    expect(await waitForRunDone(s.host, 2, 240_000)).toMatchObject({ created: 1, failed: 0 });
    expect(maxDiff(resultPixels('1:11').data, big.data), 'full result at 200 % vs its preview').toBeLessThanOrEqual(2);
    // Nothing selected: the preview goes away.
    s.host.select([]);
    await expect.poll(() => ui.getByTestId('preview').count()).toBe(0);
  });
});
