// End-to-end: a designer's first open. A fresh profile (empty clientStorage, a document with no
// plugin data, nothing imported): the built-in styles are usable at once because the plugin
// ships its base model. Select a frame, pick two built-in styles in turn, Stylize: the new
// layers' pixels match @stylepack/core run in Node (tfjs cpu) on the same exported PNG with the
// same pack and the float32 base model from models/ (what `stylepack stylize` uses).
// This file starts its own browser and host, so nothing another test imported can leak in.
import * as tf from '@tensorflow/tfjs';
import { decodePack, type PackTensor } from '@stylepack/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MainToUi } from '../../plugins/figma/src/protocol.js';
import { referenceStylize } from '../../plugins/figma/src/testing/make-pack.js';
import { decodePng, type FixtureNode, type Rgba } from '../figma-host/index.js';
import { ROOT, launchChromium, openPlugin, startServer, waitForRunDone, type Session, closeAll } from './harness.js';
import { pixelDiff } from '../../plugins/figma/src/testing/pixel-diff.js';

/**
 * Plugin (wasm, float16 backbone as bundled) vs core (cpu, float32 backbone), per 8-bit channel.
 * Measured on wasm: max 1, mean 0.014 for both styles.
 */
const TOLERANCE = { max: 3, mean: 0.2 };
const STYLES = ['hokusai-great-wave', 'van-gogh-starry-night'];

/** A generated "photo": gradients and rings (no third-party content). */
function photo(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = Math.hypot(x - w * 0.4, y - h * 0.6);
      data.set([Math.round((x / w) * 230 + 20), Math.round((0.5 + 0.5 * Math.sin(r / 5)) * 255), Math.round((1 - y / h) * 200 + 30), 255], (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

const NODES: FixtureNode[] = [
  {
    id: '5:1',
    name: 'Board',
    width: 800,
    height: 600,
    children: [{ id: '5:2', name: 'Hero', type: 'FRAME', x: 40, y: 40, width: 80, height: 60, pixels: photo(80, 60) }],
  },
];

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let s: Session;
let ui: FrameLocator;
let baseWeights: Record<string, PackTensor>;


beforeAll(async () => {
  await tf.setBackend('cpu');
  baseWeights = (await decodePack(new Uint8Array(readFileSync(join(ROOT, 'models/base/model.stylepack'))))).weights!;
  server = await startServer();
  browser = await launchChromium();
  // A fresh profile: no clientStorage given, no plugin data anywhere in the document.
  s = await openPlugin(browser, server.url, { pages: [{ name: 'Page 1', children: NODES }] });
  ui = s.page.frameLocator('#plugin-ui');
  const nodes = [s.host.root, ...s.host.root.children, s.host.node('5:1'), s.host.node('5:2')];
  expect(nodes.every((n) => n.pluginData.size === 0 && n.sharedPluginData.size === 0)).toBe(true);
});

afterAll(() => closeAll({ logs: [s?.logs ?? []], browser, server }));

describe('first open: built-in styles work with nothing imported', { timeout: 300_000 }, () => {
  it('starts with empty storage and every built-in style enabled', async () => {
    expect(s.host.storage.size).toBe(0);
    const options = ui.getByTestId('style-option');
    await expect.poll(() => options.count(), { timeout: 60_000 }).toBe(12);
    for (const st of STYLES) expect(await ui.locator(`[data-testid=style-option][data-key="${st}#0"]`).isEnabled()).toBe(true);
    expect(await ui.locator('[data-testid=style-option]:disabled').count()).toBe(0);
    await expect.poll(() => ui.getByTestId('learn-hint').textContent()).not.toMatch(/No base model/);
  });

  it('stylizes a frame with two built-in styles in turn, matching @stylepack/core', async () => {
    // wasm keeps this fast on CI (SwiftShader WebGPU is ~10× slower); the choice is the user's too.
    await ui.getByTestId('backend-pref').selectOption('wasm');
    await expect.poll(() => ui.getByTestId('backend').textContent(), { timeout: 120_000 }).toBe('wasm');
    s.host.select(['5:2']);
    await expect.poll(() => ui.getByTestId('sel-item').count()).toBe(1);
    const outputs: Uint8Array[] = [];
    for (const [i, style] of STYLES.entries()) {
      await ui.locator(`[data-testid=style-option][data-key="${style}#0"]`).click();
      await expect.poll(() => ui.locator(`[data-testid=style-option][data-key="${style}#0"]`).getAttribute('aria-checked')).toBe('true');
      await ui.getByTestId('stylize').click();
      const done = await waitForRunDone(s.host, i + 1, 240_000);
      expect(done).toMatchObject({ created: 1, failed: 0, cancelled: false });
      const input = s.host.sentToUi.filter((m) => (m as MainToUi).type === 'run-node-input').at(-1) as { png: Uint8Array };
      const status = s.host.sentToUi.filter((m) => (m as MainToUi).type === 'run-node-status' && (m as { status: string }).status === 'done').at(-1) as { newNodeId: string };
      const node = s.host.node(status.newNodeId);
      expect(node.name).toBe(`Hero · ${style}`);
      expect(node.parent).toBe(s.host.node('5:2').parent);
      const out = decodePng(s.host.imageBytes((node.fillsValue[0] as { imageHash: string }).imageHash));
      const img = decodePng(input.png);
      expect([out.width, out.height]).toEqual([img.width, img.height]);
      const pack = await decodePack(new Uint8Array(readFileSync(join(ROOT, `models/packs/${style}.stylepack`))));
      const ref = await referenceStylize({ weights: baseWeights, styles: [pack.styles[0]!.tensors] } as never, 0, img);
      const d = pixelDiff(out.data, ref);
      console.log(`first open, ${style}: plugin (wasm, float16 base) vs core (cpu, float32 base): max ${d.max}, mean ${d.mean.toFixed(3)}`);
      expect(d.max, style).toBeLessThanOrEqual(TOLERANCE.max);
      expect(d.mean, style).toBeLessThanOrEqual(TOLERANCE.mean);
      expect(pixelDiff(out.data, img.data).mean, 'the style changed the picture').toBeGreaterThan(10);
      outputs.push(out.data);
    }
    expect(pixelDiff(outputs[0]!, outputs[1]!).mean, 'the two styles look different').toBeGreaterThan(10);
    // Still nothing imported: "Mine" and "This file" are empty; only settings were stored.
    const listing = await s.page.frames().find((f) => f !== s.page.mainFrame())!.evaluate(() => (window as unknown as { __stylepack: { library: { listing: { mine: { entries: unknown[] }; file: { entries: unknown[] } } } } }).__stylepack.library.listing);
    expect(listing.mine.entries).toEqual([]);
    expect(listing.file.entries).toEqual([]);
    expect([...s.host.storage.keys()].filter((k) => k.startsWith('library/'))).toEqual([]);
  });
});
