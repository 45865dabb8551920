// Quality bench: how close do the packs get to per-image optimisation (Gatys et al.)?
//   npm run bench -- --only=quality [--photos=N|--full] [--styles=a,b] [--size=PX]
//       [--opt-steps=N] [--refine-steps=N] [--base=MODEL] [--packs=DIR] [--tag=NAME] [--data=DIR]
//
// For held-out photos (content/val) × paintings, three results per pair: the pack's feed-forward
// output ("ff"), that output refined by per-image optimisation ("refine", --refine-steps), and
// per-image optimisation from the photo ("optimize", --opt-steps). Each is scored against the two
// trivial answers:
//   content distance  C = mean_l ‖F_l(x) − F_l(photo)‖ / ‖F_l(painting) − F_l(photo)‖   (0 = the photo, 1 = the painting)
//   style distance    S = mean_l ‖G_l(x) − G_l(painting)‖ / ‖G_l(photo) − G_l(painting)‖ (1 = the photo, 0 = the painting)
//   score = C + S (lower is better); ratio = score(ff) / score(optimize)  (the goal: ≤ 1.25)
// The yardstick is NOT the training loss: MobileNetV2's residual-stream outputs (block_N_add),
// which no training or optimisation loss uses (they use block_{1,3,6,10}_expand_relu), on
// every image rescaled to 0.8× (another pixel grid and stroke scale than the loss saw).
// Writes bench/results/quality[-TAG].json and docs/img/quality-grid[-TAG].jpg.
import { readdirSync, existsSync, mkdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_LOSS_WEIGHTS, fitWithin, gram, optimizeImage, rgbToRgba, rgbaToTensor } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { DEFAULT_BASE, PACKS_DIR, baseForPack, blendVectors, disposeVectors, generatorFor, readPack } from '../packages/trainer/dist/models.js';
import { loadStyleTensor } from '../packages/trainer/dist/samples.js';
import { readImage, resizeRgba, writeImage } from '../packages/trainer/dist/io/images.js';
import { createLossNet } from '../packages/trainer/dist/runtime.js';
import { median, printTable, writeResults } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const arg = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def;
// ../shared/data next to the repository (a worktree under wt/ has it two levels up); --data=DIR.
const DATA = arg('data', process.env.STYLEPACK_DATA) ?? [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ?? join(ROOT, '..', 'shared', 'data');
const full = process.argv.includes('--full');
const size = Number(arg('size', 192));
const optSteps = Number(arg('opt-steps', 150));
const refineSteps = Number(arg('refine-steps', 40));
const tag = arg('tag', '');
const packsDir = arg('packs', PACKS_DIR);
const baseArg = arg('base', undefined);
const styleNames = (arg('styles', full ? undefined : 'van-gogh-starry-night,hokusai-great-wave,kandinsky-composition-viii') ?? readdirSync(packsDir).filter((n) => n.endsWith('.stylepack')).map((n) => n.slice(0, -10)).join(',')).split(',');
const EVAL_CONTENT = ['block_4_add', 'block_8_add'];
const EVAL_STYLE = ['block_2_add', 'block_5_add', 'block_9_add'];
const EVAL_SCALE = 0.8;

const valDir = join(DATA, 'content', 'val');
const stylesDir = join(DATA, 'styles');
if (!existsSync(valDir) || !existsSync(stylesDir)) {
  console.log(`no data at ${DATA} (content/val, styles): skipping the quality bench`);
  process.exit(0);
}
const allPhotos = readdirSync(valDir).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
const nPhotos = full ? allPhotos.length : Number(arg('photos', 4));
// Evenly spaced over the sorted list, so a small run still spans different subjects.
const photos = Array.from({ length: Math.min(nPhotos, allPhotos.length) }, (_, i) => allPhotos[Math.floor((i * allPhotos.length) / Math.min(nPhotos, allPhotos.length))]);

const backend = await initNodeBackend('wasm');
tf.env().set('PROD', true);
const load = () => execSync('uptime').toString().trim().replace(/.*load average: /, '');
const loadBefore = load();
const evalNet = loadLossNetworkFromNsfwjs({ taps: [...EVAL_CONTENT, ...EVAL_STYLE] });
const { net, contentTap, styleTaps } = createLossNet();

/** Eval features of an image [1,H,W,3] at 0.8×: content maps and style Grams. */
function evalFeatures(x) {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const v = tf.image.resizeBilinear(x, [Math.round(h * EVAL_SCALE), Math.round(w * EVAL_SCALE)]);
    const f = evalNet.features(v);
    return { content: f.slice(0, EVAL_CONTENT.length).map((t) => tf.keep(t)), grams: f.slice(EVAL_CONTENT.length).map((t) => tf.keep(gram(t))) };
  });
}
const dist = (a, b) => tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]);
const disposeFeats = (f) => tf.dispose([...f.content, ...f.grams]);

/** The painting cropped (cover) and resized to exactly h×w: the "painting" content baseline. */
function coverCrop(p, h, w) {
  return tf.tidy(() => {
    const [, H, W] = p.shape;
    const k = Math.max(h / H, w / W);
    const r = tf.image.resizeBilinear(p, [Math.ceil(H * k), Math.ceil(W * k)]);
    const [, rh, rw] = r.shape;
    return tf.slice(r, [0, (rh - h) >> 1, (rw - w) >> 1, 0], [1, h, w, 3]);
  });
}

const packFor = async (name) => {
  const path = join(packsDir, `${name}.stylepack`);
  const pack = await readPack(path);
  const base = await baseForPack(pack, path, baseArg);
  return { pack, base, path };
};

const pairs = [];
const gridRows = [];
const t0 = performance.now();
for (const styleName of styleNames) {
  const paintingFile = readdirSync(stylesDir).find((n) => n.replace(/\.[^.]+$/, '') === styleName);
  if (!paintingFile) {
    console.log(`skip ${styleName}: no painting ${styleName}.* in ${stylesDir}`);
    continue;
  }
  const { pack, base } = await packFor(styleName);
  const g = generatorFor(base);
  const vectors = blendVectors(base, [{ style: pack.styles[0], weight: 1 }]);
  for (const photoName of photos) {
    const img = await readImage(join(valDir, photoName));
    const fit = fitWithin(img.width, img.height, size);
    const src = await resizeRgba(img, fit.width, fit.height);
    const photo = rgbaToTensor(src);
    const [, h, w] = photo.shape;
    const painting = await loadStyleTensor(join(stylesDir, paintingFile), Math.min(h, w));
    const paintingCrop = coverCrop(painting.tensor, h, w);
    const ff = g.stylize(photo, vectors);
    const common = { lossNet: net, contentTap, styleTaps, weights: { ...DEFAULT_LOSS_WEIGHTS }, seed: 1 };
    const tOpt = performance.now();
    const opt = await optimizeImage(photo, painting.tensor, photo, { ...common, steps: optSteps });
    const optSecs = (performance.now() - tOpt) / 1000;
    const ref = await optimizeImage(photo, painting.tensor, ff, { ...common, steps: refineSteps });

    const fPhoto = evalFeatures(photo);
    const fPaint = evalFeatures(painting.tensor);
    const fCrop = evalFeatures(paintingCrop);
    const score = (x) => {
      const f = evalFeatures(x);
      const C = median(f.content.map((c, l) => dist(c, fPhoto.content[l]) / dist(fCrop.content[l], fPhoto.content[l])));
      const S = median(f.grams.map((gm, l) => dist(gm, fPaint.grams[l]) / dist(fPhoto.grams[l], fPaint.grams[l])));
      disposeFeats(f);
      return { content: C, style: S, score: C + S };
    };
    const r = { style: styleName, photo: photoName, size: `${w}×${h}`, ff: score(ff), refine: score(ref.image), optimize: score(opt.image), paintingBaseline: score(paintingCrop), optimizeSecondsPerStep: optSecs / optSteps };
    r.ratioFfToOptimize = r.ff.score / r.optimize.score;
    r.ratioRefineToOptimize = r.refine.score / r.optimize.score;
    pairs.push(r);
    console.log(`${styleName} × ${photoName}: ff C ${r.ff.content.toFixed(2)} S ${r.ff.style.toFixed(2)} | refine C ${r.refine.content.toFixed(2)} S ${r.refine.style.toFixed(2)} | optimize C ${r.optimize.content.toFixed(2)} S ${r.optimize.style.toFixed(2)} | ff ÷ optimize ${r.ratioFfToOptimize.toFixed(2)}× (${((performance.now() - t0) / 60000).toFixed(1)} min)`);

    const cells = [];
    for (const t of [photo, paintingCrop, ff, ref.image, opt.image]) cells.push(await toRgba(t, size));
    gridRows.push(cells);
    [fPhoto, fPaint, fCrop].forEach(disposeFeats);
    tf.dispose([photo, painting.tensor, paintingCrop, ff, opt.image, ref.image]);
  }
  disposeVectors(vectors);
  g.dispose();
}

async function toRgba(t, side) {
  const [, h, w] = t.shape;
  const data = rgbToRgba(await t.data(), w, h);
  // letterbox into side×side (white) so every cell lines up
  const fit = fitWithin(w, h, side);
  const r = await resizeRgba({ width: w, height: h, data }, fit.width, fit.height);
  const out = new Uint8Array(side * side * 4).fill(255);
  const ox = (side - fit.width) >> 1;
  const oy = (side - fit.height) >> 1;
  for (let y = 0; y < fit.height; y++) out.set(r.data.subarray(y * fit.width * 4, (y + 1) * fit.width * 4), ((oy + y) * side + ox) * 4);
  return out;
}

const summarize = (rows) => {
  const m = (f) => median(rows.map(f));
  return {
    pairs: rows.length,
    ff: { content: m((r) => r.ff.content), style: m((r) => r.ff.style) },
    refine: { content: m((r) => r.refine.content), style: m((r) => r.refine.style) },
    optimize: { content: m((r) => r.optimize.content), style: m((r) => r.optimize.style) },
    ratioFfToOptimize: m((r) => r.ratioFfToOptimize),
    ratioRefineToOptimize: m((r) => r.ratioRefineToOptimize),
  };
};
const perStyle = Object.fromEntries(styleNames.filter((s) => pairs.some((p) => p.style === s)).map((s) => [s, summarize(pairs.filter((p) => p.style === s))]));
const rows = Object.entries(perStyle).map(([style, s]) => ({
  style,
  pairs: s.pairs,
  'ff C': s.ff.content, 'ff S': s.ff.style,
  'refine C': s.refine.content, 'refine S': s.refine.style,
  'optimize C': s.optimize.content, 'optimize S': s.optimize.style,
  'ff÷opt': s.ratioFfToOptimize, 'refine÷opt': s.ratioRefineToOptimize,
}));
printTable(`quality (medians; C: 0 = photo, 1 = painting; S: 1 = photo, 0 = painting) — ${size} px, optimize ${optSteps} steps, refine ${refineSteps}`, rows);

// Grid: rows = pairs; columns = photo | painting | feed-forward | refine | optimize.
const gap = 4;
const W = 5 * size + 6 * gap;
const H = gridRows.length * size + (gridRows.length + 1) * gap;
const grid = new Uint8Array(W * H * 4).fill(255);
gridRows.forEach((cells, r) => cells.forEach((cell, c) => {
  const ox = gap + c * (size + gap);
  const oy = gap + r * (size + gap);
  for (let y = 0; y < size; y++) grid.set(cell.subarray(y * size * 4, (y + 1) * size * 4), ((oy + y) * W + ox) * 4);
}));
const suffix = tag ? `-${tag}` : '';
const gridPath = join(ROOT, 'docs', 'img', `quality-grid${suffix}.jpg`);
mkdirSync(dirname(gridPath), { recursive: true });
await writeImage(gridPath, { width: W, height: H, data: grid });
console.log(`wrote ${gridPath} (rows: ${pairs.map((p) => `${p.style} × ${p.photo}`).join('; ')}; columns: photo, painting, feed-forward, refine, optimize)`);

writeResults(`quality${suffix}`, {
  backend: backend.name,
  loadBefore,
  loadAfter: load(),
  minutes: (performance.now() - t0) / 60000,
  settings: { size, optSteps, refineSteps, photos, styles: styleNames, packsDir, base: baseArg ?? DEFAULT_BASE, evalContentLayers: EVAL_CONTENT, evalStyleLayers: EVAL_STYLE, evalScale: EVAL_SCALE, aggregate: 'median over layers, then over pairs' },
  overall: summarize(pairs),
  perStyle,
  pairs,
  grid: basename(gridPath),
});
