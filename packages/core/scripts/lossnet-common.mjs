// Shared helpers for the loss-network study scripts (Node only; uses sharp, hoisted from packages/trainer).
// Needs the built package: `npx tsc -p packages/core/tsconfig.json` (or `npm run build`).
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { createLossNetwork, applyFeatureTransform } from '../dist/lossnet/index.js';
import { loadNsfwjsMobileNetSource } from '../dist/node/lossnet-node.js';

export { tf, sharp, createLossNetwork, applyFeatureTransform, loadNsfwjsMobileNetSource };

/** Read an image file, resize (cover) to w×h, return [1,h,w,3] in [0,1]. */
export async function loadImage(path, w, h = w) {
  const { data, info } = await sharp(path).removeAlpha().resize(w, h, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const f = new Float32Array(info.width * info.height * 3);
  for (let i = 0; i < f.length; i++) f[i] = data[i] / 255;
  return tf.tensor4d(f, [1, info.height, info.width, 3]);
}

/** Write a list of rows of [1,h,w,3] tensors in [0,1] as one PNG grid (nearest-neighbour ×scale). */
export async function saveGrid(rows, path, scale = 2, pad = 4) {
  const h = Math.max(...rows.flat().map((t) => t.shape[1]));
  const w = Math.max(...rows.flat().map((t) => t.shape[2]));
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * (w + pad) + pad, H = rows.length * (h + pad) + pad;
  const out = Buffer.alloc(W * H * 3, 255);
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < rows[r].length; c++) {
    const t = rows[r][c];
    const [, th, tw] = t.shape;
    const px = t.clipByValue(0, 1).dataSync();
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) for (let k = 0; k < 3; k++) {
      out[((pad + r * (h + pad) + y) * W + pad + c * (w + pad) + x) * 3 + k] = Math.round(px[(y * tw + x) * 3 + k] * 255);
    }
  }
  await sharp(out, { raw: { width: W, height: H, channels: 3 } }).resize(W * scale, H * scale, { kernel: 'nearest' }).png().toFile(path);
}
