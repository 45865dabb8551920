// The UI side of the emulated host, in a real browser page (Playwright). Figma shows a plugin's
// UI in a sandboxed, opaque-origin iframe; here the host page holds such an iframe (iframe.ts)
// whose document is the plugin's ui.html, and
// relays messages in Figma's envelopes:
//   UI → main: the UI calls parent.postMessage({ pluginMessage, pluginId }, '*'); the host page
//              forwards the envelope to Node, where FigmaHost.fromUi delivers it to figma.ui.onmessage.
//   main → UI: figma.ui.postMessage(msg) in Node; the host page posts
//              { pluginMessage: msg, pluginId } into the iframe (window.onmessage sees event.data.pluginMessage).
// Uint8Arrays cross the Node↔page boundary as base64 (transport only; both ends see Uint8Array).
import type { Page } from 'playwright-core';
import type { FigmaHost } from './index.js';
import { LOAD_UI_SOURCE } from './iframe.js';

export const PLUGIN_ID = 'stylepack-emulated';

/** The page that stands in for Figma's editor around the plugin iframe. Serve it over http(s):
 *  WebGPU needs a secure context (http://127.0.0.1 counts; data: URLs do not). */
export const HOST_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>figma-host</title>
<style>
  body { margin: 0; display: flex; gap: 16px; font: 12px system-ui, sans-serif; background: #e5e5e5; }
  #plugin-ui { width: 340px; height: 760px; border: 0; background: #fff; box-shadow: 0 2px 12px rgba(0,0,0,.2); flex: none; }
  #canvas { flex: 1; padding: 12px; display: flex; flex-wrap: wrap; gap: 12px; align-content: flex-start; }
  #canvas figure { margin: 0; background: #fff; padding: 6px; }
  #canvas img { display: block; image-rendering: pixelated; width: 128px; height: auto; max-height: 256px; object-fit: contain; }
  #canvas figcaption { max-width: 128px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style></head>
<body><iframe id="plugin-ui" title="Plugin UI"></iframe><div id="canvas"></div>
<script>
  const iframe = document.getElementById('plugin-ui');
  const b64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000)); return btoa(s); };
  const unb64 = (s) => { const bin = atob(s); const u8 = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i); return u8; };
  const enc = (v) => v instanceof Uint8Array ? { __u8: b64(v) } : Array.isArray(v) ? v.map(enc)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)])) : v;
  const dec = (v) => v && typeof v === 'object' && typeof v.__u8 === 'string' ? unb64(v.__u8) : Array.isArray(v) ? v.map(dec)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)])) : v;
  let chain = Promise.resolve();
  window.addEventListener('message', (e) => {
    if (e.source !== iframe.contentWindow) return;
    const wire = enc(e.data);
    chain = chain.then(() => window.__figmaHostFromUi(wire));
  });
  window.__figmaHost = {
    load: (html) => (${LOAD_UI_SOURCE})(iframe, html),
    toUi: (wire) => iframe.contentWindow.postMessage({ pluginMessage: dec(wire), pluginId: ${JSON.stringify(PLUGIN_ID)} }, '*'),
    showCanvas: (items) => {
      const c = document.getElementById('canvas'); c.textContent = '';
      for (const it of items) {
        const f = document.createElement('figure'); const img = document.createElement('img');
        img.src = 'data:image/png;base64,' + it.png; const cap = document.createElement('figcaption'); cap.textContent = it.name;
        f.append(img, cap); c.append(f);
      }
    },
  };
</script></body></html>`;

export function encodeWire(v: unknown): unknown {
  if (v instanceof Uint8Array || Object.prototype.toString.call(v) === '[object Uint8Array]') {
    const u8 = v as Uint8Array;
    return { __u8: Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v.map(encodeWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeWire(x)]));
  return v;
}

export function decodeWire(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { __u8?: unknown }).__u8 === 'string') {
    return new Uint8Array(Buffer.from((v as { __u8: string }).__u8, 'base64'));
  }
  if (Array.isArray(v)) return v.map(decodeWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeWire(x)]));
  return v;
}

/**
 * Mount the plugin UI the host has been asked to show (figma.showUI must have run) into the
 * page (already at HOST_PAGE_HTML) and connect the message relay.
 */
export async function mountUi(page: Page, host: FigmaHost): Promise<void> {
  if (!host.ui) throw new Error('figma-host: the plugin has not called figma.showUI()');
  await page.exposeFunction('__figmaHostFromUi', (wire: unknown) => host.fromUi(decodeWire(wire)));
  await page.evaluate((html) => (window as unknown as { __figmaHost: { load(h: string): Promise<void> } }).__figmaHost.load(html), host.ui.html);
  let chain: Promise<unknown> = Promise.resolve();
  host.connectUi((msg) => {
    const wire = encodeWire(msg);
    chain = chain
      .then(() => page.evaluate((w) => (window as unknown as { __figmaHost: { toUi(w: unknown): void } }).__figmaHost.toUi(w), wire))
      .catch(() => undefined); // page closed
  });
}
