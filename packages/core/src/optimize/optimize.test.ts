// Per-image optimisation on the real loss network (MobileNetV2 from nsfwjs), tiny images, cpu.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadLossNetworkFromNsfwjs } from '../node/lossnet-node.js';
import type { LossNetwork } from '../lossnet/index.js';
import { Rng } from '../model/params.js';
import { optimizeImage, randomView } from './optimize.js';

let lossNet: LossNetwork;

beforeAll(async () => {
  await tf.setBackend('cpu');
  lossNet = await loadLossNetworkFromNsfwjs({ taps: ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu'] });
});

/** A smooth 40×48 "photo" and a stripy "painting". */
function images() {
  return tf.tidy(() => {
    const yy = tf.tile(tf.reshape(tf.linspace(0, 1, 40), [40, 1, 1]), [1, 48, 1]);
    const xx = tf.tile(tf.reshape(tf.linspace(0, 1, 48), [1, 48, 1]), [40, 1, 1]);
    const content = tf.expandDims(tf.concat([yy, xx, tf.mul(yy, xx)], 2)) as tf.Tensor4D;
    const stripes = tf.abs(tf.sin(tf.mul(tf.add(yy, xx), 25)));
    const painting = tf.expandDims(tf.concat([stripes, tf.fill([40, 48, 1], 0.15), tf.sub(1, stripes)], 2)) as tf.Tensor4D;
    return { content, painting };
  });
}

describe('optimizeImage', () => {
  it('lowers the loss from the photo, keeps the shape and range, leaks no tensors', async () => {
    const { content, painting } = images();
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await optimizeImage(content, painting, content, {
      lossNet, contentTap: 2, steps: 5, learningRate: 0.05, seed: 1, jitter: false,
      onStep: (s) => void seen.push(s.step),
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(r.image.shape).toEqual([1, 40, 48, 3]);
    const px = r.image.dataSync();
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    const first = r.history[0].losses;
    const last = r.history[r.history.length - 1].losses;
    expect(first.content).toBeCloseTo(0, 6); // it starts at the photo
    expect(last.total).toBeLessThan(0.8 * first.total);
    expect(last.style).toBeLessThan(first.style);
    r.image.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([content, painting]);
  });

  it('with jitter (random crop offset + rescale) the loss still falls; stops on signal', async () => {
    const { content, painting } = images();
    const signal = { aborted: false };
    const r = await optimizeImage(content, painting, content, {
      lossNet, contentTap: 2, steps: 50, learningRate: 0.05, seed: 2, jitter: { scale: [0.8, 1.25], shift: 4 }, signal,
      onStep: (s) => {
        if (s.step === 5) signal.aborted = true;
      },
    });
    expect(r.steps).toBe(6);
    const h = r.history.map((s) => s.losses.style);
    expect((h[3] + h[4] + h[5]) / 3).toBeLessThan((h[0] + h[1] + h[2]) / 3);
    tf.dispose([r.image, content, painting]);
  });

  it('randomView stays inside the image and keeps the loss network\u2019s minimum size', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const v = randomView(rng, 40, 64, { scale: [0.5, 1.5], shift: 8 });
      expect(v.y + v.h).toBeLessThanOrEqual(40);
      expect(v.x + v.w).toBeLessThanOrEqual(64);
      expect(Math.min(v.outH, v.outW)).toBeGreaterThanOrEqual(32);
    }
  });

  it('refuses mismatched start images and images below 32 px', async () => {
    const { content, painting } = images();
    const small = tf.zeros([1, 20, 20, 3]) as tf.Tensor4D;
    await expect(optimizeImage(content, painting, small, { lossNet, contentTap: 2, steps: 1 })).rejects.toThrow(/must match/);
    await expect(optimizeImage(small, painting, small, { lossNet, contentTap: 2, steps: 1 })).rejects.toThrow(/at least 32 px/);
    tf.dispose([content, painting, small]);
  });
});
