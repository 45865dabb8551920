// Vector blending: a mix of styles is the weighted mean of their norm vectors (the generator's
// conditional instance norm is linear in γ and β, so blended vectors give an in-between style).
import * as tf from '@tensorflow/tfjs';
import type { StyleVectors } from '../model/index.js';
import { StyleMismatchError, type StyleTables } from './tables.js';

export interface StylePart {
  tables: StyleTables;
  /** Relative weight (the weights are normalised to sum 1); parts of weight 0 are skipped. */
  weight: number;
  /** For error messages. */
  name?: string;
}

/** Σ (wᵢ/Σw)·styleᵢ over every key of `shapes` ("<layer>/gamma|beta" → [C]). */
export function blendStyles(parts: StylePart[], shapes: Record<string, number[]>): StyleTables {
  const total = parts.reduce((a, p) => a + p.weight, 0);
  if (!(total > 0) || !Number.isFinite(total)) throw new StyleMismatchError('Style mix weights must add up to a finite number more than 0.');
  const used = parts.filter((p) => p.weight > 0);
  const out: StyleTables = {};
  for (const [key, shape] of Object.entries(shapes)) {
    const c = shape[0]!;
    for (const p of used) {
      const v = p.tables[key];
      if (!v || v.data.length !== c) throw new StyleMismatchError(`Style ${p.name ? `"${p.name}" ` : ''}does not fit this base model (no ${c}-channel "${key}" vector).`);
    }
    // One part: its own vector, bit for bit.
    if (used.length === 1) {
      out[key] = { shape: [c], data: used[0]!.tables[key]!.data };
      continue;
    }
    const data = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      let s = 0;
      for (const p of used) s += (p.weight / total) * p.tables[key]!.data[i]!;
      data[i] = s;
    }
    out[key] = { shape: [c], data };
  }
  return out;
}

/** A style's tables as [1, C] tensors per norm layer, for Generator.stylize (caller disposes). */
export function styleVectorsOf(tables: StyleTables, shapes: Record<string, number[]>): StyleVectors {
  const out: StyleVectors = {};
  try {
    for (const key of Object.keys(shapes)) {
      if (!key.endsWith('/gamma')) continue;
      const layer = key.slice(0, -'/gamma'.length);
      const c = shapes[key]![0]!;
      const g = tables[`${layer}/gamma`];
      const b = tables[`${layer}/beta`];
      if (!g || !b || g.data.length !== c || b.data.length !== c) throw new StyleMismatchError(`The style has no ${c}-channel vectors for layer ${layer} of this base model.`);
      out[layer] = { gamma: tf.tensor2d(g.data, [1, c]), beta: tf.tensor2d(b.data, [1, c]) };
    }
  } catch (e) {
    disposeStyleVectors(out);
    throw e;
  }
  return out;
}

/** Blend (see blendStyles) as tensors for Generator.stylize (caller disposes). */
export function blendStyleVectors(parts: StylePart[], shapes: Record<string, number[]>): StyleVectors {
  return styleVectorsOf(blendStyles(parts, shapes), shapes);
}

export function disposeStyleVectors(v: StyleVectors): void {
  for (const { gamma, beta } of Object.values(v)) tf.dispose([gamma, beta]);
}
