// The loss network's weights for Learn style, read lazily from the <script type="application/json"
// id="stylepack-lossnet"> block that build.mjs puts in ui.html (MobileNetV2 from nsfwjs, ~3.5 MB
// of base64). The browser keeps that block as text; it is parsed only here, on first use.
import { base64ToArrayBuffer, type MobileNetSource } from '@stylepack/core';

let cached: MobileNetSource | null = null;

export function bundledLossSource(): MobileNetSource {
  if (cached) return cached;
  const el = typeof document !== 'undefined' ? document.getElementById('stylepack-lossnet') : null;
  if (!el?.textContent) throw new Error('This build of the plugin has no loss network, so it cannot learn styles.');
  const j = JSON.parse(el.textContent) as { modelTopology: unknown; weightsManifest: unknown; weightData: string };
  cached = { modelTopology: j.modelTopology, weightsManifest: j.weightsManifest, weightData: base64ToArrayBuffer(j.weightData) };
  return cached;
}

export function lossSourceLoaded(): boolean {
  return cached !== null;
}
