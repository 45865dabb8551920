// The emulator itself: documented Figma limits and errors.
import { describe, expect, it } from 'vitest';
import { CLIENT_STORAGE_QUOTA, FigmaHost, decodePng, encodePng, solid } from './index.js';
import { solid as solidImg } from './images.js';

type Api = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function host(): { h: FigmaHost; figma: Api } {
  const h = new FigmaHost({
    pages: [
      {
        name: 'Page 1',
        children: [
          { id: '1:100', name: 'Card', x: 10, y: 20, width: 40, height: 30, pixels: solidImg(4, 3, [200, 10, 10, 255]), children: [{ id: '1:101', name: 'Inner', type: 'RECTANGLE', x: 5, y: 6, width: 10, height: 10 }] },
        ],
      },
    ],
  });
  return { h, figma: h.figma };
}

function gif(w: number, h: number): Uint8Array {
  return new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, w & 255, w >> 8, h & 255, h >> 8, 0, 0, 0]);
}
function jpeg(w: number, h: number): Uint8Array {
  // SOI, APP0 (len 4), SOF0 (len 11: precision, height, width, ...)
  return new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 0, 0, 0]);
}

describe('figma-host', () => {
  it('createImage: PNG/JPEG/GIF by magic bytes, 4096 px cap, errors as documented', () => {
    const { figma } = host();
    expect(figma.createImage(encodePng(solid(4096, 1, [0, 0, 0, 255]))).hash).toMatch(/^[0-9a-f]{40}$/);
    expect(() => figma.createImage(encodePng(solid(4097, 1, [0, 0, 0, 255])))).toThrow('Image is too large');
    expect(figma.createImage(gif(10, 10)).hash).toBeTruthy();
    expect(() => figma.createImage(gif(5000, 10))).toThrow('Image is too large');
    expect(figma.createImage(jpeg(300, 200)).hash).toBeTruthy();
    expect(() => figma.createImage(jpeg(300, 4100))).toThrow('Image is too large');
    expect(() => figma.createImage(new Uint8Array([1, 2, 3, 4]))).toThrow('Image type is unsupported');
    expect(() => figma.createImage(gif(0, 10))).toThrow('Image is too small');
    expect(() => figma.createImage([1, 2, 3])).toThrow(/Uint8Array/);
  });

  it('exportAsync returns the node pixels resized to the constraint', async () => {
    const { figma } = host();
    const card = await figma.getNodeByIdAsync('1:100');
    const at2 = decodePng(await card.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: 2 } }));
    expect([at2.width, at2.height]).toEqual([80, 60]);
    expect([...at2.data.slice(0, 4)]).toEqual([200, 10, 10, 255]);
    const w = decodePng(await card.exportAsync({ format: 'PNG', constraint: { type: 'WIDTH', value: 20 } }));
    expect([w.width, w.height]).toEqual([20, 15]);
    await expect(card.exportAsync({ format: 'SVG' })).rejects.toThrow(/not modelled/);
  });

  it('fills are frozen: assigning a new array works, mutating throws', async () => {
    const { figma } = host();
    const card = await figma.getNodeByIdAsync('1:100');
    expect(() => card.fills.push({ type: 'SOLID', color: { r: 0, g: 0, b: 0 } })).toThrow(TypeError);
    expect(() => {
      'use strict';
      card.fills[0].opacity = 0.5;
    }).toThrow(TypeError);
    const img = figma.createImage(encodePng(solid(2, 2, [1, 2, 3, 255])));
    card.fills = [{ type: 'IMAGE', imageHash: img.hash, scaleMode: 'FILL' }];
    expect(card.fills[0].imageHash).toBe(img.hash);
    expect(Object.isFrozen(card.fills[0])).toBe(true);
    expect(() => (card.fills = [{ type: 'IMAGE', imageHash: 'nope', scaleMode: 'FILL' }])).toThrow(/imageHash/);
    expect(() => (card.fills = [{ type: 'BOGUS' }])).toThrow(/Paint/);
  });

  it('base64Encode/Decode: standard alphabet with padding, round-trips, rejects non-base64', () => {
    const f = new FigmaHost().figma as { base64Encode(d: unknown): string; base64Decode(s: unknown): Uint8Array };
    for (const n of [0, 1, 2, 3, 4, 5, 100, 1001]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const s = f.base64Encode(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(f.base64Decode(s)).toEqual(b);
    }
    expect(f.base64Encode(new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4))).toBe('AQID'); // a view encodes only its bytes
    expect(() => f.base64Decode('ab$d')).toThrow(/not valid base64/);
    expect(() => f.base64Decode('abcde')).toThrow(/not valid base64/);
    expect(() => f.base64Encode([1, 2, 3])).toThrow(/Uint8Array/);
    expect(() => f.base64Decode(42)).toThrow(/string/);
  });

  it('clientStorage: async, structured values, 5 MB quota', async () => {
    const { figma } = host();
    await figma.clientStorage.setAsync('a', { x: 1, bytes: new Uint8Array([1, 2]) });
    const v = await figma.clientStorage.getAsync('a');
    expect(v.x).toBe(1);
    expect(v.bytes).toBeInstanceOf(Uint8Array);
    expect(await figma.clientStorage.getAsync('missing')).toBeUndefined();
    await figma.clientStorage.setAsync('big', new Uint8Array(CLIENT_STORAGE_QUOTA - 100));
    await expect(figma.clientStorage.setAsync('more', new Uint8Array(200))).rejects.toThrow(/quota/);
    await expect(figma.clientStorage.setAsync('fn', { f: () => 1 })).rejects.toThrow(/cannot be stored/);
    expect(await figma.clientStorage.keysAsync()).toEqual(['a', 'big']);
  });

  it('plugin data and shared plugin data: strings, 100 kB per entry', async () => {
    const { figma } = host();
    const card = await figma.getNodeByIdAsync('1:100');
    card.setPluginData('k', 'v');
    expect(card.getPluginData('k')).toBe('v');
    expect(card.getPluginData('none')).toBe('');
    expect(() => card.setPluginData('k', 'x'.repeat(100 * 1024))).toThrow(/100 kB/);
    card.setSharedPluginData('stylepack', 'k', 'v');
    expect(card.getSharedPluginData('stylepack', 'k')).toBe('v');
    expect(() => card.setSharedPluginData('ab', 'k', 'v')).toThrow(/namespace/);
    expect(() => card.setSharedPluginData('stylepack', 'k', 'x'.repeat(100 * 1024))).toThrow(/100 kB/);
  });

  it('dynamic-page: getNodeById throws, getNodeByIdAsync works; selection + selectionchange', async () => {
    const { h, figma } = host();
    expect(() => figma.getNodeById('1:100')).toThrow(/dynamic-page/);
    expect((await figma.getNodeByIdAsync('1:101')).name).toBe('Inner');
    let events = 0;
    figma.on('selectionchange', () => events++);
    h.select(['1:100', '1:101']);
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toBe(1);
    const sel = figma.currentPage.selection;
    expect(sel.map((n: Api) => n.id)).toEqual(['1:100', '1:101']);
    expect(Object.isFrozen(sel)).toBe(true);
    const inner = await figma.getNodeByIdAsync('1:101');
    expect(inner.absoluteTransform).toEqual([
      [1, 0, 15],
      [0, 1, 26],
    ]);
  });

  it('showUI and ui.resize: documented defaults (300×200) and minimum (70×0); sizes must be numbers', () => {
    const { h, figma } = host();
    figma.showUI('<p>ui</p>');
    expect(h.ui).toMatchObject({ width: 300, height: 200, visible: true });
    const sizes: unknown[] = [];
    h.onUiResize((s) => sizes.push(s));
    figma.ui.resize(480, 640);
    figma.ui.resize(10, -5);
    expect(sizes).toEqual([
      { width: 480, height: 640 },
      { width: 70, height: 0 },
    ]);
    expect(h.ui).toMatchObject({ width: 70, height: 0 });
    expect(() => figma.ui.resize('480', 640)).toThrow(/finite numbers/);
    expect(() => figma.ui.resize(Number.NaN, 640)).toThrow(/finite numbers/);
    figma.showUI('<p>ui</p>', { width: 20, height: 900, visible: false });
    expect(h.ui).toMatchObject({ width: 70, height: 900, visible: false });
  });

  it('ui messages are cloned and travel in Figma envelopes; commitUndo groups changes', async () => {
    const { h, figma } = host();
    expect(() => figma.ui.postMessage({ a: 1 })).toThrow(/showUI/);
    figma.showUI('<p>ui</p>');
    const got: unknown[] = [];
    h.connectUi((m) => got.push(m));
    const payload = { type: 'x', png: new Uint8Array([1, 2, 3]) };
    figma.ui.postMessage(payload);
    payload.png[0] = 9;
    expect((got[0] as { png: Uint8Array }).png[0]).toBe(1);
    expect(() => figma.ui.postMessage({ f: () => 1 })).toThrow();
    const received: unknown[] = [];
    figma.ui.onmessage = (m: unknown) => received.push(m);
    h.fromUi({ pluginMessage: { type: 'hello' }, pluginId: '*' });
    h.fromUi({ notAPluginMessage: true });
    await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual([{ type: 'hello' }]);
    const r = figma.createRectangle();
    r.resize(10, 10);
    figma.commitUndo();
    figma.commitUndo();
    expect(h.undoSteps).toEqual([[`create ${r.id}`, `resize ${r.id}`]]);
  });
});
