// Texture scale ("brush size"): the generator paints strokes of a fixed size in *its* pixels,
// so the size of the strokes on the result is set by the resolution the model works at. At scale
// s the model runs on the image resampled by 1/s and its output is resampled back to the image's
// size: s = 2 paints strokes twice as large, s = 0.5 half as large. This is the one home of that
// idea; the CLI (`stylepack stylize --scale`) and the Figma plugin (its relative control and its
// live preview) all stylize through stylizeAtScale.
import * as tf from '@tensorflow/tfjs';
import { preserveColors as preserveColorsOp } from './colors.js';

/** The range `stylepack stylize --scale` accepts (absolute scale: output px per model px). */
export const TEXTURE_SCALE_MIN = 0.25;
export const TEXTURE_SCALE_MAX = 4;

/**
 * The user's texture control in the plugin is relative to the layer, so that a layer and a small
 * preview of it look alike: at 100 % the model sees the layer's longest side as
 * min(layer side, LAYER_REFERENCE_SIDE) px; 200 % halves that (strokes twice as large relative
 * to the layer), 50 % doubles it. Layers smaller than the reference run at their own size at
 * 100 %, as before there was a control; larger ones are stylized at the reference resolution and
 * resampled up, so their strokes keep the same size relative to the layer as in the preview.
 */
export const LAYER_REFERENCE_SIDE = 512;
/** The plugin's control range (relative scale; 1 = 100 %). */
export const LAYER_TEXTURE_MIN = 0.25;
export const LAYER_TEXTURE_MAX = 4;

/**
 * Absolute texture scale for stylizing an image `imageSide` px long (its longest side) that
 * shows a layer whose full output is `layerSide` px long, at the relative scale `relative`.
 * The full run passes imageSide = layerSide; the preview passes its own, smaller side: both then
 * run the model at the same resolution relative to the layer.
 */
export function layerTextureScale(relative: number, layerSide: number, imageSide: number): number {
  if (!(relative > 0 && Number.isFinite(relative))) throw new Error(`The relative texture scale must be a positive number (got ${relative}).`);
  if (!(layerSide > 0 && imageSide > 0)) throw new Error(`Image sides must be positive (got layer ${layerSide}, image ${imageSide}).`);
  const modelSide = Math.min(layerSide, LAYER_REFERENCE_SIDE) / relative;
  return imageSide / modelSide;
}

/**
 * Longest side to export a layer at for its preview (at least `previewSide`): the side the model
 * will work at when that is larger, so the preview's model input is the layer at the full run's
 * resolution (not an enlarged thumbnail), and never more than the full output.
 */
export function previewImageSide(relative: number, layerSide: number, previewSide = 256): number {
  const modelSide = Math.round(layerSide / layerTextureScale(relative, layerSide, layerSide));
  return Math.min(layerSide, Math.max(previewSide, modelSide));
}

/** Size the model works at for an image of width×height at texture scale `scale`. */
export function workingSize(width: number, height: number, scale: number, minSide = 8): { width: number; height: number } {
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`The texture scale must be a positive number (got ${scale}).`);
  // Keep the aspect ratio; the short side stays at least minSide (the generator's minimum).
  const k = Math.max(1 / scale, minSide / Math.min(width, height));
  return { width: Math.max(minSide, Math.round(width * k)), height: Math.max(minSide, Math.round(height * k)) };
}

/** Per output index: the input taps and their weights (normalised) along one axis. */
function axisTaps(inLen: number, outLen: number): { start: Int32Array; count: Int32Array; weights: Float32Array; maxTaps: number } {
  const ratio = inLen / outLen;
  // A triangle (bilinear) filter, widened by the ratio when shrinking so every input pixel
  // contributes (an antialiased downscale, like PIL's/sharp's "linear"); plain bilinear when enlarging.
  const support = Math.max(1, ratio);
  const maxTaps = Math.ceil(2 * support) + 2;
  const start = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * maxTaps);
  for (let o = 0; o < outLen; o++) {
    const centre = (o + 0.5) * ratio;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(inLen - 1, Math.ceil(centre + support));
    let sum = 0;
    let n = 0;
    for (let i = lo; i <= hi && n < maxTaps; i++, n++) {
      const w = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
      weights[o * maxTaps + n] = w;
      sum += w;
    }
    if (sum <= 0) {
      // Cannot happen for centre inside [0, inLen); guard against a zero divide anyway.
      weights[o * maxTaps] = 1;
      sum = 1;
    }
    for (let k = 0; k < n; k++) weights[o * maxTaps + k] /= sum;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resample RGB floats (H·W·3, row-major) to outW×outH: separable triangle filter, antialiased
 * when shrinking. Returns the input itself when the size does not change.
 */
export function resampleRgb(rgb: Float32Array, width: number, height: number, outW: number, outH: number): Float32Array {
  if (rgb.length !== width * height * 3) throw new Error(`resampleRgb: ${rgb.length} values for ${width}×${height} RGB (needs ${width * height * 3}).`);
  if (outW === width && outH === height) return rgb;
  // Rows first (W → outW), then columns (H → outH).
  const tx = axisTaps(width, outW);
  const mid = new Float32Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let o = 0; o < outW; o++) {
      let r = 0, g = 0, b = 0;
      const base = o * tx.maxTaps;
      for (let k = 0; k < tx.count[o]; k++) {
        const w = tx.weights[base + k];
        const p = row + (tx.start[o] + k) * 3;
        r += rgb[p] * w;
        g += rgb[p + 1] * w;
        b += rgb[p + 2] * w;
      }
      const q = (y * outW + o) * 3;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
    }
  }
  const ty = axisTaps(height, outH);
  const out = new Float32Array(outH * outW * 3);
  const stride = outW * 3;
  for (let o = 0; o < outH; o++) {
    const base = o * ty.maxTaps;
    const dst = o * stride;
    for (let k = 0; k < ty.count[o]; k++) {
      const w = ty.weights[base + k];
      const src = (ty.start[o] + k) * stride;
      for (let i = 0; i < stride; i++) out[dst + i] += mid[src + i] * w;
    }
  }
  return out;
}

export interface ScaledStylizeOptions {
  /** Absolute texture scale (output px per model px); 1 = the model at the image's own size. */
  scale: number;
  /** 0..1: blend between the input (0) and the full style (1), at the image's full resolution. */
  strength?: number;
  /** Keep the input's chrominance (at full resolution), take the luminance from the style. */
  preserveColors?: boolean;
}

/**
 * Stylize `x` ([1, H, W, 3], RGB in [0,1]) at a texture scale. `run` gets the image at the
 * working size (see workingSize) and returns the fully styled RGB floats at that size — one pass
 * (Generator.stylize) or tiles (stylizeTiled), whatever the caller's memory allows; tiling thus
 * happens at the model's resolution. The result is resampled back to H×W, and strength and
 * colour preservation are applied there against the full-resolution input, so a large scale
 * never blurs the kept content or its colours. Returns RGB floats (H·W·3) in [0,1].
 */
export async function stylizeAtScale(
  x: tf.Tensor4D,
  run: (working: tf.Tensor4D) => Promise<Float32Array>,
  opts: ScaledStylizeOptions,
): Promise<Float32Array> {
  const [, H, W] = x.shape;
  const strength = opts.strength ?? 1;
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be between 0 and 1 (got ${strength}).`);
  const work = workingSize(W, H, opts.scale);
  const same = work.width === W && work.height === H;
  let full: Float32Array | null = null;
  const input = async () => (full ??= (await x.data()) as Float32Array);
  let styled: Float32Array;
  if (same) {
    styled = await run(x);
  } else {
    const small = tf.tensor4d(resampleRgb(await input(), W, H, work.width, work.height), [1, work.height, work.width, 3]);
    try {
      styled = resampleRgb(await run(small), work.width, work.height, W, H);
    } finally {
      small.dispose();
    }
  }
  if (strength < 1) {
    const src = await input();
    const out = new Float32Array(styled.length);
    for (let i = 0; i < out.length; i++) out[i] = styled[i] * strength + src[i] * (1 - strength);
    styled = out;
  }
  if (opts.preserveColors) {
    const mixed = tf.tidy(() => preserveColorsOp(tf.tensor4d(styled, [1, H, W, 3]), x));
    styled = (await mixed.data()) as Float32Array;
    mixed.dispose();
  }
  return styled;
}
