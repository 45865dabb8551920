// Quality bench: how close do the packs get to per-image optimisation (Gatys et al.)?
//   npm run bench -- --only=quality [--tag=NAME] [--packs=DIR] [--base=MODEL] [--photos=N|--full]
//       [--styles=a,b] [--size=PX] [--opt-steps=N] [--refine-steps=N] [--learned=PAINTING|none]
//       [--learned-steps=N] [--data=DIR] [--cache=DIR] [--no-cache]
//
// For held-out photos (content/val) × paintings, three results per pair: the pack's feed-forward
// output ("ff"), that output refined by per-image optimisation ("refine", --refine-steps), and
// per-image optimisation from the photo ("optimize", --opt-steps, run to convergence). Learned
// mode: a pack learned with `stylepack train` from one painting (--learned) on the base with that
// painting's own style removed, compared on its own painting, reported separately.
// Each result is scored by the yardstick (quality/yardstick.mjs): content distance C (0 = the
// photo, 1 = the painting), style distance S (1 = the photo, 0 = the painting), score = C + S,
// ratio = score(ff) ÷ score(optimize) (the goal: ≤ 1.25 built-in, ≤ 1.5 learned).
// Optimize results and learned packs do not depend on the packs under test: they are cached in
// bench/cache/quality/ (quality/cache.mjs), so a run on new packs with the same settings only
// computes feed-forward and refine (and the learned pack if the base or the train code changed).
// Writes bench/results/quality[-TAG].json and docs/img/quality-grid[-TAG].jpg.
import { readdirSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { fitWithin, optimizeImage, rgbToRgba, rgbaToTensor } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { DEFAULT_BASE, PACKS_DIR, baseForPack, blendVectors, disposeVectors, encodeBaseModel, generatorFor, loadBaseModel, readPack } from '../packages/trainer/dist/models.js';
import { loadStyleTensor } from '../packages/trainer/dist/samples.js';
import { readImage, resizeRgba, writeImage } from '../packages/trainer/dist/io/images.js';
import { median, printTable, writeResults } from './lib.mjs';
import { DEFAULT_CACHE_DIR, OPTIMIZE_CODE, TRAIN_CODE, cacheKey, cachePath, codeVersion, fileSha256, readCachedImage, setCacheDir, writeCacheFile, writeCachedImage } from './quality/cache.mjs';
import { YARDSTICK, createYardstick } from './quality/yardstick.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const arg = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def;
// ../shared/data next to the repository (a worktree under wt/ has it two levels up); --data=DIR.
const DATA = arg('data', process.env.STYLEPACK_DATA) ?? [join(ROOT, '..', 'shared', 'data'), join(ROOT, '..', '..', 'shared', 'data')].find(existsSync) ?? join(ROOT, '..', 'shared', 'data');
const full = process.argv.includes('--full');
const useCache = !process.argv.includes('--no-cache');
setCacheDir(arg('cache', DEFAULT_CACHE_DIR));
const size = Number(arg('size', 192));
const optSteps = Number(arg('opt-steps', 400));
const refineSteps = Number(arg('refine-steps', 40));
const tag = arg('tag', '');
const packsDir = arg('packs', PACKS_DIR);
const baseArg = arg('base', undefined);
// Four characters: swirls (Starry Night), flat colour and line (Great Wave), abstract shapes
// (Kandinsky), small impressionist dabs and figures (Renoir); Renoir is also learned.
const DEFAULT_STYLES = 'van-gogh-starry-night,hokusai-great-wave,kandinsky-composition-viii,renoir-moulin-galette';
const styleNames = (arg('styles', full ? undefined : DEFAULT_STYLES) ?? readdirSync(packsDir).filter((n) => n.endsWith('.stylepack')).map((n) => n.slice(0, -10)).join(',')).split(',');
const learnedName = arg('learned', 'renoir-moulin-galette');
const learnedSteps = Number(arg('learned-steps', 300));

// The reference optimisation, pinned here (not taken from the trainer's defaults) so that a
// change of training defaults does not move the yardstick between a before and an after run:
// the trainer's losses as shipped (content block_6, style Grams of block_1/3/6/10 unweighted,
// RGB Gram, TV; weights 1/3/30/10), Adam lr 0.01 on a 4-level pyramid, random shift/rescale.
// 400 steps: the loss stops improving after ~150 (docs/quality.md, "Optimize to convergence").
const OPTIMIZE = {
  taps: ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_10_expand_relu'],
  contentTap: 'block_6_expand_relu',
  weights: { content: 1, style: 3, color: 30, tv: 10 },
  learningRate: 0.01,
  levels: 4,
  jitter: { scale: [0.8, 1.25], shift: 8 },
  seed: 1,
};
// `stylepack train` as a user runs it, at the bench size, on the training photos.
const LEARN = { steps: learnedSteps, size, batch: 2, seed: 0 };

const valDir = join(DATA, 'content', 'val');
const stylesDir = join(DATA, 'styles');
const trainDir = join(DATA, 'content', 'train');
if (!existsSync(valDir) || !existsSync(stylesDir)) {
  console.log(`no data at ${DATA} (content/val, styles): skipping the quality bench`);
  process.exit(0);
}
const allPhotos = readdirSync(valDir).filter((n) => /\.(jpe?g|png|webp)$/i.test(n)).sort();
const nPhotos = Math.min(full ? allPhotos.length : Number(arg('photos', 4)), allPhotos.length);
// Evenly spaced over the sorted list, so a small run still spans different subjects.
const photos = Array.from({ length: nPhotos }, (_, i) => allPhotos[Math.floor((i * allPhotos.length) / nPhotos)]);
const paintingFile = (name) => readdirSync(stylesDir).find((n) => n.replace(/\.[^.]+$/, '') === name);

const backend = await initNodeBackend('wasm');
tf.env().set('PROD', true);
const load = () => execSync('uptime').toString().trim().replace(/.*load average: /, '');
const loadBefore = load();
const t0 = performance.now();
const minutes = () => (performance.now() - t0) / 60000;
const yardstick = createYardstick();
const optNet = loadLossNetworkFromNsfwjs({ taps: OPTIMIZE.taps });
const optCommon = { lossNet: optNet, contentTap: OPTIMIZE.taps.indexOf(OPTIMIZE.contentTap), styleTaps: OPTIMIZE.taps.map((_, i) => i), weights: OPTIMIZE.weights, learningRate: OPTIMIZE.learningRate, levels: OPTIMIZE.levels, jitter: OPTIMIZE.jitter, seed: OPTIMIZE.seed };
const optimizeCode = codeVersion(OPTIMIZE_CODE);
const counts = { optimizeComputed: 0, optimizeCached: 0, optimizeSeconds: 0, learnedComputed: 0, learnedCached: 0, learnedSeconds: 0 };

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

async function photoTensor(name) {
  const img = await readImage(join(valDir, name));
  const fit = fitWithin(img.width, img.height, size);
  return rgbaToTensor(await resizeRgba(img, fit.width, fit.height));
}

/** Median total loss over 25-step windows: the convergence curve kept with each cached result. */
const lossCurve = (history) => Array.from({ length: Math.ceil(history.length / 25) }, (_, i) => median(history.slice(i * 25, i * 25 + 25).map((s) => s.losses.total)));

/** Per-image optimisation from the photo, from the cache when the same inputs were optimised before. */
async function optimizeCached(photoName, paintingPath, photo, painting) {
  const key = cacheKey({ kind: 'optimize', photo: fileSha256(join(valDir, photoName)), painting: fileSha256(paintingPath), size, steps: optSteps, settings: OPTIMIZE, code: optimizeCode });
  const hit = useCache && readCachedImage('optimize', key);
  if (hit && hit.info.shape.join() === photo.shape.join()) {
    counts.optimizeCached++;
    return { image: tf.tensor4d(hit.data, hit.info.shape), info: hit.info, cached: true };
  }
  const t = performance.now();
  const r = await optimizeImage(photo, painting, photo, { ...optCommon, steps: optSteps });
  const seconds = (performance.now() - t) / 1000;
  counts.optimizeComputed++;
  counts.optimizeSeconds += seconds;
  const info = { photo: photoName, painting: basename(paintingPath), size, steps: optSteps, shape: r.image.shape, seconds, load: load(), lossPer25Steps: lossCurve(r.history), settings: OPTIMIZE, date: new Date().toISOString() };
  writeCachedImage('optimize', key, await r.image.data(), info);
  return { image: r.image, info, cached: false };
}

/**
 * The learned pack for `name`: `stylepack train` (the CLI, as a user runs it) on the base with the
 * painting's own style removed, so it cannot start from the built-in answer. Cached by painting,
 * base, settings and the train code.
 */
async function learnedPack(name, paintingPath) {
  const base = await loadBaseModel(baseArg ?? DEFAULT_BASE);
  const others = base.styles.filter((s) => s.name !== name);
  if (others.length === base.styles.length) console.log(`note: the base has no style named ${name}; training on the full base`);
  const baseKey = cacheKey({ kind: 'base-without', base: base.sha256, styles: others.map((s) => s.name) });
  const looPath = cachePath('base', baseKey, 'stylepack');
  if (!existsSync(looPath)) writeCacheFile(looPath, await encodeBaseModel({ ...base, styles: others }, { author: 'quality bench', licence: 'as the base model', description: `${base.id} without the style ${name}` }));
  const key = cacheKey({ kind: 'learned', painting: fileSha256(paintingPath), base: base.sha256, styles: others.map((s) => s.name), settings: LEARN, content: readdirSync(trainDir).sort(), code: codeVersion(TRAIN_CODE) });
  const packPath = cachePath('learned', key, 'stylepack');
  if (useCache && existsSync(packPath)) {
    counts.learnedCached++;
    return { packPath, basePath: looPath, cached: true };
  }
  mkdirSync(dirname(packPath), { recursive: true });
  const t = performance.now();
  const cli = join(ROOT, 'packages', 'trainer', 'bin', 'stylepack.js');
  const args = [cli, 'train', '--style', paintingPath, '--base', looPath, '--out', packPath, '--steps', String(LEARN.steps), '--size', String(LEARN.size), '--batch', String(LEARN.batch), '--seed', String(LEARN.seed), '--content', trainDir, '--backend', 'wasm'];
  if (existsSync(packPath)) args.push('--overwrite');
  console.log(`learning ${name}: stylepack ${args.slice(1).join(' ')}`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stylepack train failed for ${name} (exit ${r.status})`);
  counts.learnedComputed++;
  counts.learnedSeconds += (performance.now() - t) / 1000;
  return { packPath, basePath: looPath, cached: false };
}

const gridRows = [];
/** Score ff, refine and optimize (plus controls) for every photo against one painting. */
async function evaluate(label, styleName, paintingPath, packPath, basePath) {
  const pack = await readPack(packPath);
  const base = await baseForPack(pack, packPath, basePath);
  const g = generatorFor(base);
  const vectors = blendVectors(base, [{ style: pack.styles[0], weight: 1 }]);
  const out = [];
  for (const [i, photoName] of photos.entries()) {
    const photo = await photoTensor(photoName);
    const [, h, w] = photo.shape;
    const painting = await loadStyleTensor(paintingPath, Math.min(h, w));
    const paintingCrop = coverCrop(painting.tensor, h, w);
    const ff = g.stylize(photo, vectors);
    const opt = await optimizeCached(photoName, paintingPath, photo, painting.tensor);
    const ref = await optimizeImage(photo, painting.tensor, ff, { ...optCommon, steps: refineSteps });
    // Controls: the photo blurred (objects kept, detail lost) and another photo (objects lost).
    const blur = tf.tidy(() => tf.image.resizeBilinear(tf.image.resizeBilinear(photo, [Math.round(h / 4), Math.round(w / 4)]), [h, w]));
    const otherPhoto = await photoTensor(photos[(i + 1) % photos.length] === photoName ? allPhotos[(allPhotos.indexOf(photoName) + 1) % allPhotos.length] : photos[(i + 1) % photos.length]);
    const other = coverCrop(otherPhoto, h, w);
    const s = yardstick.forPair(photo, painting.tensor, paintingCrop);
    const r = {
      style: styleName, photo: photoName, size: `${w}×${h}`,
      ff: s.score(ff), refine: s.score(ref.image), optimize: s.score(opt.image),
      controls: { photo: s.score(photo), paintingCrop: s.score(paintingCrop), blurredPhoto: s.score(blur), otherPhoto: s.score(other) },
      optimizeCached: opt.cached, optimizeSeconds: opt.info.seconds, optimizeLossPer25Steps: opt.info.lossPer25Steps,
    };
    r.ratioFfToOptimize = r.ff.score / r.optimize.score;
    r.ratioRefineToOptimize = r.refine.score / r.optimize.score;
    out.push(r);
    const f = (x) => `C ${x.content.toFixed(2)} S ${x.style.toFixed(2)}`;
    console.log(`${label} ${styleName} × ${photoName}: ff ${f(r.ff)} | refine ${f(r.refine)} | optimize ${f(r.optimize)}${opt.cached ? ' (cached)' : ''} | ff ÷ optimize ${r.ratioFfToOptimize.toFixed(2)}× (${minutes().toFixed(1)} min)`);
    const cells = [];
    for (const t of [photo, paintingCrop, ff, ref.image, opt.image]) cells.push(await toRgba(t, size));
    gridRows.push({ label: `${label} ${styleName} × ${photoName}`, cells });
    s.dispose();
    tf.dispose([photo, painting.tensor, paintingCrop, ff, opt.image, ref.image, blur, otherPhoto, other]);
  }
  disposeVectors(vectors);
  g.dispose();
  return out;
}

async function toRgba(t, side) {
  const [, h, w] = t.shape;
  const data = rgbToRgba(await t.data(), w, h);
  // letterbox into side×side (white) so every cell lines up
  const fit = fitWithin(w, h, side);
  const r = await resizeRgba({ width: w, height: h, data }, fit.width, fit.height);
  const cell = new Uint8Array(side * side * 4).fill(255);
  const ox = (side - fit.width) >> 1;
  const oy = (side - fit.height) >> 1;
  for (let y = 0; y < fit.height; y++) cell.set(r.data.subarray(y * fit.width * 4, (y + 1) * fit.width * 4), ((oy + y) * side + ox) * 4);
  return cell;
}

const pairs = [];
for (const styleName of styleNames) {
  const file = paintingFile(styleName);
  if (!file) {
    console.log(`skip ${styleName}: no painting ${styleName}.* in ${stylesDir}`);
    continue;
  }
  pairs.push(...(await evaluate('built-in', styleName, join(stylesDir, file), join(packsDir, `${styleName}.stylepack`), baseArg)));
}
let learned = [];
if (learnedName !== 'none') {
  const file = paintingFile(learnedName);
  if (!file) throw new Error(`--learned=${learnedName}: no painting ${learnedName}.* in ${stylesDir}`);
  if (!existsSync(trainDir)) throw new Error(`--learned needs the training photos in ${trainDir}`);
  const lp = await learnedPack(learnedName, join(stylesDir, file));
  const packInfo = JSON.parse(JSON.stringify((await readPack(lp.packPath)).manifest.training ?? {}));
  learned = await evaluate('learned', learnedName, join(stylesDir, file), lp.packPath, lp.basePath);
  learned.forEach((r) => Object.assign(r, { learnedCached: lp.cached, initFrom: packInfo.initFrom, trainSeconds: packInfo.seconds }));
}

const summarize = (rows) => {
  const m = (f) => median(rows.map(f));
  const part = (k) => ({ content: m((r) => r[k].content), style: m((r) => r[k].style), score: m((r) => r[k].score) });
  return {
    pairs: rows.length,
    ff: part('ff'), refine: part('refine'), optimize: part('optimize'),
    controls: Object.fromEntries(Object.keys(rows[0].controls).map((c) => [c, { content: m((r) => r.controls[c].content), style: m((r) => r.controls[c].style) }])),
    ratioFfToOptimize: m((r) => r.ratioFfToOptimize),
    ratioRefineToOptimize: m((r) => r.ratioRefineToOptimize),
  };
};
const perStyle = Object.fromEntries(styleNames.filter((s) => pairs.some((p) => p.style === s)).map((s) => [s, summarize(pairs.filter((p) => p.style === s))]));
const row = (style, s) => ({
  style, pairs: s.pairs,
  'ff C': s.ff.content, 'ff S': s.ff.style,
  'refine C': s.refine.content, 'refine S': s.refine.style,
  'optimize C': s.optimize.content, 'optimize S': s.optimize.style,
  'ff÷opt': s.ratioFfToOptimize, 'refine÷opt': s.ratioRefineToOptimize,
});
const rows = Object.entries(perStyle).map(([style, s]) => row(style, s));
if (pairs.length) rows.push(row('all built-in', summarize(pairs)));
if (learned.length) rows.push(row(`learned: ${learnedName}`, summarize(learned)));
printTable(`quality (medians; C: 0 = photo, 1 = painting; S: 1 = photo, 0 = painting) — ${size} px, optimize ${optSteps} steps, refine ${refineSteps}`, rows);
const controls = summarize([...pairs, ...learned]).controls;
printTable('controls (medians over all pairs): the yardstick on trivial answers', Object.entries(controls).map(([k, v]) => ({ image: k, C: v.content, S: v.style })));

// Grid: rows = pairs (built-in, then learned); columns = photo | painting | feed-forward | refine | optimize.
const gap = 4;
const W = 5 * size + 6 * gap;
const H = gridRows.length * size + (gridRows.length + 1) * gap;
const grid = new Uint8Array(W * H * 4).fill(255);
gridRows.forEach(({ cells }, r) => cells.forEach((cell, c) => {
  const ox = gap + c * (size + gap);
  const oy = gap + r * (size + gap);
  for (let y = 0; y < size; y++) grid.set(cell.subarray(y * size * 4, (y + 1) * size * 4), ((oy + y) * W + ox) * 4);
}));
const suffix = tag ? `-${tag}` : '';
const gridPath = join(ROOT, 'docs', 'img', `quality-grid${suffix}.jpg`);
mkdirSync(dirname(gridPath), { recursive: true });
await writeImage(gridPath, { width: W, height: H, data: grid });
console.log(`wrote ${gridPath} (columns: photo, painting, feed-forward, refine, optimize)`);

const settings = { size, optSteps, refineSteps, photos, styles: styleNames, learned: learnedName, learn: LEARN, packsDir, base: baseArg ?? DEFAULT_BASE, optimize: OPTIMIZE, yardstick: YARDSTICK, aggregate: 'median over layers, then over pairs' };
writeResults(`quality${suffix}`, {
  command: `node bench/quality.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  backend: backend.name,
  loadBefore,
  loadAfter: load(),
  minutes: minutes(),
  cache: counts,
  settings,
  overall: pairs.length ? summarize(pairs) : null,
  perStyle,
  learned: learned.length ? { painting: learnedName, initFrom: learned[0].initFrom, trainSeconds: learned[0].trainSeconds, summary: summarize(learned), pairs: learned } : null,
  controls,
  pairs,
  grid: basename(gridPath),
  gridRows: gridRows.map((r) => r.label),
});
