// Closest-style search: which known style, applied to a content crop, comes out nearest to a
// painting by Gram distance on the loss network (the starting point for learning that painting).
import * as tf from '@tensorflow/tfjs';
import { gram } from '../losses/index.js';
import type { LossNetwork } from '../lossnet/index.js';
import type { Generator } from '../model/index.js';
import { blendStyles, disposeStyleVectors, styleVectorsOf, type StylePart } from './blend.js';
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

export interface BlendStart {
  /** The starting vectors. */
  tables: StyleTables;
  /** Candidate indices and weights (normalised) that make it; one entry = a single style. */
  parts: { index: number; weight: number }[];
  /** Its Gram distance to the painting on the probe. */
  distance: number;
}

/**
 * The best start among the closest style and a few blends of the nearest ones: the nearest two
 * half and half, and the nearest three weighted by 1/distance. Each is scored like
 * styleDistances on the probe and the nearest to the painting wins, so the start is never
 * further than the closest single style (a blend of γ/β can hit a palette and texture between
 * two known styles). `distances` may be passed when already computed. Null when none fits.
 */
export async function blendStart(g: Generator, net: LossNetwork, probe: tf.Tensor4D, painting: tf.Tensor4D, candidates: StyleTables[], distances?: number[]): Promise<BlendStart | null> {
  const d = distances ?? (await styleDistances(g, net, probe, painting, candidates));
  const order = d.map((x, i) => [x, i] as const).filter(([x]) => Number.isFinite(x)).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  if (order.length === 0) return null;
  const shapes = styleShapes(g.config);
  const options: { index: number; weight: number }[][] = [[{ index: order[0]!, weight: 1 }]];
  if (order.length >= 2) options.push(order.slice(0, 2).map((index) => ({ index, weight: 0.5 })));
  if (order.length >= 3) {
    const inv = order.slice(0, 3).map((i) => 1 / Math.max(d[i]!, 1e-12));
    const sum = inv.reduce((a, b) => a + b, 0);
    options.push(order.slice(0, 3).map((index, k) => ({ index, weight: inv[k]! / sum })));
  }
  const blends = options.map((parts) => (parts.length === 1 ? candidates[parts[0]!.index]! : blendStyles(parts.map((p): StylePart => ({ tables: candidates[p.index]!, weight: p.weight })), shapes)));
  const scores = [d[order[0]!]!, ...(await styleDistances(g, net, probe, painting, blends.slice(1)))];
  let best = 0;
  scores.forEach((x, i) => {
    if (x < scores[best]!) best = i;
  });
  return { tables: blends[best]!, parts: options[best]!, distance: scores[best]! };
}
