// Pack → generator: a base model's backbone weights plus one or more styles' norm vectors.
// A style is its "style tables": "<layer>/gamma" and "<layer>/beta" → [C] for every norm layer.
import { Generator, generatorLayers, type GeneratorConfig } from '../model/index.js';
import { writeParams } from '../model/params.js';
import type { PackTensor } from '../pack/types.js';

/** One style's vectors: "<layer>/gamma" | "<layer>/beta" → shape [C]. */
export type StyleTables = Record<string, PackTensor>;

/** Thrown when a style does not fit a base model, or a blend has no weight. */
export class StyleMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StyleMismatchError';
  }
}

/** Architecture of a generator from its weights (c1/w is [k, k, 3, width]; r<i>a/w per block); numStyles 1. */
export function generatorConfigFromWeights(weights: Record<string, PackTensor>): GeneratorConfig {
  const c1 = weights['c1/w'];
  if (!c1 || c1.shape.length !== 4) throw new StyleMismatchError('The base model has no "c1/w" kernel; it is not a stylepack generator.');
  let resBlocks = 0;
  while (weights[`r${resBlocks}a/w`]) resBlocks++;
  return { width: c1.shape[3]!, outerKernel: c1.shape[0]!, resBlocks, numStyles: 1 };
}

/** "<layer>/gamma|beta" → [C] for every norm layer: the shapes each style of this architecture must have. */
export function styleShapes(config: Omit<GeneratorConfig, 'numStyles'>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of generatorLayers({ ...config, numStyles: 1 })) {
    if (!l.norm) continue;
    out[`${l.name}/gamma`] = [l.cout];
    out[`${l.name}/beta`] = [l.cout];
  }
  return out;
}

/** The first key of `shapes` that `style` lacks or holds with another length, or null when it fits. */
export function styleMisfit(style: StyleTables, shapes: Record<string, number[]>): string | null {
  for (const [key, shape] of Object.entries(shapes)) {
    const t = style[key];
    if (!t || t.data.length !== shape[0] || t.shape.join() !== shape.join()) return key;
  }
  return null;
}

/**
 * A generator holding the base backbone and the given styles' vectors as its norm tables
 * (style i = row i). With no styles it holds one neutral style (γ = 1, β = 0) for the caller
 * to overwrite. `config` defaults to the one the weights imply.
 */
export function generatorFor(backbone: Record<string, PackTensor>, styles: StyleTables[] = [], config: Omit<GeneratorConfig, 'numStyles'> = generatorConfigFromWeights(backbone)): Generator {
  const n = Math.max(1, styles.length);
  const g = new Generator({ ...config, numStyles: n });
  try {
    const values: Record<string, PackTensor> = { ...backbone };
    for (const { name, channels } of g.normLayers) {
      for (const kind of ['gamma', 'beta'] as const) {
        const key = `${name}/${kind}`;
        const data = new Float32Array(n * channels).fill(kind === 'gamma' ? 1 : 0);
        styles.forEach((s, i) => {
          const v = s[key];
          if (!v || v.data.length !== channels) throw new StyleMismatchError(`Style ${i + 1} has no ${channels}-channel "${key}" vector for this base model.`);
          data.set(v.data, i * channels);
        });
        values[key] = { shape: [n, channels], data };
      }
    }
    writeParams(g.params, values as Record<string, { shape: number[]; data: Float32Array }>, 'base model weights');
  } catch (e) {
    g.dispose();
    throw e;
  }
  return g;
}
