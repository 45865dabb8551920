// The loss network's weights for Learn style, read lazily from the <script type="application/json"
// id="stylepack-lossnet"> block that build.mjs puts in ui.html (MobileNetV2 from nsfwjs, ~3.5 MB
// of base64). The browser keeps that block as text; it is parsed only here, on first use.
import { base64ToArrayBuffer, type MobileNetSource } from '@stylepack/core';

let cached: MobileNetSource | null = null;

/** The block's text (the model worker is sent it: it has no document), or null. */
export function bundledLossText(): string | null {
  const el = typeof document !== 'undefined' ? document.getElementById('stylepack-lossnet') : null;
  return el?.textContent || null;
}

export function parseLossSource(text: string): MobileNetSource {
  const j = JSON.parse(text) as { modelTopology: unknown; weightsManifest: unknown; weightData: string };
  return { modelTopology: j.modelTopology, weightsManifest: j.weightsManifest, weightData: base64ToArrayBuffer(j.weightData) };
}

export function bundledLossSource(): MobileNetSource {
  if (cached) return cached;
  const text = bundledLossText();
  if (!text) throw new Error('This build of the plugin has no loss network, so it cannot learn styles.');
  cached = parseLossSource(text);
  return cached;
}

export function lossSourceLoaded(): boolean {
  return cached !== null;
}
