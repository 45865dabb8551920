// Pixels ↔ tensors. Images travel as RGBA bytes (what canvases, sharp and PNG decoders give);
// the network sees RGB floats in [0,1]; alpha is carried around it untouched.
import * as tf from '@tensorflow/tfjs';

export interface RgbaImage {
  width: number;
  height: number;
  /** width*height*4 bytes, RGBA, row-major. */
  data: Uint8Array | Uint8ClampedArray;
}

export function checkImage(img: RgbaImage, what = 'image'): void {
  const { width, height, data } = img;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`The ${what} is empty (${width}×${height} px); give an image with pixels in it.`);
  }
  if (data.length !== width * height * 4) {
    throw new Error(`The ${what}'s pixel buffer has ${data.length} bytes but ${width}×${height} RGBA needs ${width * height * 4}.`);
  }
}

/** RGBA bytes → [1, H, W, 3] float32 in [0,1]. */
export function rgbaToTensor(img: RgbaImage): tf.Tensor4D {
  checkImage(img);
  const { width, height, data } = img;
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i] / 255;
    rgb[j + 1] = data[i + 1] / 255;
    rgb[j + 2] = data[i + 2] / 255;
  }
  return tf.tensor4d(rgb, [1, height, width, 3]);
}

/** Does the image use transparency at all? (Opaque images skip the alpha bookkeeping.) */
export function hasAlpha(img: RgbaImage): boolean {
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) return true;
  return false;
}

/** RGB floats in [0,1] (H*W*3) + the original alpha (if any) → RGBA bytes. */
export function rgbToRgba(rgb: Float32Array, width: number, height: number, alphaFrom?: RgbaImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    out[i] = Math.round(rgb[j] * 255);
    out[i + 1] = Math.round(rgb[j + 1] * 255);
    out[i + 2] = Math.round(rgb[j + 2] * 255);
    out[i + 3] = alphaFrom ? alphaFrom.data[i + 3] : 255;
  }
  return out;
}

/** Scale (w, h) down so the longer side is at most `maxSide` (never up). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale };
}
