// Renders a grid: one row per built-in pack (painting thumbnail, then the pack applied to a few
// content photos). Used to check by eye that each pack looks like its painting.
//   node scripts/render-pack-grid.mjs --packs models/packs --styles DIR --content DIR --out grid.jpg [--size 192]
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { rgbaToTensor } from '@stylepack/core';
import { initNodeBackend } from '@stylepack/core/node';
import { baseForPack, generatorFor, readPack } from '../packages/trainer/dist/models.js';

const { values } = parseArgs({ options: { packs: { type: 'string' }, styles: { type: 'string' }, content: { type: 'string' }, out: { type: 'string' }, size: { type: 'string' }, images: { type: 'string' } } });
const side = Number(values.size ?? 192);
await initNodeBackend('auto');
const packFiles = (await readdir(values.packs)).filter((f) => f.endsWith('.stylepack')).sort();
const contentFiles = (await readdir(values.content)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().slice(0, Number(values.images ?? 4));
const load = async (path) => {
  const { data, info } = await sharp(path).rotate().resize(side, side, { fit: 'cover' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
};
const contents = await Promise.all(contentFiles.map((f) => load(join(values.content, f))));
const tiles = [];
const header = [{ input: await sharp({ create: { width: side, height: side, channels: 3, background: 'white' } }).png().toBuffer(), top: 0, left: 0 }];
for (const [i, c] of contents.entries()) header.push({ input: await sharp(Buffer.from(c.data), { raw: { width: side, height: side, channels: 4 } }).png().toBuffer(), top: 0, left: (i + 1) * side });
tiles.push(...header);
for (const [r, file] of packFiles.entries()) {
  const packPath = join(values.packs, file);
  const pack = await readPack(packPath);
  const base = await baseForPack(pack, packPath);
  const g = generatorFor(base, pack.styles);
  const name = basename(file, '.stylepack');
  const paintingFile = (await readdir(values.styles)).find((f) => f.startsWith(name));
  const top = (r + 1) * side;
  if (paintingFile) tiles.push({ input: await sharp(join(values.styles, paintingFile)).resize(side, side, { fit: 'cover' }).png().toBuffer(), top, left: 0 });
  for (const [i, c] of contents.entries()) {
    const y = tf.tidy(() => g.stylize(rgbaToTensor(c), g.styleVectors(g.oneHot(0))));
    const rgb = await y.data();
    y.dispose();
    const px = Buffer.alloc(side * side * 3);
    for (let k = 0; k < px.length; k++) px[k] = Math.round(Math.min(1, Math.max(0, rgb[k])) * 255);
    tiles.push({ input: await sharp(px, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer(), top, left: (i + 1) * side });
  }
  g.dispose();
  console.log(`row ${r + 1}: ${name}`);
}
await sharp({ create: { width: (contents.length + 1) * side, height: (packFiles.length + 1) * side, channels: 3, background: 'white' } })
  .composite(tiles)
  .jpeg({ quality: 82 })
  .toFile(values.out);
console.log(`wrote ${values.out}`);
