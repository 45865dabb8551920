// Pictures made during training: the sample grid (content | style | result rows) and the small
// preview PNG stored in a pack.
import * as tf from '@tensorflow/tfjs';
import { LOSSNET_MIN_SIDE, cropUniformBorder, rgbToRgba, rgbaToTensor, type RgbaImage } from '@stylepack/core';
import { encodeImage, readImage, resizeRgba, writeImage } from './io/images.js';

/** [1, H, W, 3] in [0,1] → opaque RGBA bytes. */
export async function tensorToRgba(t: tf.Tensor4D): Promise<RgbaImage> {
  const [, h, w] = t.shape;
  const data = (await t.data()) as Float32Array;
  return { width: w, height: h, data: rgbToRgba(data, w, h) };
}

/**
 * A style painting as [1, H, W, 3], scaled so its shorter side is `side` (longer side ≤ 2·side),
 * without a uniform frame or margin (core's cropUniformBorder: a frame is not the style), but
 * never below the loss network's minimum (a thin painting at a small --size keeps its aspect
 * and gets a longer long side instead).
 */
export async function loadStyleTensor(path: string, side: number): Promise<{ tensor: tf.Tensor4D; image: RgbaImage }> {
  const img = cropUniformBorder(await readImage(path)).image;
  const short = Math.min(img.width, img.height);
  const minShort = Math.max(side >> 1, LOSSNET_MIN_SIDE);
  const long = Math.max(img.width, img.height);
  // Up to 8·side long: beyond that (a 1:100 strip) the short side is stretched instead.
  const k = Math.min(Math.max(Math.min(side / short, (2 * side) / long), minShort / short), (8 * side) / long);
  const w = Math.max(minShort, Math.round(img.width * k));
  const h = Math.max(minShort, Math.round(img.height * k));
  const resized = await resizeRgba(img, w, h);
  return { tensor: rgbaToTensor(resized), image: resized };
}

/** Centre square crop of an RGBA image, resized to side×side. */
async function square(img: RgbaImage, side: number): Promise<RgbaImage> {
  const s = Math.min(img.width, img.height);
  const x0 = (img.width - s) >> 1;
  const y0 = (img.height - s) >> 1;
  const data = new Uint8Array(s * s * 4);
  for (let y = 0; y < s; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + s) * 4), y * s * 4);
  return resizeRgba({ width: s, height: s, data }, side, side);
}

/** Rows of [content, style, result], each cell side×side, 4 px white gutters; written atomically. */
export async function writeSampleGrid(path: string, rows: { content: RgbaImage; style: RgbaImage; result: RgbaImage }[], side: number): Promise<void> {
  const gap = 4;
  const W = 3 * side + 4 * gap;
  const H = rows.length * side + (rows.length + 1) * gap;
  const out = new Uint8Array(W * H * 4).fill(255);
  let r = 0;
  for (const row of rows) {
    const cells = [await square(row.content, side), await square(row.style, side), await square(row.result, side)];
    cells.forEach((cell, c) => {
      const ox = gap + c * (side + gap);
      const oy = gap + r * (side + gap);
      for (let y = 0; y < side; y++) out.set(cell.data.subarray(y * side * 4, (y + 1) * side * 4), ((oy + y) * W + ox) * 4);
    });
    r++;
  }
  await writeImage(path, { width: W, height: H, data: out });
}

/** PNG preview for a pack (at most 256 px a side, the format's limit). */
export async function previewPng(result: RgbaImage, maxSide = 128): Promise<{ png: Uint8Array; width: number; height: number }> {
  const side = Math.min(maxSide, 256, result.width, result.height);
  const img = await square(result, side);
  return { png: await encodeImage(img, 'png'), width: side, height: side };
}
