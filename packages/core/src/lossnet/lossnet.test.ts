// Loss network: loads the MobileNetV2 shipped in nsfwjs (node_modules, offline) and checks shapes,
// BN folding, gradients, tensor hygiene and that a real photo's
// features are not noise-like. Small sizes only (cpu backend).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { loadLossNetworkFromNsfwjs, loadNsfwjsMobileNetSource } from '../node/lossnet-node.js';
import {
  applyFeatureTransform,
  base64ToArrayBuffer,
  createLossNetwork,
  DEFAULT_CONTENT_TAP,
  DEFAULT_STYLE_TAP_WEIGHTS,
  DEFAULT_STYLE_TAPS,
  RGB_TAP,
  type LossNetwork,
  type MobileNetSource,
} from './index.js';
import { decodePortable } from './base64.js';
import { buildMobileNetPlan, disposePlanSteps } from './mobilenet-v2.js';

let src: MobileNetSource;
let net: LossNetwork;
const BLOCK_TAPS = [...DEFAULT_STYLE_TAPS];

/** Decode named entries of the (single-group) manifest, dequantized. */
function decodeNamed(s: MobileNetSource, names: string[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  let off = 0;
  for (const w of (s.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights) {
    const len = w.shape.reduce((a, b) => a * b, 1) * (w.quantization ? 1 : 4);
    if (names.includes(w.name)) Object.assign(out, tf.io.decodeWeights(s.weightData.slice(off, off + len), [w]));
    off += len;
  }
  return out;
}

function koala(): tf.Tensor4D {
  const png = PNG.sync.read(readFileSync(fileURLToPath(new URL('./fixtures/koala-64.png', import.meta.url))));
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) for (let k = 0; k < 3; k++) rgb[j + k] = png.data[i + k] / 255;
  return tf.tensor4d(rgb, [1, png.height, png.width, 3]);
}

const relDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0] / Math.max(1e-12, tf.norm(b).dataSync()[0]));

beforeAll(async () => {
  await tf.setBackend('cpu');
  src = loadNsfwjsMobileNetSource();
  net = loadLossNetworkFromNsfwjs({ taps: [...BLOCK_TAPS] });
});

describe('loss network (nsfwjs MobileNetV2 ≤ block_10)', () => {
  it('loads the bundled model from node_modules and caches the parsed source', () => {
    expect(src.weightData.byteLength).toBeGreaterThan(2_000_000);
    expect(loadNsfwjsMobileNetSource()).toBe(src);
    expect(DEFAULT_STYLE_TAPS).toContain(DEFAULT_CONTENT_TAP);
    expect(DEFAULT_STYLE_TAP_WEIGHTS.length).toBe(DEFAULT_STYLE_TAPS.length);
  });

  it('returns one map per tap with the MobileNetV2 shapes for a 64×64 input', () => {
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const fs = net.features(x);
    expect(net.taps).toEqual(['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_10_expand_relu']);
    expect(fs.map((f) => f.shape)).toEqual([
      [2, 32, 32, 96],
      [2, 16, 16, 144],
      [2, 8, 8, 192],
      [2, 4, 4, 384],
    ]);
    for (const f of fs) {
      const [lo, hi] = [f.min().dataSync()[0], f.max().dataSync()[0]];
      expect(lo).toBeGreaterThanOrEqual(0); // relu6
      expect(hi).toBeLessThanOrEqual(6);
    }
    tf.dispose([x, ...fs]);
  });

  it('the RGB tap returns the input untransformed, as a fresh tensor', () => {
    const n = loadLossNetworkFromNsfwjs({ taps: [RGB_TAP, ...DEFAULT_STYLE_TAPS], featureTransform: { kind: 'softmax', axis: 'spatial' } });
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const fs = n.features(x);
    expect(fs.map((f) => f.shape)).toEqual([
      [1, 32, 32, 3],
      [1, 16, 16, 96],
      [1, 8, 8, 144],
      [1, 4, 4, 192],
      [1, 2, 2, 384],
    ]);
    expect(fs[0]).not.toBe(x);
    expect(tf.max(tf.abs(tf.sub(fs[0], x))).dataSync()[0]).toBe(0);
    expect(tf.mean(fs[1]).dataSync()[0]).toBeCloseTo(1, 4); // softmax-transformed block tap
    tf.dispose(fs);
    expect(x.isDisposed).toBe(false);
    x.dispose();
    n.dispose();
  });

  it('decodes only the layers the taps need and refuses retrained (post-block_10) layers', () => {
    const plan = buildMobileNetPlan(src.modelTopology, src.weightsManifest, src.weightData, ['block_1_expand_relu']);
    // Conv1(1) + 3 convs × (kernel) + 4 BN × 4 params: only the stem and block_1 expand.
    expect(plan.decodedWeights).toBe(1 + 4 + 1 + 4 + 1 + 4 + 1 + 4);
    disposePlanSteps(plan.steps);
    expect(() => createLossNetwork(src, { taps: ['block_11_expand_relu'] })).toThrow(/retrained/);
    expect(() => createLossNetwork(src, { taps: ['nope'] })).toThrow(/unknown tap/);
  });

  it('folding BatchNorm into the conv equals conv → BatchNorm → relu6 (bn_Conv1)', () => {
    const w = decodeNamed(src, ['bn_Conv1/gamma', 'bn_Conv1/beta', 'bn_Conv1/moving_mean', 'bn_Conv1/moving_variance']);
    const unfolded = createLossNetwork(src, { taps: ['Conv1'] }); // tap on the raw conv: its BN is not folded
    const folded = createLossNetwork(src, { taps: ['Conv1_relu'] });
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const [raw] = unfolded.features(x);
    const ref = tf.relu6(
      tf.batchNorm(raw, w['bn_Conv1/moving_mean'] as tf.Tensor1D, w['bn_Conv1/moving_variance'] as tf.Tensor1D, w['bn_Conv1/beta'] as tf.Tensor1D, w['bn_Conv1/gamma'] as tf.Tensor1D, 1e-3),
    );
    const [got] = folded.features(x);
    expect(got.shape).toEqual([1, 16, 16, 32]);
    expect(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, raw, ref, got, ...Object.values(w)]);
    unfolded.dispose();
    folded.dispose();
  });

  it('matches tfjs-layers running the same Keras topology (unfolded BN, all four taps)', async () => {
    // Independent reference: the Keras graph cut to the frozen layers, input 64×64, via tf.loadLayersModel.
    const topo = structuredClone(src.modelTopology) as { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[]; output_layers: unknown } }; training_config?: unknown };
    const cfg = topo.model_config.config;
    cfg.layers = cfg.layers.filter((l) => l.class_name === 'InputLayer' || l.config.trainable === false);
    cfg.layers[0].config.batch_input_shape = [null, 64, 64, 3];
    cfg.output_layers = BLOCK_TAPS.map((t) => [t, 0, 0]);
    delete topo.training_config;
    const weightSpecs = (src.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topo, weightSpecs, weightData: src.weightData }), { strict: false });
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const ref = model.predict(x) as tf.Tensor4D[];
    const got = net.features(x);
    got.forEach((g, i) => {
      expect(g.shape).toEqual(ref[i].shape);
      expect(relDiff(g, ref[i])).toBeLessThan(1e-4);
    });
    tf.dispose([x, ...ref, ...got]);
    model.dispose();
  });

  it('the gradient w.r.t. the input is finite, nonzero and matches finite differences', () => {
    const x = tf.randomUniform([1, 37, 41, 3], 0, 1, 'float32', 3) as tf.Tensor4D; // odd sizes: stride-2 padding
    const loss = (xx: tf.Tensor4D) => tf.tidy(() => net.features(xx).reduce((a: tf.Tensor, f) => tf.add(a, tf.mean(tf.square(f))), tf.scalar(0)) as tf.Scalar);
    const g = tf.grad(loss)(x);
    const v = g.dataSync();
    expect(v.every(Number.isFinite)).toBe(true);
    expect(tf.norm(g).dataSync()[0]).toBeGreaterThan(0);
    // Directional derivative along the gradient (= ‖g‖) vs a central difference. (A random pixel
    // direction is ill-conditioned here: its first-order term nearly cancels against relu6 kinks.)
    const d = tf.div(g, tf.norm(g)) as tf.Tensor4D;
    const eps = 3e-3;
    const fd = (loss(tf.add(x, tf.mul(d, eps)) as tf.Tensor4D).dataSync()[0] - loss(tf.sub(x, tf.mul(d, eps)) as tf.Tensor4D).dataSync()[0]) / (2 * eps);
    const an = tf.sum(tf.mul(g, d)).dataSync()[0];
    expect(Math.abs(fd - an) / Math.abs(an)).toBeLessThan(0.03); // measured ≈ 0.005
    tf.dispose([x, g, d]);
  });

  it('features(x, only) returns those taps, equal to the full run, and stops the network at the deepest one', async () => {
    const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const all = net.features(x);
    const before = tf.memory().numTensors;
    // (tf.profile returns the same object each time: read the count before the next call.)
    const kernels = async (f: () => void) => (await tf.profile(() => tf.tidy(f))).kernels.length;
    const full = await kernels(() => void net.features(x));
    const shallow = await kernels(() => void net.features(x, [1]));
    expect(tf.memory().numTensors).toBe(before);
    // The network stops at the block-3 tap: about a third of the kernels of the run to block 10.
    expect(shallow).toBeLessThan(full * 0.5);
    const [t2, t0] = net.features(x, [2, 0]);
    expect(t2.shape).toEqual(all[2].shape);
    expect(Array.from(await t2.data())).toEqual(Array.from(await all[2].data()));
    expect(Array.from(await t0.data())).toEqual(Array.from(await all[0].data()));
    expect(() => net.features(x, [net.taps.length])).toThrow(/tap index 4 is out of range \(0\.\.3\)/);
    tf.dispose([x, ...all, t2, t0]);
  });

  it('leaks no tensors (features and gradient under tidy)', () => {
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      net.features(x);
    });
    tf.tidy(() => {
      tf.grad((xx: tf.Tensor4D) => tf.sum(net.features(xx)[3]))(x);
    });
    const fs = net.features(x); // outside tidy: exactly the taps survive
    expect(tf.memory().numTensors).toBe(before + fs.length);
    tf.dispose(fs);
    expect(tf.memory().numTensors).toBe(before);
    const n = createLossNetwork(src, { taps: ['block_3_expand_relu'] });
    n.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => n.features(x)).toThrow(/disposed/);
    x.dispose();
  });

  it('a real photo’s style statistics are far from noise’s and stable under a mirror flip', () => {
    const img = koala();
    const noise = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const flipped = tf.reverse(img, 2) as tf.Tensor4D;
    const gramOf = (x: tf.Tensor4D) =>
      tf.tidy(() =>
        net.features(x).map((f) => {
          const [, h, w, c] = f.shape;
          const flat = tf.reshape(f, [h * w, c]);
          return tf.div(tf.matMul(flat, flat, true, false), h * w * c);
        }),
      );
    const [gi, gf, gn] = [gramOf(img), gramOf(flipped), gramOf(noise)];
    for (let l = 0; l < gi.length; l++) {
      const dFlip = relDiff(gf[l], gi[l]);
      const dNoise = relDiff(gn[l], gi[l]);
      expect(dFlip).toBeLessThan(0.45); // measured 0.07, 0.15, 0.20, 0.31
      expect(dNoise).toBeGreaterThan(2.5 * dFlip); // measured 0.40, 0.72, 0.80, 0.97
    }
    // Natural images are smooth: neighbouring feature vectors at block_1 are more alike than for noise.
    const neighbourCos = (x: tf.Tensor4D) =>
      tf.tidy(() => {
        const f = net.features(x)[0];
        const [, h] = f.shape;
        const a = tf.slice(f, [0, 0, 0, 0], [-1, h - 1, -1, -1]);
        const b = tf.slice(f, [0, 1, 0, 0], [-1, h - 1, -1, -1]);
        const cos = tf.div(tf.sum(tf.mul(a, b), -1), tf.add(tf.mul(tf.norm(a, 'euclidean', -1), tf.norm(b, 'euclidean', -1)), 1e-6));
        return tf.mean(cos).dataSync()[0];
      });
    expect(neighbourCos(img)).toBeGreaterThan(neighbourCos(noise) + 0.1); // measured 0.71 vs 0.55
    tf.dispose([img, noise, flipped, ...gi, ...gf, ...gn]);
  });

  it('softmax feature transforms keep the shape, have mean 1 and are differentiable', () => {
    const f = tf.randomUniform([1, 4, 5, 3], 0, 6, 'float32', 7) as tf.Tensor4D;
    for (const axis of ['spatial', 'channel', 'all'] as const) {
      const t = applyFeatureTransform(f, { kind: 'softmax', axis, temperature: 2 });
      expect(t.shape).toEqual(f.shape);
      expect(tf.mean(t).dataSync()[0]).toBeCloseTo(1, 5);
      const g = tf.grad((z: tf.Tensor4D) => tf.sum(tf.square(applyFeatureTransform(z, { kind: 'softmax', axis }))))(f);
      expect(g.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([t, g]);
    }
    const spatial = applyFeatureTransform(f, { kind: 'softmax', axis: 'spatial' });
    expect(Array.from(tf.sum(spatial, [0, 1, 2]).dataSync()).map((v) => +v.toFixed(4))).toEqual([20, 20, 20]);
    tf.dispose([f, spatial]);
  });

  it('decodes base64 the same via Buffer and the portable fallback', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 128, 7]);
    const b64 = Buffer.from(bytes).toString('base64');
    expect(new Uint8Array(base64ToArrayBuffer(b64))).toEqual(bytes);
    expect(new Uint8Array(decodePortable(b64))).toEqual(bytes);
    expect(() => base64ToArrayBuffer('a$b=')).toThrow(/base64/);
  });
});
