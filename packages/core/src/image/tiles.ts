// Large images are stylized in overlapping tiles, blended with linear ramps across each
// overlap so no seam shows. The result is accumulated on the CPU side (H·W·3 floats), which
// keeps GPU memory bounded by one tile whatever the image size, and lets the caller show
// progress and cancel between tiles.
import * as tf from '@tensorflow/tfjs';
import type { Generator, StyleVectors } from '../model/generator.js';

export interface TileOptions {
  /** Longest tile side in px (default 512). */
  tileSize?: number;
  /** Overlap between neighbouring tiles in px (default 32). */
  overlap?: number;
  strength?: number;
  onTile?: (done: number, total: number) => void;
  /** Checked before each tile; throw or return true to stop (a CancelledError is thrown). */
  isCancelled?: () => boolean;
  /** Awaited between tiles so a UI thread stays responsive (default: a macrotask yield). */
  yieldBetweenTiles?: () => Promise<void>;
}

export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

/** Tile start positions along one axis. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += step) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/** Blend weight along one axis of a tile: ramps up/down only where a neighbour overlaps. */
function ramp(len: number, rampStart: number, rampEnd: number): Float32Array {
  const w = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    const up = rampStart > 0 ? Math.min(1, (i + 1) / (rampStart + 1)) : 1;
    const down = rampEnd > 0 ? Math.min(1, (len - i) / (rampEnd + 1)) : 1;
    w[i] = Math.min(up, down);
  }
  return w;
}

export function tileCount(width: number, height: number, opts: TileOptions = {}): number {
  const t = opts.tileSize ?? 512;
  const o = opts.overlap ?? 32;
  return tileStarts(height, t, o).length * tileStarts(width, t, o).length;
}

/** Stylize x [1, H, W, 3] tile by tile; returns RGB floats (H·W·3) in [0,1]. */
export async function stylizeTiled(g: Generator, x: tf.Tensor4D, style: StyleVectors, opts: TileOptions = {}): Promise<Float32Array> {
  const [, H, W] = x.shape;
  const tile = opts.tileSize ?? 512;
  const overlap = Math.min(opts.overlap ?? 32, Math.floor(tile / 2));
  const ys = tileStarts(H, tile, overlap);
  const xs = tileStarts(W, tile, overlap);
  const total = ys.length * xs.length;
  const acc = new Float32Array(H * W * 3);
  const wsum = new Float32Array(H * W);
  const pause = opts.yieldBetweenTiles ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  let done = 0;
  for (let yi = 0; yi < ys.length; yi++) {
    for (let xi = 0; xi < xs.length; xi++) {
      if (opts.isCancelled?.()) throw new CancelledError();
      const y0 = ys[yi];
      const x0 = xs[xi];
      const th = Math.min(tile, H);
      const tw = Math.min(tile, W);
      const out = tf.tidy(() => g.stylize(tf.slice(x, [0, y0, x0, 0], [1, th, tw, 3]), style, opts.strength ?? 1));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      // overlap with the previous/next tile on each axis
      const wy = ramp(th, yi > 0 ? ys[yi - 1] + th - y0 : 0, yi < ys.length - 1 ? y0 + th - ys[yi + 1] : 0);
      const wx = ramp(tw, xi > 0 ? xs[xi - 1] + tw - x0 : 0, xi < xs.length - 1 ? x0 + tw - xs[xi + 1] : 0);
      for (let r = 0; r < th; r++) {
        for (let c = 0; c < tw; c++) {
          const wgt = wy[r] * wx[c];
          const p = (y0 + r) * W + (x0 + c);
          const q = (r * tw + c) * 3;
          acc[p * 3] += data[q] * wgt;
          acc[p * 3 + 1] += data[q + 1] * wgt;
          acc[p * 3 + 2] += data[q + 2] * wgt;
          wsum[p] += wgt;
        }
      }
      done++;
      opts.onTile?.(done, total);
      if (done < total) await pause();
    }
  }
  for (let p = 0; p < H * W; p++) {
    const inv = 1 / wsum[p];
    acc[p * 3] *= inv;
    acc[p * 3 + 1] *= inv;
    acc[p * 3 + 2] *= inv;
  }
  return acc;
}
