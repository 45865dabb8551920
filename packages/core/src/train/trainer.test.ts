// The trainer on the real loss network (MobileNetV2 from nsfwjs), tiny sizes, cpu backend.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Discriminator, Generator, generatorPreset } from '../model/index.js';
import { loadLossNetworkFromNsfwjs } from '../node/lossnet-node.js';
import type { LossNetwork } from '../lossnet/index.js';
import { Trainer, type TrainerOptions } from './trainer.js';
import { learningRateAt } from './schedule.js';

let lossNet: LossNetwork;

beforeAll(async () => {
  await tf.setBackend('cpu');
  lossNet = await loadLossNetworkFromNsfwjs({ taps: ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu'] });
});

/** A smooth, structured 32×32 "photo" and a stripy "painting", both deterministic. */
function images() {
  return tf.tidy(() => {
    const ramp = tf.linspace(0, 1, 32);
    const yy = tf.tile(tf.reshape(ramp, [32, 1, 1]), [1, 32, 1]);
    const xx = tf.tile(tf.reshape(ramp, [1, 32, 1]), [32, 1, 1]);
    const content = tf.expandDims(tf.concat([yy, xx, tf.mul(yy, xx)], 2)) as tf.Tensor4D;
    const stripes = tf.sin(tf.mul(tf.add(yy, xx), 20));
    const painting = tf.expandDims(tf.concat([tf.abs(stripes), tf.fill([32, 32, 1], 0.2), tf.sub(1, tf.abs(stripes))], 2)) as tf.Tensor4D;
    return { content, painting: tf.image.resizeBilinear(painting, [48, 48]) as tf.Tensor4D };
  });
}

function makeTrainer(extra: Partial<TrainerOptions> = {}) {
  const { content, painting } = images();
  const generator = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: 2 }), 1);
  const discriminator = new Discriminator({ width: 4, numStyles: 2 }, 2);
  const trainer = new Trainer({
    generator,
    discriminator,
    lossNet,
    contentTap: 2,
    styleImages: [painting, tf.reverse(painting, 2) as tf.Tensor4D],
    learningRate: { generator: 1e-2, discriminator: 1e-3 },
    clipNorm: 10,
    seed: 42,
    ...extra,
  });
  return { trainer, generator, discriminator, content };
}

describe('Trainer', () => {
  it('a 30-step overfit on one tiny image lowers content + style loss', async () => {
    const { trainer, content } = makeTrainer({ weights: { content: 1, style: 10, adversarial: 0.01, tv: 0.1 } });
    const first: number[] = [];
    const last: number[] = [];
    const results = await trainer.fit({
      steps: 30,
      batch: () => content.clone(),
      styles: () => [0],
      onStep: (r) => {
        const v = r.losses.content + 10 * r.losses.style;
        (r.step < 3 ? first : r.step >= 27 ? last : []).push(v);
      },
    });
    expect(results).toHaveLength(30);
    for (const r of results) for (const v of Object.values(r.losses)) expect(Number.isFinite(v)).toBe(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(last)).toBeLessThan(0.7 * mean(first));
    // the D step ran and reported a real loss
    expect(results[5].losses.discriminator).toBeGreaterThan(0);
  });

  it('keeps tf.memory().numTensors flat across steps (from step 2, after Adam slots exist)', () => {
    const { trainer, content } = makeTrainer();
    trainer.trainStep(content);
    trainer.trainStep(content);
    const n = tf.memory().numTensors;
    trainer.trainStep(content);
    trainer.trainStep(content);
    expect(tf.memory().numTensors).toBe(n);
  });

  it('biases before instance norm get no gradient and stay put; the others train', () => {
    const { trainer, generator, discriminator, content } = makeTrainer();
    const read = () => ({
      g: Object.fromEntries(Object.entries(generator.params).filter(([k]) => k.endsWith('/b')).map(([k, v]) => [k, Array.from(v.dataSync())])),
      d: Object.fromEntries(Object.entries(discriminator.params).filter(([k]) => k.endsWith('/b')).map(([k, v]) => [k, Array.from(v.dataSync())])),
    });
    const before = read();
    trainer.trainStep(content);
    trainer.trainStep(content);
    const after = read();
    const norm = new Set(generator.normLayers.map((l) => `${l.name}/b`));
    for (const [k, v] of Object.entries(after.g)) {
      if (norm.has(k)) expect(v, k).toEqual(before.g[k]);
      else expect(v, k).not.toEqual(before.g[k]);
    }
    for (const k of ['d2/b', 'd3/b']) expect(after.d[k], k).toEqual(before.d[k]);
    for (const k of ['d1/b', 'd4/b']) expect(after.d[k], k).not.toEqual(before.d[k]);
  });

  it('a checkpoint resume reproduces the next step’s losses exactly', async () => {
    const a = makeTrainer();
    for (let i = 0; i < 3; i++) a.trainer.trainStep(a.content);
    const saved = await a.trainer.saveState({ settings: { note: 'test' } });
    const expected = a.trainer.trainStep(a.content);
    const expected2 = a.trainer.trainStep(a.content);

    const b = makeTrainer({ seed: 999 }); // different seed: everything must come from the checkpoint
    b.trainer.loadState(saved);
    expect(b.trainer.step).toBe(3);
    const got = b.trainer.trainStep(b.content);
    const got2 = b.trainer.trainStep(b.content);
    expect(got.losses).toEqual(expected.losses);
    expect(got2.losses).toEqual(expected2.losses);
  });

  it('rejects a truncated checkpoint with a clear message', async () => {
    const a = makeTrainer();
    a.trainer.trainStep(a.content);
    const saved = await a.trainer.saveState();
    expect(() => a.trainer.loadState(saved.subarray(0, saved.length - 100))).toThrow(/truncated/);
    expect(() => a.trainer.loadState(new Uint8Array([1, 2, 3]))).toThrow(/Not a usable checkpoint/);
  });

  it('fit-style mode trains only the one style’s norm vectors; the backbone stays frozen', async () => {
    const { content, painting } = images();
    const generator = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: 2 }), 1);
    const before = tf.tidy(() => tf.concat(generator.backboneParams().map((v) => tf.reshape(v, [-1]))));
    const tables = tf.tidy(() => tf.concat(generator.styleTableParams().map((v) => tf.reshape(v, [-1]))));
    const trainer = new Trainer({ generator, lossNet, contentTap: 2, styleImages: [painting], mode: 'fit-style', learningRate: { styleVectors: 2e-2 }, weights: { adversarial: 0 }, seed: 3 });
    const res = await trainer.fit({ steps: 15, batch: () => content.clone() });
    const after = tf.tidy(() => tf.concat(generator.backboneParams().map((v) => tf.reshape(v, [-1]))));
    const tablesAfter = tf.tidy(() => tf.concat(generator.styleTableParams().map((v) => tf.reshape(v, [-1]))));
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(tf.sub(tables, tablesAfter))).dataSync()[0]).toBe(0);
    expect(res[res.length - 1].losses.style).toBeLessThan(res[0].losses.style);
    const fitted = await trainer.fittedStyle();
    expect(Object.keys(fitted)).toHaveLength(2 * generator.normLayers.length);
    expect(fitted['c1/gamma'].shape).toEqual([1, generator.normLayers[0].channels]);
  });

  it('learning-rate schedules: warm-up, linear and cosine decay', () => {
    expect(learningRateAt(1, 0, { kind: 'constant', warmupSteps: 4 })).toBe(0.25);
    expect(learningRateAt(1, 10, { kind: 'linear', totalSteps: 20 })).toBeCloseTo(0.5);
    expect(learningRateAt(1, 20, { kind: 'cosine', totalSteps: 20, minFactor: 0.1 })).toBeCloseTo(0.1);
  });
});
