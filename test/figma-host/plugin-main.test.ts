// The plugin's real main-thread code (bundled from plugins/figma/src/main) running in the
// emulated host, driven by a scripted stand-in for the UI. Fast: no browser, no model.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MainToUi, UiToMain } from '../../plugins/figma/src/protocol.js';
import { FigmaHost, decodePng, encodePng, solid, type FixtureNode, type Rgba } from './index.js';

type Api = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let code = '';
beforeAll(async () => {
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('../../plugins/figma/src/main/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    target: 'es2017',
    write: false,
  });
  code = r.outputFiles[0]!.text;
});

function gradient(w: number, h: number): Rgba {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([(i % w) * 4, Math.floor(i / w) * 4, 100, 255], i * 4);
  return { width: w, height: h, data };
}

function fixture(extra: FixtureNode[] = []): FixtureNode[] {
  return [
    {
      id: '1:10',
      name: 'Frame',
      x: 100,
      y: 50,
      width: 300,
      height: 200,
      children: [
        { id: '1:11', name: 'Photo', type: 'RECTANGLE', x: 10, y: 20, width: 64, height: 48, pixels: gradient(64, 48) },
        { id: '1:12', name: 'Badge', type: 'RECTANGLE', x: 90, y: 20, width: 32, height: 32, pixels: gradient(16, 16) },
      ],
    },
    ...extra,
  ];
}

/** A scripted UI: answers each run-node-input with `respond` (default: the input, inverted). */
class FakeUi {
  got: MainToUi[] = [];
  respond: (m: Extract<MainToUi, { type: 'run-node-input' }>) => UiToMain | null = (m) => ({
    type: 'run-node-result',
    runId: m.runId,
    nodeId: m.nodeId,
    png: invert(m.png),
    width: m.width,
    height: m.height,
  });
  constructor(private host: FigmaHost) {
    host.connectUi((msg) => {
      const m = msg as MainToUi;
      this.got.push(m);
      if (m.type === 'run-node-input') {
        const r = this.respond(m);
        if (r) this.send(r);
      }
    });
  }
  send(msg: UiToMain): void {
    this.host.fromUi({ pluginMessage: msg, pluginId: '*' });
  }
  async waitFor<T extends MainToUi['type']>(type: T, pred: (m: Extract<MainToUi, { type: T }>) => boolean = () => true): Promise<Extract<MainToUi, { type: T }>> {
    for (let i = 0; i < 500; i++) {
      const m = this.got.find((x) => x.type === type && pred(x as Extract<MainToUi, { type: T }>));
      if (m) return m as Extract<MainToUi, { type: T }>;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no ${type} message`);
  }
  of<T extends MainToUi['type']>(type: T): Extract<MainToUi, { type: T }>[] {
    return this.got.filter((x) => x.type === type) as Extract<MainToUi, { type: T }>[];
  }
}

function invert(png: Uint8Array): Uint8Array {
  const img = decodePng(png);
  const data = img.data.map((v, i) => (i % 4 === 3 ? v : 255 - v));
  return encodePng({ ...img, data });
}

const META = { packId: 'p#0', mixPackId: null, mix: 0, strength: 1, preserveColors: false, backend: 'cpu' };

async function start(nodes = fixture(), storage: Record<string, unknown> = {}) {
  const host = new FigmaHost({ pages: [{ name: 'Page 1', children: nodes }], clientStorage: storage });
  host.runPlugin(code, '<html>ui</html>');
  const ui = new FakeUi(host);
  ui.send({ type: 'ui-ready' });
  await ui.waitFor('init');
  return { host, ui, figma: host.figma as Api };
}

function run(ui: FakeUi, nodeIds: string[], runId = 1, outputScale: 1 | 2 = 1) {
  ui.send({ type: 'run-start', runId, nodeIds, outputScale, styleName: 'Test style', meta: META });
  return ui.waitFor('run-done', (m) => m.runId === runId);
}

describe('plugin main in the emulated host', () => {
  it('init sends settings and the selection, then thumbnails; settings persist in clientStorage', async () => {
    const { host, ui } = await start(fixture(), { 'settings/v1': { strength: 0.4, outputScale: 2, backend: 'wasm' } });
    const init = ui.of('init')[0]!;
    expect(init.settings).toMatchObject({ strength: 0.4, outputScale: 2, backend: 'wasm' });
    expect(init.selection).toEqual([]);
    expect(host.ui?.options).toMatchObject({ themeColors: true });
    host.select(['1:11', '1:12']);
    const sel = await ui.waitFor('selection', (m) => m.nodes.length === 2);
    expect(sel.nodes.map((n) => [n.name, n.width, n.height, n.exportable])).toEqual([
      ['Photo', 64, 48, true],
      ['Badge', 32, 32, true],
    ]);
    const thumb = await ui.waitFor('thumbnail', (m) => m.nodeId === '1:11');
    expect(Math.max(decodePng(thumb.png).width, decodePng(thumb.png).height)).toBeLessThanOrEqual(64);
    ui.send({ type: 'save-settings', settings: { ...init.settings, strength: 0.7 } });
    await new Promise((r) => setTimeout(r, 20));
    expect(host.storage.get('settings/v1')).toMatchObject({ strength: 0.7 });
  });

  it('writes one layer per node exactly over the original, leaves the original alone, one undo step', async () => {
    const { host, ui, figma } = await start();
    const photo = await figma.getNodeByIdAsync('1:11');
    const before = { fills: photo.fills, t: photo.relativeTransform, png: await photo.exportAsync({ format: 'PNG' }) };
    const done = await run(ui, ['1:11', '1:12']);
    expect(done).toMatchObject({ created: 2, failed: 0, cancelled: false });
    const frame = host.node('1:10');
    expect(frame.children.map((c) => c.name)).toEqual(['Photo', 'Photo · Test style', 'Badge', 'Badge · Test style']);
    for (const [origId, idx] of [
      ['1:11', 1],
      ['1:12', 3],
    ] as const) {
      const orig = host.node(origId);
      const r = frame.children[idx]!;
      expect(r.type).toBe('RECTANGLE');
      expect(r.absoluteTransform()).toEqual(orig.absoluteTransform());
      expect([r.width, r.height]).toEqual([orig.width, orig.height]);
      const fill = r.fillsValue[0]!;
      expect(fill).toMatchObject({ type: 'IMAGE', scaleMode: 'FILL' });
      const input = ui.of('run-node-input').find((m) => m.nodeId === origId)!;
      expect(host.imageBytes(fill.imageHash as string)).toEqual(invert(input.png));
      expect(JSON.parse(r.pluginData.get('stylepack')!)).toMatchObject({ source: origId, style: 'Test style', packId: 'p#0' });
    }
    expect(photo.fills).toBe(before.fills);
    expect(photo.relativeTransform).toEqual(before.t);
    expect(await photo.exportAsync({ format: 'PNG' })).toEqual(before.png);
    expect(host.undoSteps).toHaveLength(1);
    expect(host.undoSteps[0]!.filter((c) => c.startsWith('create'))).toHaveLength(2);
    expect(host.pendingChanges).toEqual([]);
    expect(host.notifications.at(-1)!.message).toMatch(/Created 2 stylized layers/);
    const statuses = ui.of('run-node-status').map((m) => `${m.nodeId}:${m.status}`);
    expect(statuses).toEqual(['1:11:exporting', '1:11:done', '1:12:exporting', '1:12:done']);
  });

  it('exports at the output scale and caps at 4096 px with a clear notice', async () => {
    const wide: FixtureNode = { id: '1:20', name: 'Banner', type: 'RECTANGLE', x: 0, y: 400, width: 4800, height: 48, pixels: gradient(64, 8) };
    const { host, ui } = await start(fixture([wide]));
    await run(ui, ['1:11', '1:20'], 1, 2);
    const inputs = ui.of('run-node-input');
    expect([inputs[0]!.width, inputs[0]!.height]).toEqual([128, 96]);
    expect(inputs[0]!.downscaled).toBeNull();
    expect(inputs[1]!.width).toBe(4096);
    expect(inputs[1]!.downscaled).toMatch(/4096 px/);
    expect(host.notifications.some((n) => /Banner.*4096 px/.test(n.message))).toBe(true);
    const banner = host.node('1:20');
    const result = host.currentPage.children.find((c) => c.name === 'Banner · Test style')!;
    expect([result.width, result.height]).toEqual([banner.width, banner.height]);
    expect(ui.of('run-done')[0]!.message).toMatch(/4096/);
  });

  it('a failing node does not stop the others; a rejected image leaves nothing behind', async () => {
    const { host, ui } = await start();
    ui.respond = (m) =>
      m.nodeId === '1:11'
        ? { type: 'run-node-error', runId: m.runId, nodeId: m.nodeId, message: 'GPU lost' }
        : { type: 'run-node-result', runId: m.runId, nodeId: m.nodeId, png: encodePng(solid(4100, 2, [1, 1, 1, 255])), width: 4100, height: 2 };
    const done = await run(ui, ['1:11', '1:12', '1:404']);
    expect(done).toMatchObject({ created: 0, failed: 3 });
    const st = ui.of('run-node-status').filter((m) => m.status === 'failed');
    expect(st.map((m) => [m.nodeId, m.message])).toEqual([
      ['1:11', 'GPU lost'],
      ['1:12', 'Image is too large'],
      ['1:404', 'The layer was deleted before it could be stylized.'],
    ]);
    expect(host.node('1:10').children).toHaveLength(2);
    expect(host.currentPage.children.filter((c) => c.type === 'RECTANGLE')).toHaveLength(0);
    expect(host.undoSteps).toHaveLength(0);
  });

  it('cancel stops before the next node', async () => {
    const { host, ui } = await start();
    ui.respond = (m) => {
      if (m.nodeId === '1:11') setTimeout(() => ui.send({ type: 'run-cancel', runId: m.runId }), 5);
      return null; // the UI stops working on it
    };
    const done = await run(ui, ['1:11', '1:12']);
    expect(done).toMatchObject({ created: 0, cancelled: true });
    expect(ui.of('run-node-input').map((m) => m.nodeId)).toEqual(['1:11']);
    expect(host.node('1:10').children).toHaveLength(2);
  });

  it('a selection change during a run does not change the nodes it works on', async () => {
    const { host, ui } = await start();
    host.select(['1:11', '1:12']);
    await ui.waitFor('selection', (m) => m.nodes.length === 2);
    const respond = ui.respond;
    ui.respond = (m) => {
      if (m.nodeId === '1:11') host.select(['1:10']);
      return respond(m);
    };
    const done = await run(ui, ['1:11', '1:12']);
    expect(done.created).toBe(2);
    expect(ui.of('run-node-input').map((m) => m.nodeId)).toEqual(['1:11', '1:12']);
    expect(ui.of('selection').at(-1)!.nodes.map((n) => n.id)).toEqual(['1:10']);
  });

  it('in an auto-layout frame the result is absolutely positioned', async () => {
    const nodes: FixtureNode[] = [
      { id: '1:30', name: 'Stack', layoutMode: 'VERTICAL', width: 100, height: 100, children: [{ id: '1:31', name: 'Item', type: 'RECTANGLE', x: 0, y: 10, width: 20, height: 20, pixels: gradient(4, 4) }] },
    ];
    const { host, ui } = await start(nodes);
    await run(ui, ['1:31']);
    const r = host.node('1:30').children[1]!;
    expect(r.layoutPositioning).toBe('ABSOLUTE');
    expect(r.absoluteTransform()).toEqual(host.node('1:31').absoluteTransform());
  });

  it('the window opens at the remembered size without a jump; the handle resizes it live and saves on release', async () => {
    const first = await start();
    // A fresh profile: the default size, shown once the (missing) size was looked up.
    expect(first.host.ui).toMatchObject({ width: 340, height: 620, visible: true });
    expect(first.host.ui?.options).toMatchObject({ visible: false, themeColors: true });
    expect(first.host.uiResizes).toEqual([]);
    first.ui.send({ type: 'resize-window', width: 420.4, height: 700, save: false });
    first.ui.send({ type: 'resize-window', width: 5000, height: 100, save: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(first.host.uiResizes).toEqual([
      { width: 420, height: 700 },
      { width: 1200, height: 360 }, // clamped to the panel's limits
    ]);
    expect(first.host.storage.get('window-size/v1')).toEqual({ width: 1200, height: 360 });
    // Reopened with that clientStorage: resized before it is shown.
    const again = await start(fixture(), Object.fromEntries(first.host.storage));
    expect(again.host.ui).toMatchObject({ width: 1200, height: 360, visible: true });
    // A damaged entry falls back to the default size.
    const damaged = await start(fixture(), { 'window-size/v1': { width: 'wide', height: Number.NaN } });
    expect(damaged.host.ui).toMatchObject({ width: 340, height: 620, visible: true });
  });
});
