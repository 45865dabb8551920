// Content images → random square crops. Each step's batch is a pure function of (seed, step),
// so a resumed run sees exactly the batches the interrupted one would have seen.
//
// Multi-scale (`scale: [min, max]`): each crop covers size·k source pixels (k log-uniform in
// [min, max], limited by the image), resized to size×size. The generator then sees objects at
// many scales, so what it paints does not depend on one fixed photo resolution.
import * as tf from '@tensorflow/tfjs';
import { Rng, stepSeed } from '@stylepack/core';
import { CliError } from './errors.js';
import { listImages, readImage, resizeRgba } from './io/images.js';

interface Item {
  path: string;
  width: number;
  height: number;
  /** RGB bytes, row-major (as floats /255 at crop time: 4× less memory than floats). */
  rgb: Uint8Array;
}

export interface DatasetOptions {
  /** Source-crop scale range [min, max] (crop side = size·k); default: no rescaling. */
  scale?: [number, number];
}

/**
 * One output row/column axis of a resample from `src` source pixels to `dst`: for each output
 * index, the source indices and weights. Area (box) averaging when shrinking, so fine detail
 * averages instead of aliasing; linear interpolation when enlarging.
 */
export function resampleTaps(src: number, dst: number): { idx: Int32Array; w: Float32Array; n: number } {
  const k = src / dst;
  const n = k > 1 ? Math.ceil(k) + 1 : 2;
  const idx = new Int32Array(dst * n);
  const w = new Float32Array(dst * n);
  for (let o = 0; o < dst; o++) {
    if (k > 1) {
      const a = o * k;
      const b = a + k;
      let t = 0;
      for (let j = 0, i = Math.floor(a); j < n; j++, i++) {
        const cover = Math.max(0, Math.min(b, i + 1) - Math.max(a, i));
        idx[o * n + j] = Math.min(src - 1, i);
        w[o * n + j] = cover / k;
        t += cover;
      }
      if (Math.abs(t - k) > 1e-3) throw new Error(`resampleTaps: box weights sum to ${t}, not ${k}`);
    } else {
      const x = Math.max(0, Math.min(src - 1, (o + 0.5) * k - 0.5));
      const i = Math.min(src - 2 < 0 ? 0 : src - 2, Math.floor(x));
      const f = src > 1 ? x - i : 0;
      idx[o * n] = i;
      w[o * n] = 1 - f;
      idx[o * n + 1] = Math.min(src - 1, i + 1);
      w[o * n + 1] = f;
    }
  }
  return { idx, w, n };
}

export class ContentDataset {
  private constructor(
    readonly items: Item[],
    readonly size: number,
    readonly seed: number,
    readonly scale?: [number, number],
  ) {}

  /**
   * Load every image in `dir`, scaled so the shorter side is `size`·1.15 (small images are
   * scaled up), ready to crop `size`×`size` patches from. With a scale range, images keep up to
   * `size`·max·1.15 of their shorter side (never enlarged past that), so large crops have detail.
   */
  static async load(dir: string, size: number, seed: number, log?: (m: string) => void, opts: DatasetOptions = {}): Promise<ContentDataset> {
    const files = await listImages(dir, 'content');
    const items: Item[] = [];
    const scale = opts.scale;
    if (scale && !(scale[0] > 0 && scale[0] <= scale[1])) throw new CliError(`Crop scale range ${scale.join('-')} is not a range of positive numbers, low to high.`);
    const base = Math.round(size * 1.15);
    for (const path of files) {
      const img = await readImage(path);
      const short = Math.min(img.width, img.height);
      const target = scale ? Math.max(base, Math.min(short, Math.round(base * scale[1]))) : base;
      const k = target / short;
      const w = Math.max(size, Math.round(img.width * k));
      const h = Math.max(size, Math.round(img.height * k));
      const r = await resizeRgba(img, w, h);
      const rgb = new Uint8Array(w * h * 3);
      for (let i = 0, j = 0; i < r.data.length; i += 4, j += 3) {
        rgb[j] = r.data[i];
        rgb[j + 1] = r.data[i + 1];
        rgb[j + 2] = r.data[i + 2];
      }
      items.push({ path, width: w, height: h, rgb });
    }
    if (items.length === 0) throw new CliError(`No content images in ${dir}.`);
    log?.(`content: ${items.length} image(s) from ${dir}, ${size}×${size} crops${scale ? ` of ${scale[0]}–${scale[1]}× that many source pixels` : ''}`);
    return new ContentDataset(items, size, seed, scale);
  }

  /** The batch for `step`: [B, size, size, 3] random crops with random horizontal flips. */
  batch(step: number, batchSize: number): tf.Tensor4D {
    const rng = new Rng(stepSeed(this.seed, step));
    const s = this.size;
    const out = new Float32Array(batchSize * s * s * 3);
    for (let b = 0; b < batchSize; b++) {
      const it = this.items[rng.int(this.items.length)];
      if (this.scale) {
        this.scaledCrop(it, rng, out.subarray(b * s * s * 3, (b + 1) * s * s * 3));
        continue;
      }
      const y0 = rng.int(it.height - s + 1);
      const x0 = rng.int(it.width - s + 1);
      const flip = rng.next() < 0.5;
      for (let y = 0; y < s; y++) {
        for (let x = 0; x < s; x++) {
          const sx = x0 + (flip ? s - 1 - x : x);
          const src = ((y0 + y) * it.width + sx) * 3;
          const dst = ((b * s + y) * s + x) * 3;
          out[dst] = it.rgb[src] / 255;
          out[dst + 1] = it.rgb[src + 1] / 255;
          out[dst + 2] = it.rgb[src + 2] / 255;
        }
      }
    }
    return tf.tensor4d(out, [batchSize, s, s, 3]);
  }

  /** A crop of size·k source pixels (k log-uniform in the scale range), resampled to size². */
  private scaledCrop(it: Item, rng: Rng, out: Float32Array): void {
    const s = this.size;
    const [lo, hi] = this.scale!;
    const k = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
    const side = Math.max(8, Math.min(it.width, it.height, Math.round(s * k)));
    const y0 = rng.int(it.height - side + 1);
    const x0 = rng.int(it.width - side + 1);
    const flip = rng.next() < 0.5;
    const taps = resampleTaps(side, s);
    // Separable: rows first (side rows × s columns), then columns.
    const tmp = new Float32Array(side * s * 3);
    for (let y = 0; y < side; y++) {
      const row = (y0 + y) * it.width;
      for (let x = 0; x < s; x++) {
        let r = 0, g = 0, bl = 0;
        for (let j = 0; j < taps.n; j++) {
          const wt = taps.w[x * taps.n + j];
          if (wt === 0) continue;
          const p = (row + x0 + taps.idx[x * taps.n + j]) * 3;
          r += wt * it.rgb[p];
          g += wt * it.rgb[p + 1];
          bl += wt * it.rgb[p + 2];
        }
        const d = (y * s + (flip ? s - 1 - x : x)) * 3;
        tmp[d] = r;
        tmp[d + 1] = g;
        tmp[d + 2] = bl;
      }
    }
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        let r = 0, g = 0, bl = 0;
        for (let j = 0; j < taps.n; j++) {
          const wt = taps.w[y * taps.n + j];
          if (wt === 0) continue;
          const p = (taps.idx[y * taps.n + j] * s + x) * 3;
          r += wt * tmp[p];
          g += wt * tmp[p + 1];
          bl += wt * tmp[p + 2];
        }
        const d = (y * s + x) * 3;
        out[d] = r / 255;
        out[d + 1] = g / 255;
        out[d + 2] = bl / 255;
      }
    }
  }

  /** A fixed centre crop of the first image (for sample grids and evaluation). */
  centreCrop(index = 0): tf.Tensor4D {
    const it = this.items[index % this.items.length];
    const s = this.size;
    const y0 = (it.height - s) >> 1;
    const x0 = (it.width - s) >> 1;
    const out = new Float32Array(s * s * 3);
    for (let y = 0; y < s; y++) {
      const src = ((y0 + y) * it.width + x0) * 3;
      for (let i = 0; i < s * 3; i++) out[y * s * 3 + i] = it.rgb[src + i] / 255;
    }
    return tf.tensor4d(out, [1, s, s, 3]);
  }
}
