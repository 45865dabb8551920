// Content images → random square crops. Each step's batch is a pure function of (seed, step),
// so a resumed run sees exactly the batches the interrupted one would have seen.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@stylepack/core';
import { CliError } from './errors.js';
import { listImages, readImage, resizeRgba } from './io/images.js';

interface Item {
  path: string;
  width: number;
  height: number;
  /** RGB floats in [0,1], row-major. */
  rgb: Float32Array;
}

/** Mix seed and step into a well-spread 32-bit RNG seed. */
export function stepSeed(seed: number, step: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class ContentDataset {
  private constructor(readonly items: Item[], readonly size: number, readonly seed: number) {}

  /**
   * Load every image in `dir`, scaled so the shorter side is `size`·1.15 (small images are
   * scaled up), ready to crop `size`×`size` patches from.
   */
  static async load(dir: string, size: number, seed: number, log?: (m: string) => void): Promise<ContentDataset> {
    const files = await listImages(dir, 'content');
    const items: Item[] = [];
    const target = Math.round(size * 1.15);
    for (const path of files) {
      const img = await readImage(path);
      const k = target / Math.min(img.width, img.height);
      const w = Math.max(size, Math.round(img.width * k));
      const h = Math.max(size, Math.round(img.height * k));
      const r = await resizeRgba(img, w, h);
      const rgb = new Float32Array(w * h * 3);
      for (let i = 0, j = 0; i < r.data.length; i += 4, j += 3) {
        rgb[j] = r.data[i] / 255;
        rgb[j + 1] = r.data[i + 1] / 255;
        rgb[j + 2] = r.data[i + 2] / 255;
      }
      items.push({ path, width: w, height: h, rgb });
    }
    if (items.length === 0) throw new CliError(`No content images in ${dir}.`);
    log?.(`content: ${items.length} image(s) from ${dir}, ${size}×${size} crops`);
    return new ContentDataset(items, size, seed);
  }

  /** The batch for `step`: [B, size, size, 3] random crops with random horizontal flips. */
  batch(step: number, batchSize: number): tf.Tensor4D {
    const rng = new Rng(stepSeed(this.seed, step));
    const s = this.size;
    const out = new Float32Array(batchSize * s * s * 3);
    for (let b = 0; b < batchSize; b++) {
      const it = this.items[rng.int(this.items.length)];
      const y0 = rng.int(it.height - s + 1);
      const x0 = rng.int(it.width - s + 1);
      const flip = rng.next() < 0.5;
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          const sx = x0 + (flip ? s - 1 - x : x);
          const src = ((y0 + y) * it.width + sx) * 3;
          const dst = ((b * s + y) * s + x) * 3;
          out[dst] = it.rgb[src];
          out[dst + 1] = it.rgb[src + 1];
          out[dst + 2] = it.rgb[src + 2];
        }
      }
    }
    return tf.tensor4d(out, [batchSize, s, s, 3]);
  }

  /** A fixed centre crop of the first image (for sample grids and evaluation). */
  centreCrop(index = 0): tf.Tensor4D {
    const it = this.items[index % this.items.length];
    const s = this.size;
    const y0 = (it.height - s) >> 1;
    const x0 = (it.width - s) >> 1;
    const out = new Float32Array(s * s * 3);
    for (let y = 0; y < s; y++) out.set(it.rgb.subarray(((y0 + y) * it.width + x0) * 3, ((y0 + y) * it.width + x0 + s) * 3), y * s * 3);
    return tf.tensor4d(out, [1, s, s, 3]);
  }
}
