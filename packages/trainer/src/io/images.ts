// Image files in and out with sharp. Inputs: JPEG, PNG, WebP; EXIF orientation applied; alpha
// kept. Outputs: PNG, JPEG or WebP by extension, written atomically. Every failure says which
// file and what to do about it.
import sharp from 'sharp';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { RgbaImage } from '@stylepack/core';
import { CliError, UsageError } from '../errors.js';
import { writeAtomic } from './atomic.js';
import { readErrorMessage } from './fs-errors.js';

/** Inputs above this many pixels are refused before decoding (100 MP ≈ 1.2 GB as float RGB). */
export const MAX_INPUT_PIXELS = 100_000_000;
export const INPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
const INPUT_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

sharp.cache(false);

export interface LoadedImage extends RgbaImage {
  data: Uint8Array;
  path: string;
  /** Did the file have an alpha channel with any transparency? */
  alpha: boolean;
}

export async function readImage(path: string, opts: { maxPixels?: number } = {}): Promise<LoadedImage> {
  const maxPixels = opts.maxPixels ?? MAX_INPUT_PIXELS;
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`${path} is a directory, not an image file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(readErrorMessage(e, path));
  }
  if (size === 0) throw new CliError(`${path} is empty (0 bytes); give a JPEG, PNG or WebP image.`);
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new CliError(`${path} is not an image stylepack can read; give a JPEG, PNG or WebP file.`);
  }
  if (!meta.format || !(INPUT_FORMATS as readonly string[]).includes(meta.format)) {
    throw new CliError(`${path} is a ${meta.format ?? 'unknown'} file; stylepack reads JPEG, PNG and WebP. Convert it first.`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!(w > 0 && h > 0)) throw new CliError(`${path} has no pixels (${w}×${h}).`);
  if (w * h > maxPixels) {
    throw new CliError(`${path} is too large: ${w}×${h} px (${(w * h / 1e6).toFixed(1)} MP) is over the ${(maxPixels / 1e6).toFixed(0)} MP limit. Downscale it first.`);
  }
  try {
    const { data, info } = await sharp(path, { failOn: 'error', limitInputPixels: maxPixels })
      .rotate()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let alpha = false;
    if (meta.hasAlpha) for (let i = 3; i < bytes.length && !alpha; i += 4) alpha = bytes[i] !== 255;
    return { path, width: info.width, height: info.height, data: bytes, alpha };
  } catch (e) {
    throw new CliError(`${path} is damaged and could not be decoded (${(e as Error).message.trim()}). Re-export or re-download it.`);
  }
}

/** Resize RGBA pixels (Lanczos for downscale); alpha is resized with the colour. */
export async function resizeRgba(img: RgbaImage, width: number, height: number): Promise<RgbaImage> {
  if (img.width === width && img.height === height) return img;
  const data = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 4 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export type OutputFormat = 'png' | 'jpeg' | 'webp';

export function outputFormat(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.webp') return 'webp';
  throw new UsageError(`Cannot tell the image format of "${path}" from its extension; use .png, .jpg or .webp.`);
}

export async function encodeImage(img: RgbaImage, format: OutputFormat): Promise<Uint8Array> {
  let s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 4 } });
  if (format === 'png') s = s.png();
  else if (format === 'jpeg') s = s.flatten({ background: '#ffffff' }).jpeg({ quality: 92 });
  else s = s.webp({ quality: 92 });
  const buf = await s.toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encode by extension and write atomically (the file is whole or absent); `input` is named in errors. */
export async function writeImage(path: string, img: RgbaImage, input?: string): Promise<void> {
  await writeAtomic(path, await encodeImage(img, outputFormat(path)), { input });
}

/** Image files (by extension) directly in `dir`, sorted by name. */
export async function listImages(dir: string, what: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read the ${what} directory ${dir}: ${code === 'ENOENT' ? 'it does not exist' : code === 'ENOTDIR' ? 'it is a file, not a directory' : (e as Error).message}.`);
  }
  const files = names.filter((n) => INPUT_EXTS.has(extname(n).toLowerCase()) && !n.startsWith('.')).sort();
  if (files.length === 0) throw new CliError(`The ${what} directory ${dir} holds no .jpg, .png or .webp images.`);
  return files.map((n) => join(dir, n));
}
