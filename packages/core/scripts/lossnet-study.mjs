// Gatys-style optimization study for choosing the loss network's taps / feature transform.
// Starts from a content photo and runs Adam on the pixels (or on pyramid offsets, --param pyramid) against
//   L = wc · Lc/Lc0 + ws · mean_l Ls_l / Ls_l(init) + wtv · TV
// where Lc = MSE of content features (normalized by the content features' mean square, Lc0),
// Ls_l = ‖G(F_l(x)) − G(F_l(style))‖²_F with G normalized by C·H·W, and each style layer is
// normalized by its loss at the start, so every configuration starts from "1 per layer" and the
// weights mean the same thing whatever the feature transform.
//
// Needs the built package (npx tsc -p packages/core/tsconfig.json) and sharp (hoisted from
// packages/trainer). Reads images from /work/shared/data (never committed). Writes
// /tmp/lossnet-study/<name>.png (rows: content | style | one result per config) and <name>.json.
//
// Usage: node packages/core/scripts/lossnet-study.mjs [--size 128] [--steps 150] [--lr 0.02] [--param pixels|pyramid] [--tv 0]
//          [--configs raw,spatial,channel] [--pairs content.jpg:style.jpg,...] [--name study]
//        node packages/core/scripts/lossnet-study.mjs --calibrate 1     (per-tap loss magnitudes → weights)
//        node packages/core/scripts/lossnet-study.mjs --check-input 1   (which input range the BN stats expect)
// The study runs in the docs used: --param pixels --steps 70 --lr 0.04 --configs raw,spatial,channel;
// --param pyramid --steps 60 --lr 0.01 --configs raw,spatial | all | raw,rawRGB (both pairs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tf, loadImage, saveGrid, createLossNetwork, applyFeatureTransform, loadNsfwjsMobileNetSource } from './lossnet-common.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const size = Number(args.size ?? 128);
const steps = Number(args.steps ?? 150);
const lr = Number(args.lr ?? 0.02);
const name = args.name ?? 'study';
const param = args.param ?? 'pixels';
const DATA = '/work/shared/data';
const pairs = (args.pairs ?? 'gc-wanimals_koala.jpg:van-gogh-starry-night.jpg,gc-monuments_trierImperialBaths.jpg:hokusai-great-wave.jpg')
  .split(',')
  .map((p) => p.split(':'))
  .map(([c, s]) => ({ content: `${DATA}/content/val/${c}`, style: `${DATA}/styles/${s}` }));

const STYLE4 = ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_10_expand_relu'];
// Named configurations: taps, transform, content tap and weights.
const CONFIGS = {
  raw: { style: STYLE4, content: 'block_6_expand_relu', transform: 'none', ws: 1, wc: 1 },
  spatial: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 1 }, ws: 1, wc: 1 },
  spatialT2: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 2 }, ws: 1, wc: 1 },
  spatialT05: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 0.5 }, ws: 1, wc: 1 },
  // + Gram of the network input itself (the [0,1] RGB image: 'input_1'), i.e. the colour palette's second moments.
  rawRGB: { style: ['input_1', ...STYLE4], content: 'block_6_expand_relu', transform: 'none', ws: 1, wc: 1 },
  all: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'all', temperature: 1 }, ws: 1, wc: 1 },
  allT2: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'all', temperature: 2 }, ws: 1, wc: 1 },
  channel: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'channel', temperature: 1 }, ws: 1, wc: 1 },
  rawHi: { style: STYLE4, content: 'block_6_expand_relu', transform: 'none', ws: 1, wc: 0.2 },
  spatialHi: { style: STYLE4, content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 1 }, ws: 1, wc: 0.2 },
  rawC10: { style: STYLE4, content: 'block_10_expand_relu', transform: 'none', ws: 1, wc: 1 },
  spatialC10: { style: STYLE4, content: 'block_10_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 1 }, ws: 1, wc: 1 },
  spatial3: { style: STYLE4.slice(0, 3), content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 1 }, ws: 1, wc: 1 },
  spatialNo1: { style: STYLE4.slice(1), content: 'block_6_expand_relu', transform: { kind: 'softmax', axis: 'spatial', temperature: 1 }, ws: 1, wc: 1 },
};
const configNames = (args.configs ?? 'raw,spatial,channel').split(',');
for (const c of configNames) if (!CONFIGS[c]) throw new Error(`unknown config ${c}; known: ${Object.keys(CONFIGS).join(', ')}`);

await tf.setBackend('cpu');
const src = loadNsfwjsMobileNetSource();
const allTaps = ['input_1', ...STYLE4];
// One network with raw features for every tap; transforms are applied per config.
const net = createLossNetwork(src, { taps: allTaps });
const gram = (f) => {
  const [b, h, w, c] = f.shape;
  const flat = tf.reshape(f, [b, h * w, c]);
  return tf.div(tf.matMul(flat, flat, true, false), c * h * w);
};
const tv = (x) => {
  const [, h, w] = x.shape;
  const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, -1, -1]));
  const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, w - 1, -1]));
  return tf.add(tf.mean(tf.square(dy)), tf.mean(tf.square(dx)));
};
/** Features of x for a config: { style: [...], content } (transform applied to both, per Wang et al.; never to the RGB input tap). */
function feats(x, cfg, transformContent = true) {
  const fs = net.features(x);
  const byTap = Object.fromEntries(allTaps.map((t, i) => [t, fs[i]]));
  return {
    style: cfg.style.map((t) => (t === 'input_1' ? byTap[t] : applyFeatureTransform(byTap[t], cfg.transform))),
    content: transformContent ? applyFeatureTransform(byTap[cfg.content], cfg.transform) : byTap[cfg.content],
  };
}
/** Cross-metrics on a finished image, identical for every config: raw and softmax Gram distances (relative) and content error. */
function evaluate(x, content, style) {
  return tf.tidy(() => {
    const out = {};
    for (const [label, transform] of [['rawGram', 'none'], ['softmaxGram', { kind: 'softmax', axis: 'spatial' }]]) {
      const cfg = { style: STYLE4, content: 'block_6_expand_relu', transform };
      const fx = feats(x, cfg), fs = feats(style, cfg), fc = feats(content, cfg);
      // style distance of x relative to that of the content photo (1 = no stylization, 0 = perfect)
      out[label] = STYLE4.map((_, l) => {
        const dx = tf.sum(tf.squaredDifference(gram(fx.style[l]), gram(fs.style[l]))).dataSync()[0];
        const d0 = tf.sum(tf.squaredDifference(gram(fc.style[l]), gram(fs.style[l]))).dataSync()[0];
        return +(dx / d0).toFixed(3);
      });
    }
    const cfg = { style: STYLE4, content: 'block_6_expand_relu', transform: 'none' };
    const a = feats(x, cfg).content, b = feats(content, cfg).content;
    out.contentRelErr = +(tf.norm(tf.sub(a, b)).dataSync()[0] / tf.norm(b).dataSync()[0]).toFixed(3);
    out.pixelRms = +Math.sqrt(tf.mean(tf.squaredDifference(x, content)).dataSync()[0]).toFixed(3);
    return out;
  });
}

function optimize(content, style, cfg) {
  const targets = tf.tidy(() => {
    const fs = feats(style, cfg);
    const fc = feats(content, cfg);
    const grams = fs.style.map(gram);
    const s0 = fc.style.map((f, l) => tf.sum(tf.squaredDifference(gram(f), grams[l])));
    const c0 = tf.mean(tf.square(fc.content));
    return { grams, s0, content: fc.content, c0 };
  });
  // Pixel parameterization: 'pixels' (Adam straight on the pixels) or 'pyramid' (the image is the
  // content plus a sum of bilinearly upsampled offsets at 1, 1/2, 1/4, 1/8 resolution — a Laplacian-
  // pyramid-like parameterization that favours coherent strokes over per-pixel noise, closer to
  // what a conv generator can produce).
  const [, H, W] = content.shape;
  const levels = param === 'pyramid' ? [1, 2, 4, 8] : [1];
  const offsets = levels.map((s) => tf.variable(tf.zeros([1, Math.round(H / s), Math.round(W / s), 3])));
  const render = () =>
    tf.clipByValue(offsets.reduce((acc, o, i) => tf.add(acc, levels[i] === 1 ? o : tf.image.resizeBilinear(o, [H, W], true)), content), 0, 1);
  const opt = tf.train.adam(lr);
  const wtv = Number(args.tv ?? 0);
  const lossFn = () => {
    const img = render();
    const f = feats(img, cfg);
    let ls = tf.scalar(0);
    f.style.forEach((fl, l) => { ls = tf.add(ls, tf.div(tf.sum(tf.squaredDifference(gram(fl), targets.grams[l])), targets.s0[l])); });
    ls = tf.div(ls, f.style.length);
    const lc = tf.div(tf.mean(tf.squaredDifference(f.content, targets.content)), targets.c0);
    let total = tf.add(tf.mul(ls, cfg.ws), tf.mul(lc, cfg.wc));
    if (wtv) total = tf.add(total, tf.mul(tv(img), wtv));
    return total;
  };
  const t0 = performance.now();
  let last;
  for (let i = 0; i < steps; i++) {
    const l = opt.minimize(lossFn, true, offsets);
    if (i === 0 || i === steps - 1) last = l.dataSync()[0];
    if (i === 0) console.log(`  step 0 loss ${last.toFixed(3)}`);
    l.dispose();
  }
  const ms = (performance.now() - t0) / steps;
  const result = tf.tidy(render);
  tf.dispose(offsets); opt.dispose(); tf.dispose([targets.grams, targets.s0, targets.content, targets.c0]);
  return { result, finalLoss: last, msPerStep: ms };
}

// --check-input: which input range do the BN moving statistics expect? For conv outputs (taps on
// the raw conv, so its BN is not folded) compare the per-channel mean/variance over the val
// photos at 224 px with the next BN's moving mean/variance, for [0,1], [-1,1] and [0,255] input.
if (args['check-input'] !== undefined) {
  const { readdirSync } = await import('node:fs');
  const convs = ['Conv1', 'expanded_conv_project', 'block_1_expand', 'block_3_expand', 'block_6_depthwise', 'block_10_expand', 'block_10_project'];
  const bnOf = (c) => (c === 'Conv1' ? 'bn_Conv1' : `${c}_BN`);
  const probe = createLossNetwork(src, { taps: convs }); // 'unit': the tensor given is what Conv1 sees
  const stats = {};
  let off = 0;
  for (const w of src.weightsManifest[0].weights) {
    const n = w.shape.reduce((a, b) => a * b, 1); // uint8-quantized: 1 byte per element
    if (convs.some((c) => w.name.startsWith(`${bnOf(c)}/moving_`))) stats[w.name] = tf.io.decodeWeights(src.weightData.slice(off, off + n), [w])[w.name].dataSync();
    off += n;
  }
  const photos = readdirSync(`${DATA}/content/val`).filter((f) => f.endsWith('.jpg'));
  const imgs = []; for (const f of photos) imgs.push(await loadImage(`${DATA}/content/val/${f}`, 224));
  const batch = tf.concat(imgs);
  for (const [label, scale, shift] of [['[0,1]', 1, 0], ['[-1,1]', 2, -1], ['[0,255]', 255, 0]]) {
    const fs = probe.features(tf.add(tf.mul(batch, scale), shift));
    console.log(`input ${label}: per conv, mean over channels of |Δmean|/σ_moving and |log(var/var_moving)|`);
    convs.forEach((c, i) => {
      const mm = stats[`${bnOf(c)}/moving_mean`], mv = stats[`${bnOf(c)}/moving_variance`];
      const { mean, variance } = tf.moments(fs[i], [0, 1, 2]);
      const em = mean.dataSync(), ev = variance.dataSync();
      let z = 0, lv = 0;
      for (let k = 0; k < mm.length; k++) { z += Math.abs(em[k] - mm[k]) / Math.sqrt(mv[k] + 1e-3); lv += Math.abs(Math.log((ev[k] + 1e-6) / (mv[k] + 1e-6))); }
      console.log(`  ${c.padEnd(22)} ${(z / mm.length).toFixed(2)}  ${(lv / mm.length).toFixed(2)}`);
    });
    tf.dispose(fs);
  }
  process.exit(0);
}

// --calibrate: typical loss magnitudes over every (content/val photo, style) pair, forward only.
// Per style tap l: median ‖G_l(photo) − G_l(style)‖²_F (Gram normalized by C·H·W); content tap:
// mean of F² over the photos. Weights 1/median make each tap contribute ≈1 at the start, as in the
// normalized study losses, so they can be used as fixed per-tap weights in training.
if (args.calibrate !== undefined) {
  const { readdirSync } = await import('node:fs');
  const photos = readdirSync(`${DATA}/content/val`).filter((f) => f.endsWith('.jpg'));
  const styles = readdirSync(`${DATA}/styles`).filter((f) => f.endsWith('.jpg'));
  const cfg = CONFIGS.rawRGB;
  const gramsOf = async (path) => {
    const x = await loadImage(path, size);
    const g = tf.tidy(() => { const f = feats(x, cfg); return { grams: f.style.map(gram), c2: tf.mean(tf.square(f.content)) }; });
    x.dispose();
    return g;
  };
  const P = []; for (const f of photos) P.push(await gramsOf(`${DATA}/content/val/${f}`));
  const S = []; for (const f of styles) S.push(await gramsOf(`${DATA}/styles/${f}`));
  const med = (a) => { const b = [...a].sort((p, q) => p - q); return b[Math.floor(b.length / 2)]; };
  const perTap = cfg.style.map((t, l) => {
    const d = [];
    for (const p of P) for (const st of S) d.push(tf.tidy(() => tf.sum(tf.squaredDifference(p.grams[l], st.grams[l])).dataSync()[0]));
    return { tap: t, medianGramDist: med(d), p10: [...d].sort((a, b) => a - b)[Math.floor(d.length * 0.1)], p90: [...d].sort((a, b) => a - b)[Math.floor(d.length * 0.9)] };
  });
  const c2 = med(P.map((p) => p.c2.dataSync()[0]));
  console.log(JSON.stringify({ size, pairs: P.length * S.length, perTap, contentMeanSquare: c2 }, null, 1));
  process.exit(0);
}
mkdirSync('/tmp/lossnet-study', { recursive: true });
const report = { size, steps, lr, param, tv: Number(args.tv ?? 0), configs: Object.fromEntries(configNames.map((c) => [c, CONFIGS[c]])), runs: [] };
const rows = [];
for (const p of pairs) {
  const content = await loadImage(p.content, size);
  const style = await loadImage(p.style, size);
  const row = [content, style];
  for (const c of configNames) {
    console.log(`${p.content.split('/').pop()} × ${p.style.split('/').pop()} — ${c}`);
    const { result, finalLoss, msPerStep } = optimize(content, style, CONFIGS[c]);
    const metrics = evaluate(result, content, style);
    console.log(`  final loss ${finalLoss.toFixed(3)}, ${msPerStep.toFixed(0)} ms/step`, JSON.stringify(metrics));
    report.runs.push({ content: p.content, style: p.style, config: c, finalLoss, msPerStep, ...metrics });
    row.push(result);
    // Save after every run (long runs on a shared machine may be cut short).
    await saveGrid([...rows, row], `/tmp/lossnet-study/${name}.png`);
    writeFileSync(`/tmp/lossnet-study/${name}.json`, JSON.stringify(report, null, 1));
  }
  rows.push(row);
}
console.log(`wrote /tmp/lossnet-study/${name}.png (columns: content, style, ${configNames.join(', ')})`);
