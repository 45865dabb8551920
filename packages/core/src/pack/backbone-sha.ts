// The identity of a base model: SHA-256 over its backbone weights. The CLI and the plugin both
// check a base pack's weights against the sha256 its manifest claims with this one function.
import { sha256Hex } from './sha256.js';
import type { PackTensor } from './types.js';

/**
 * SHA-256 identifying a backbone: over a JSON index [[name, shape], ...] (names sorted), a NUL
 * byte, then every tensor's float32 little-endian values in that order.
 */
export async function backboneSha256(weights: Record<string, PackTensor>): Promise<string> {
  const names = Object.keys(weights).sort();
  const index = new TextEncoder().encode(JSON.stringify(names.map((n) => [n, weights[n]!.shape])));
  const total = index.length + 1 + names.reduce((a, n) => a + weights[n]!.data.length * 4, 0);
  const buf = new Uint8Array(total);
  buf.set(index, 0);
  const view = new DataView(buf.buffer);
  let o = index.length + 1;
  for (const n of names) {
    const d = weights[n]!.data;
    for (let i = 0; i < d.length; i++, o += 4) view.setFloat32(o, d[i]!, true);
  }
  return sha256Hex(buf);
}
