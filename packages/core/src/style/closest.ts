// Closest-style search: which known style, applied to a content crop, comes out nearest to a
// painting by Gram distance on the loss network (the starting point for learning that painting).
import * as tf from '@tensorflow/tfjs';
import { gram } from '../losses/index.js';
import type { LossNetwork } from '../lossnet/index.js';
import type { Generator } from '../model/index.js';
import { disposeStyleVectors, styleVectorsOf } from './blend.js';
import { styleShapes, type StyleTables } from './tables.js';

/**
 * For each candidate: Σ over the network's taps of the mean squared Gram difference between
 * `g` applied to `probe` with that style and the painting. Infinity for a candidate that does
 * not fit `g` (a style of another architecture). Values are read asynchronously (no dataSync:
 * webgpu's synchronous readback is slow and fragile).
 */
export async function styleDistances(g: Generator, net: LossNetwork, probe: tf.Tensor4D, painting: tf.Tensor4D, candidates: StyleTables[]): Promise<number[]> {
  const shapes = styleShapes(g.config);
  const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
  const out: number[] = [];
  try {
    for (const tables of candidates) {
      let v;
      try {
        v = styleVectorsOf(tables, shapes);
      } catch {
        out.push(Infinity);
        continue;
      }
      const d = tf.tidy(() => {
        const f = net.features(g.stylize(probe, v));
        return tf.addN(f.map((x, k) => tf.mean(tf.squaredDifference(gram(x), targets[k]!))));
      });
      disposeStyleVectors(v);
      out.push((await d.data())[0]!);
      d.dispose();
    }
  } finally {
    tf.dispose(targets);
  }
  return out;
}

/** The candidate nearest the painting (see styleDistances), or null when none fits. */
export async function closestStyle(g: Generator, net: LossNetwork, probe: tf.Tensor4D, painting: tf.Tensor4D, candidates: StyleTables[]): Promise<{ index: number; distance: number } | null> {
  const d = await styleDistances(g, net, probe, painting, candidates);
  let best = { index: -1, distance: Infinity };
  d.forEach((distance, index) => {
    if (distance < best.distance) best = { index, distance };
  });
  return best.index >= 0 ? best : null;
}
