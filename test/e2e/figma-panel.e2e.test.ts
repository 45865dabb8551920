// End-to-end: the panel as a Figma UI3 panel (the built plugin in the emulated host, headless
// Chromium): Figma's light and dark theme tokens, tabs, Enter/Escape, the resize grip and the
// size remembered in clientStorage. Takes the light and dark screenshots of each tab; with
// STYLEPACK_UPDATE_SCREENSHOTS=1 it also writes them to plugins/figma/docs/ for the README.
import * as tf from '@tensorflow/tfjs';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPack, type TestPack } from '../../plugins/figma/src/testing/make-pack.js';
import type { FixtureNode, Rgba } from '../figma-host/index.js';
import { THEME_TOKENS, type FigmaTheme } from '../figma-host/theme.js';
import { ARTIFACTS, PLUGIN_DIR, launchChromium, openPlugin, startServer, waitForRunDone, type Session, closeAll } from './harness.js';

function picture(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data.set([(x / w) * 255, Math.sin((x + y) / 5) * 100 + 128, (y / h) * 255, 255], (y * w + x) * 4);
  return { width: w, height: h, data };
}

const NODES: FixtureNode[] = [
  { id: '1:11', name: 'Photo', type: 'RECTANGLE', x: 0, y: 0, width: 64, height: 64, pixels: picture(64, 64) },
  { id: '1:13', name: 'Large', type: 'RECTANGLE', x: 100, y: 0, width: 512, height: 512, pixels: picture(128, 128) },
];
/** wasm: the runtime the tests need is quick to start (SwiftShader WebGPU is not). */
const STORAGE = { 'settings/v1': { backend: 'wasm' } };
const TABS = ['stylize', 'learn', 'library'] as const;
const DOCS = join(PLUGIN_DIR, 'docs');

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let pack: TestPack;
const sessions: Session[] = [];

async function open(theme: FigmaTheme, clientStorage: Record<string, unknown> = STORAGE): Promise<{ s: Session; ui: FrameLocator }> {
  const s = await openPlugin(browser, server.url, { pages: [{ name: 'Page 1', children: NODES }], clientStorage, theme });
  sessions.push(s);
  return { s, ui: s.page.frameLocator('#plugin-ui') };
}

/** Computed styles inside the plugin iframe. */
function computed(s: Session, selector: string, props: string[]): Promise<Record<string, string>> {
  const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
  return frame.evaluate(
    ([sel, ps]) => {
      const cs = getComputedStyle(document.querySelector(sel as string)!);
      return Object.fromEntries((ps as string[]).map((p) => [p, cs.getPropertyValue(p).trim()]));
    },
    [selector, props] as const,
  );
}

/** A token's value as the browser computes it (e.g. '#2c2c2c' → 'rgb(44, 44, 44)'). */
async function tokenColor(s: Session, theme: FigmaTheme, token: string): Promise<string> {
  const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
  return frame.evaluate((v) => {
    const el = document.createElement('i');
    el.style.color = v;
    document.body.append(el);
    const c = getComputedStyle(el).color;
    el.remove();
    return c;
  }, THEME_TOKENS[theme][token]!);
}

/**
 * Open the plugin in `theme`, import the test pack, and check what Figma's themeColors gives:
 * the theme class on <html>, the page background and text from the tokens, the color-scheme.
 */
async function openThemed(theme: FigmaTheme): Promise<{ s: Session; ui: FrameLocator }> {
  const { s, ui } = await open(theme);
  await ui.getByTestId('import-pack').setInputFiles({ name: 'panel.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
  await ui.locator('[data-testid=style-option][aria-checked=true]').waitFor();
  expect(await ui.locator('html').getAttribute('class')).toBe(`figma-${theme}`);
  expect(await computed(s, 'body', ['background-color', 'color', 'color-scheme'])).toEqual({
    'background-color': await tokenColor(s, theme, '--figma-color-bg'),
    color: await tokenColor(s, theme, '--figma-color-text'),
    'color-scheme': theme,
  });
  return { s, ui };
}

async function screenshots(s: Session, ui: FrameLocator, theme: FigmaTheme): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const tab of TABS) {
    await ui.getByTestId(`tab-${tab}`).click();
    await expect.poll(() => ui.getByTestId(`panel-${tab}`).isVisible()).toBe(true);
    await ui.getByTestId(`tab-${tab}`).evaluate((el) => (el as HTMLElement).blur()); // no focus ring in the picture
    await ui.locator('.tab-body').evaluate((el) => el.scrollTo(0, 0));
    // JPEG: the style previews make PNGs of the Stylize tab 100-150 kB.
    const file = `panel-${tab}-${theme}.jpg`;
    await s.page.locator('#plugin-ui').screenshot({ path: join(ARTIFACTS, file), type: 'jpeg', quality: 85 });
    if (process.env.STYLEPACK_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(DOCS, { recursive: true });
      copyFileSync(join(ARTIFACTS, file), join(DOCS, file));
    }
  }
  await ui.getByTestId('tab-stylize').click();
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  pack = await makeTestPack({ seed: 5, name: 'Panel test style', id: 'panel-pack' });
  server = await startServer();
  browser = await launchChromium();
});

afterAll(() => closeAll({ logs: sessions.map((s) => s.logs), browser, server }));

describe('the panel: Figma UI3 theme, tabs, keyboard, resize', { timeout: 300_000 }, () => {
  let light: { s: Session; ui: FrameLocator };

  it('light theme: Figma injects the tokens and the figma-light class; the panel uses them', async () => {
    light = await openThemed('light');
    const { s } = light;
    const primary = await computed(s, '[data-testid=stylize]', ['background-color']);
    expect(primary['background-color']).toBe(await tokenColor(s, 'light', '--figma-color-bg-disabled')); // nothing selected yet
    // The window has the size main gave it.
    expect(s.host.ui).toMatchObject({ width: 340, height: 620, visible: true });
    expect(await s.page.locator('#plugin-ui').evaluate((f) => [f.clientWidth, f.clientHeight])).toEqual([340, 620]);
  });

  it('tabs: Stylize / Learn / Library, one panel shown at a time, arrow keys move between them', async () => {
    const { ui } = light;
    await expect.poll(() => ui.getByTestId('panel-stylize').isVisible()).toBe(true);
    expect(await ui.getByTestId('panel-learn').isVisible()).toBe(false);
    await ui.getByTestId('tab-learn').click();
    await expect.poll(() => ui.getByTestId('panel-learn').isVisible()).toBe(true);
    expect(await ui.getByTestId('panel-stylize').isVisible()).toBe(false);
    expect(await ui.getByTestId('tab-learn').getAttribute('aria-selected')).toBe('true');
    expect(await ui.getByTestId('stylize').count()).toBe(0); // the Stylize bar belongs to its tab
    await ui.getByTestId('tab-learn').press('ArrowRight');
    await expect.poll(() => ui.getByTestId('panel-library').isVisible()).toBe(true);
    expect(await ui.locator('[data-testid=lib-entry][data-home=mine]').count()).toBe(1); // the pack imported above
    await ui.getByTestId('tab-library').press('ArrowRight'); // wraps around
    await expect.poll(() => ui.getByTestId('panel-stylize').isVisible()).toBe(true);
  });

  it('light screenshots of each tab', async () => {
    const { s, ui } = light;
    s.host.select(['1:11']);
    await expect.poll(() => ui.locator('[data-testid=sel-item] img').count()).toBe(1);
    await expect.poll(() => ui.getByTestId('backend').textContent(), { timeout: 120_000 }).toBe('wasm');
    await screenshots(s, ui, 'light');
  });

  it('Enter runs Stylize on the Stylize tab', async () => {
    const { s, ui } = light;
    s.host.select(['1:11']);
    await expect.poll(() => ui.getByTestId('sel-item').count()).toBe(1);
    await expect.poll(() => ui.getByTestId('stylize').isEnabled(), { timeout: 120_000 }).toBe(true);
    await ui.locator('h2').first().click(); // focus the panel, on nothing that owns Enter
    await s.page.keyboard.press('Enter');
    const done = await waitForRunDone(s.host, 1, 240_000);
    expect(done).toMatchObject({ created: 1, failed: 0, cancelled: false });
  });

  it('Escape cancels a running Stylize', async () => {
    const { s, ui } = light;
    s.host.select(['1:13']);
    await expect.poll(() => ui.getByTestId('sel-item').count()).toBe(1);
    await ui.getByTestId('scale-2').check(); // 1024×1024
    // Texture 25 %: the model runs at 2048 px, many tiles even with the native kernels.
    await ui.getByTestId('texture-scale').fill('-2');
    await expect.poll(() => ui.getByTestId('texture-scale-value').textContent()).toBe('25%');
    await ui.locator('h2').first().click();
    await s.page.keyboard.press('Enter');
    // Any moment of the run will do: the panel ends a run at once on cancel (the model worker
    // stops at its next tile), and with the native kernels the layer may be a single tile.
    await expect.poll(() => ui.locator('[data-testid=run-item][data-node-id="1:13"]').textContent(), { timeout: 120_000 }).toMatch(/Stylizing…/);
    await s.page.keyboard.press('Escape');
    const done = await waitForRunDone(s.host, 2, 240_000);
    expect(done).toMatchObject({ cancelled: true, created: 0 });
    await expect.poll(() => ui.locator('[data-testid=run-item][data-node-id="1:13"]').getAttribute('data-status')).toBe('cancelled');
    await ui.getByTestId('scale-1').check();
    await ui.getByTestId('texture-scale').fill('0');
  });

  it('the grip resizes the window through figma.ui.resize; the size is kept in clientStorage and restored on open', async () => {
    const { s, ui } = light;
    const grip = (await ui.getByTestId('resize-handle').boundingBox())!;
    const x = grip.x + grip.width / 2;
    const y = grip.y + grip.height / 2;
    const iframeSize = () => s.page.locator('#plugin-ui').evaluate((f) => [f.clientWidth, f.clientHeight]);
    await s.page.mouse.move(x, y);
    await s.page.mouse.down();
    // Steps smaller than the grip's 8 px to the corner, each waiting for the window to follow:
    // the iframe is cross-origin, so (as in Figma) it gets no pointer events outside itself.
    for (let i = 1; i <= 20; i++) {
      await s.page.mouse.move(x + 6 * i, y + 4 * i);
      await expect.poll(iframeSize, { timeout: 30_000 }).toEqual([340 + 6 * i, 620 + 4 * i]);
    }
    await s.page.mouse.up();
    await expect.poll(() => s.host.storage.get('window-size/v1'), { timeout: 30_000 }).toEqual({ width: 460, height: 700 });
    expect(s.host.ui).toMatchObject({ width: 460, height: 700 });
    expect(s.host.uiResizes.length).toBeGreaterThan(1); // live while dragging, not only at the end
    expect(await iframeSize()).toEqual([460, 700]);
    // Reopen with this clientStorage: the window comes back at 460×700.
    await s.page.close();
    const again = await open('light', Object.fromEntries(s.host.storage));
    expect(again.s.host.ui).toMatchObject({ width: 460, height: 700, visible: true });
    await expect.poll(() => again.s.page.locator('#plugin-ui').evaluate((f) => [f.clientWidth, f.clientHeight])).toEqual([460, 700]);
    await again.s.page.close();
  });

  it('dark theme: figma-dark tokens and color-scheme dark; dark screenshots of each tab', async () => {
    const { s, ui } = await openThemed('dark');
    expect((await computed(s, 'body', ['background-color']))['background-color']).toBe('rgb(44, 44, 44)');
    s.host.select(['1:11']);
    await expect.poll(() => ui.locator('[data-testid=sel-item] img').count()).toBe(1);
    await expect.poll(() => ui.getByTestId('stylize').isEnabled(), { timeout: 120_000 }).toBe(true);
    const primary = await computed(s, '[data-testid=stylize]', ['background-color', 'color']);
    expect(primary).toEqual({ 'background-color': await tokenColor(s, 'dark', '--figma-color-bg-brand'), color: await tokenColor(s, 'dark', '--figma-color-text-onbrand') });
    await screenshots(s, ui, 'dark');
  });
});
