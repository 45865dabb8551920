// PNG bytes ↔ RGBA pixels in the browser: createImageBitmap to decode, a canvas to read the
// pixels, canvas.toBlob / OffscreenCanvas.convertToBlob to encode. Colour management is turned
// off on both ends so the pixels the model sees are the bytes Figma exported.
import type { RgbaImage } from '@stylepack/core';
import { bytesToBase64 } from './base64.js';

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

function context2d(c: AnyCanvas): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const ctx = c.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' }) as
    | OffscreenCanvasRenderingContext2D
    | CanvasRenderingContext2D
    | null;
  if (!ctx) throw new Error('This browser gives no 2D canvas; the plugin cannot read images.');
  return ctx;
}

export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const blob = new Blob([bytes as BlobPart], { type: 'image/png' });
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new Error(`Could not decode the exported PNG (${e instanceof Error ? e.message : String(e)}).`);
  }
  const { width, height } = bitmap;
  const ctx = context2d(makeCanvas(width, height));
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = ctx.getImageData(0, 0, width, height).data;
  return { width, height, data };
}

export async function encodePng(img: RgbaImage): Promise<Uint8Array> {
  const c = makeCanvas(img.width, img.height);
  const ctx = context2d(c);
  const pixels = new Uint8ClampedArray(img.data.buffer as ArrayBuffer, img.data.byteOffset, img.data.byteLength);
  ctx.putImageData(new ImageData(pixels, img.width, img.height), 0, 0);
  let blob: Blob | null;
  if ('convertToBlob' in c) blob = await c.convertToBlob({ type: 'image/png' });
  else blob = await new Promise<Blob | null>((resolve) => (c as HTMLCanvasElement).toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the result as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * A data: URL for showing PNG bytes in an <img>. Not a blob: URL: in Figma's opaque-origin
 * iframe those are blob:null/…, which some hosts refuse. (URL.revokeObjectURL on it is a no-op.)
 */
export function pngUrl(bytes: Uint8Array): string {
  return `data:image/png;base64,${bytesToBase64(bytes)}`;
}
