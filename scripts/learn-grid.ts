// Renders a "how many steps" grid for the plugin's style learner (plugins/figma/src/ui/learn.ts),
// run in Node on wasm: painting | content | the probe preview every --every steps.
//   node scripts/learn-grid.mjs --painting PATH.jpg [--base models/base/model.stylepack] [--steps 60]
//        [--every 10] [--size 256] [--out docs/img/learn-grid-<painting>.jpg]
// The painting's own built-in style (same file name) is left out of the candidates, so it is
// learned as if it were new, starting from the closest other style as the plugin does.
import { decodePack } from '@stylepack/core';
import { initNodeBackend, loadNsfwjsMobileNetSource } from '@stylepack/core/node';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { StyleLearner } from '../plugins/figma/src/ui/learn.js';

type Img = { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

async function rgba(path: string, side?: number): Promise<Img> {
  let s = sharp(path).rotate();
  if (side) s = s.resize(side, side, { fit: 'inside' });
  const { data, info } = await s.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { painting: { type: 'string' }, base: { type: 'string' }, steps: { type: 'string' }, every: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' } },
  });
  if (!values.painting) throw new Error('Give --painting PATH (a style image).');
  const name = basename(values.painting, extname(values.painting));
  const steps = Number(values.steps ?? 60);
  const every = Number(values.every ?? 10);
  const size = Number(values.size ?? 256);
  const out = values.out ?? `docs/img/learn-grid-${name}.jpg`;
  await initNodeBackend('wasm', () => {});
  const base = await decodePack(new Uint8Array(readFileSync(values.base ?? 'models/base/model.stylepack')));
  const painting = await rgba(values.painting, 512);
  const samples = 'plugins/figma/assets/samples';
  const content = [await rgba(`${samples}/crab-full.jpg`), await rgba(`${samples}/crab-left.jpg`), await rgba(`${samples}/crab-right.jpg`)];
  const candidates = base.styles.filter((s) => s.name !== name).map((s) => ({ label: s.name, vectors: s.tensors }));
  const learner = new StyleLearner({ baseWeights: base.weights!, style: painting, content, candidates, steps, size, batch: 2, previewEvery: every, lossSource: loadNsfwjsMobileNetSource });
  const cells: { step: number; img: Img }[] = [];
  const t0 = Date.now();
  const r = await learner.run((p) => {
    if (!p.preview) return;
    console.log(`step ${p.step}: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${p.stepsPerSec?.toFixed(2)} steps/s, probe style loss ${p.probeStyle?.toFixed(3)}`);
    cells.push({ step: p.step, img: p.preview });
  });
  console.log(`started from "${r.initFrom}"; probe style loss ${r.probeStyleStart.toFixed(3)} → ${r.probeStyleEnd.toFixed(3)}; ${r.steps} steps in ${r.seconds.toFixed(0)} s`);
  const side = 256;
  const gap = 4;
  const square = (img: Img) =>
    sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 4 } })
      .resize(side, side, { fit: 'cover' })
      .png()
      .toBuffer();
  const row = [await square(painting), await square(content[0]!), ...(await Promise.all(cells.map((c) => square(c.img))))];
  await sharp({ create: { width: row.length * (side + gap) + gap, height: side + 2 * gap, channels: 3, background: '#ffffff' } })
    .composite(row.map((input, i) => ({ input, left: gap + i * (side + gap), top: gap })))
    .jpeg({ quality: 85 })
    .toFile(out);
  console.log(`wrote ${out}: painting | content | ${cells.map((c) => `step ${c.step}`).join(' | ')}`);
}
