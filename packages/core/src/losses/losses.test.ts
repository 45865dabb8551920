// Every loss term against values worked out by hand on tiny tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { contentLoss, discriminatorLoss, generatorAdversarialLoss, gram, styleLoss, totalVariationLoss } from './index.js';

const value = (t: tf.Tensor) => t.dataSync()[0];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('perceptual losses', () => {
  it('content loss is the mean squared error', () => {
    const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const b = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    expect(value(contentLoss(a, b))).toBeCloseTo((0 + 1 + 4 + 9) / 4, 6);
  });

  it("gram's gradient (one matmul) equals the composite's (matMul's own gradient)", () => {
    const f = tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([2, 4, 4], 0, 1, 'float32', 5);
    const composite = (x: tf.Tensor4D) => {
      const flat = tf.reshape(x, [2, 15, 4]) as tf.Tensor3D;
      return tf.div(tf.matMul(flat, flat, true, false), 60);
    };
    const ours = tf.grad((x: tf.Tensor4D) => tf.sum(tf.mul(gram(x), w)))(f);
    const ref = tf.grad((x: tf.Tensor4D) => tf.sum(tf.mul(composite(x), w)))(f);
    expect(ours.shape).toEqual([2, 5, 3, 4]);
    const d = tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]!;
    expect(d).toBeLessThan(1e-6 * Math.max(1, tf.max(tf.abs(ref)).dataSync()[0]!));
    tf.dispose([f, w, ours, ref]);
  });

  it('gram matrix is FᵀF / (C·H·W)', () => {
    // one row of two pixels, two channels: pixels (1,2) and (3,4)
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const g = gram(f);
    expect(g.shape).toEqual([1, 2, 2]);
    const expected = [10, 14, 14, 20].map((v) => v / 4);
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('style loss sums squared Frobenius distances over layers, averaged over the batch', () => {
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const zero = tf.zeros([1, 2, 2]) as tf.Tensor3D;
    // ‖G‖²_F = 2.5² + 3.5² + 3.5² + 5² = 55.75 per layer; two identical layers → 111.5
    expect(value(styleLoss([f, f], [zero, zero]))).toBeCloseTo(111.5, 4);
    // a batch of two identical samples gives the same average
    const f2 = tf.concat([f, f]) as tf.Tensor4D;
    expect(value(styleLoss([f2], [zero]))).toBeCloseTo(55.75, 4);
    // matching target → 0
    expect(value(styleLoss([f], [gram(f)]))).toBeCloseTo(0, 6);
    // per-layer weights: 2·55.75 + 0.5·55.75, also with a batch of two
    expect(value(styleLoss([f, f], [zero, zero], [2, 0.5]))).toBeCloseTo(139.375, 3);
    expect(value(styleLoss([f2, f2], [zero, zero], [2, 0.5]))).toBeCloseTo(139.375, 3);
    expect(() => styleLoss([f, f], [zero, zero], [1])).toThrow(/1 weights for 2 layers/);
  });

  it('total variation is the mean squared neighbour difference on both axes', () => {
    const x = tf.tensor4d([0, 1, 2, 4], [1, 2, 2, 1]);
    // vertical: (2-0)², (4-1)² → mean 6.5; horizontal: (1-0)², (4-2)² → mean 2.5
    expect(value(totalVariationLoss(x))).toBeCloseTo(9, 6);
  });
});

describe('adversarial losses', () => {
  const real = tf.tensor1d([2]);
  const fake = tf.tensor1d([-1]);
  const sp = (x: number) => Math.log(1 + Math.exp(x));

  it('BCE from logits: −log σ(real) − log(1 − σ(fake)) for D, −log σ(fake) for G', () => {
    expect(value(discriminatorLoss(real, fake, 'bce'))).toBeCloseTo(sp(-2) + sp(-1), 6);
    expect(value(discriminatorLoss(tf.zeros([3]), tf.zeros([3]), 'bce'))).toBeCloseTo(2 * Math.LN2, 6);
    expect(value(generatorAdversarialLoss(fake, 'bce'))).toBeCloseTo(sp(1), 6);
  });

  it('BCE stays finite for huge logits (stable form)', () => {
    const d = value(discriminatorLoss(tf.tensor1d([-200]), tf.tensor1d([300]), 'bce'));
    expect(d).toBeCloseTo(200 + 300, 3);
    expect(Number.isFinite(value(generatorAdversarialLoss(tf.tensor1d([-500]), 'bce')))).toBe(true);
  });

  it('LSGAN and hinge', () => {
    expect(value(discriminatorLoss(real, fake, 'lsgan'))).toBeCloseTo(0.5 * (1 + 1), 6);
    expect(value(generatorAdversarialLoss(fake, 'lsgan'))).toBeCloseTo(0.5 * 4, 6);
    expect(value(discriminatorLoss(real, fake, 'hinge'))).toBeCloseTo(0, 6);
    expect(value(discriminatorLoss(tf.tensor1d([0.5]), tf.tensor1d([0.5]), 'hinge'))).toBeCloseTo(0.5 + 1.5, 6);
    expect(value(generatorAdversarialLoss(tf.tensor1d([0.5]), 'hinge'))).toBeCloseTo(-0.5, 6);
  });

  it('BCE gradient w.r.t. a fake logit is σ(l) (no saturation blow-up)', () => {
    const g = tf.grad((l: tf.Tensor) => discriminatorLoss(tf.tensor1d([0]), l, 'bce'))(tf.tensor1d([3]));
    expect(g.dataSync()[0]).toBeCloseTo(1 / (1 + Math.exp(-3)), 5);
  });
});
