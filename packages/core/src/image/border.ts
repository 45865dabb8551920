// A painting's frame or scanned margin (a uniform band along an edge) is not part of its style:
// learned as style, it shows up as dark or bright rows along every output's edges (the old
// Starry Night pack did this). Detect such bands and crop them before training on a painting.
import { checkImage, type RgbaImage } from './convert.js';

export interface BorderCrop {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface BorderOptions {
  /** A line (row/column) is "uniform" if the std of its pixels, per channel on 0..255, is at most this. */
  maxStd?: number;
  /** ...and its mean colour is within this (max over channels, 0..255) of the outermost line's. */
  maxColorDiff?: number;
  /** A band wider than this fraction of the side is not a frame but the picture; that side is kept. */
  maxFraction?: number;
  /** Extra lines cropped past a detected band (the blended edge between frame and picture). */
  margin?: number;
}

const DEFAULTS: Required<BorderOptions> = { maxStd: 6, maxColorDiff: 16, maxFraction: 0.2, margin: 2 };

/** Mean RGB and std (averaged over channels) of pixels along a line. */
function lineStats(img: RgbaImage, horizontal: boolean, index: number, from: number, to: number): { mean: number[]; std: number } {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  const n = to - from;
  for (let i = from; i < to; i++) {
    const p = horizontal ? (index * img.width + i) * 4 : (i * img.width + index) * 4;
    for (let c = 0; c < 3; c++) {
      const v = img.data[p + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const mean = sum.map((s) => s / n);
  const std = mean.reduce((a, m, c) => a + Math.sqrt(Math.max(0, sq[c] / n - m * m)), 0) / 3;
  return { mean, std };
}

/** How many uniform lines of the same colour run inward from one edge (0 when there is no band). */
function bandDepth(img: RgbaImage, side: keyof BorderCrop, span: [number, number], o: Required<BorderOptions>): number {
  const horizontal = side === 'top' || side === 'bottom';
  const length = horizontal ? img.height : img.width;
  const line = (d: number) => (side === 'top' || side === 'left' ? d : length - 1 - d);
  const limit = Math.floor(length * o.maxFraction);
  const first = lineStats(img, horizontal, line(0), span[0], span[1]);
  if (first.std > o.maxStd) return 0;
  let d = 1;
  for (; d <= limit; d++) {
    const s = lineStats(img, horizontal, line(d), span[0], span[1]);
    if (s.std > o.maxStd || s.mean.some((m, c) => Math.abs(m - first.mean[c]) > o.maxColorDiff)) break;
  }
  if (d > limit) return 0; // the "band" is most of the picture (e.g. a flat sky): not a frame
  return Math.min(limit, d + o.margin);
}

/**
 * Uniform bands along the edges of an image (a frame, a mat, a scanner margin), in pixels per
 * side. Rows are measured first over the full width, then columns over the remaining rows.
 */
export function detectUniformBorder(img: RgbaImage, opts: BorderOptions = {}): BorderCrop {
  checkImage(img, 'painting');
  const o = { ...DEFAULTS, ...opts };
  const top = bandDepth(img, 'top', [0, img.width], o);
  const bottom = bandDepth(img, 'bottom', [0, img.width], o);
  const rows: [number, number] = [top, img.height - bottom];
  if (rows[1] - rows[0] < 2) return { top: 0, bottom: 0, left: 0, right: 0 };
  const left = bandDepth(img, 'left', rows, o);
  const right = bandDepth(img, 'right', rows, o);
  if (img.width - left - right < 2) return { top, bottom, left: 0, right: 0 };
  return { top, bottom, left, right };
}

/** The image without the given margins. */
export function cropImage(img: RgbaImage, crop: BorderCrop): RgbaImage {
  checkImage(img);
  const width = img.width - crop.left - crop.right;
  const height = img.height - crop.top - crop.bottom;
  if (!(width > 0 && height > 0)) throw new Error(`Cropping ${JSON.stringify(crop)} leaves nothing of a ${img.width}×${img.height} image.`);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const src = ((y + crop.top) * img.width + crop.left) * 4;
    data.set(img.data.subarray(src, src + width * 4), y * width * 4);
  }
  return { width, height, data };
}

/** Detect and remove a uniform frame; returns the cropped image and what was cropped. */
export function cropUniformBorder(img: RgbaImage, opts: BorderOptions = {}): { image: RgbaImage; crop: BorderCrop } {
  const crop = detectUniformBorder(img, opts);
  const none = crop.top + crop.bottom + crop.left + crop.right === 0;
  return { image: none ? img : cropImage(img, crop), crop };
}
