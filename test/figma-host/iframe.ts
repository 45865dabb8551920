// How Figma shows a plugin's UI, modelled for the browser tests (see README.md, "The plugin
// iframe"): ui.html in an iframe sandboxed WITHOUT allow-same-origin, so it runs in an opaque
// ("null") origin: no localStorage, cookies or IndexedDB, blob: URLs are blob:null/…, and it is
// not cross-origin isolated (no SharedArrayBuffer, so one wasm thread).
// The document is given as srcdoc: Figma's data: URL would be refused by Chromium above 2 MiB
// (the URL length limit; it navigates to about:blank#blocked), and ui.html is ~8 MB. A sandboxed
// srcdoc document has the same opaque origin.

/** Sandbox tokens of the plugin iframe: scripts, forms, popups (links open outside), downloads; no same-origin, no modals. */
export const FIGMA_UI_SANDBOX = 'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads';

/**
 * Browser-side source (runs in the host page): load `html` into `iframe` the way Figma does.
 * Records when loading began (epoch ms, window.__uiLoadStartedAt) for the open-time bench.
 */
export const LOAD_UI_SOURCE = `(iframe, html) => new Promise((resolve) => {
  iframe.setAttribute('sandbox', ${JSON.stringify(FIGMA_UI_SANDBOX)});
  window.__uiLoadStartedAt = performance.timeOrigin + performance.now();
  iframe.onload = () => resolve();
  iframe.srcdoc = html;
})`;
