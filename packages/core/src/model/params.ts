// A network's parameters are a flat, named map of tf.Variables. Names are stable strings
// ("c1/conv/w", "c1/norm/gamma"), which is what checkpoints and packs store.
import * as tf from '@tensorflow/tfjs';

export type ParamMap = Record<string, tf.Variable>;

/** Deterministic PRNG (mulberry32). Its whole state is one uint32, so it checkpoints exactly. */
export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** A fresh seed for tf's own seeded initializers. */
  seed(): number {
    return Math.floor(this.next() * 2 ** 31);
  }
}

let instanceCounter = 0;
/**
 * tfjs keeps one global registry of variable names, so every network instance gets its own
 * prefix ("g3/"); our own maps, checkpoints and packs use the prefix-free names.
 */
export function uniquePrefix(kind: string): string {
  return `${kind}${instanceCounter++}`;
}

/** He-normal init for a conv kernel [kh, kw, cin, cout]. */
export function convKernel(rng: Rng, k: number, cin: number, cout: number, name: string): tf.Variable {
  const std = Math.sqrt(2 / (k * k * cin));
  const seed = rng.seed();
  return tf.tidy(() => tf.variable(tf.truncatedNormal([k, k, cin, cout], 0, std, 'float32', seed), true, name));
}

export function zeros(shape: number[], name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zeros(shape), true, name));
}

export function ones(shape: number[], name: string): tf.Variable {
  return tf.tidy(() => tf.variable(tf.ones(shape), true, name));
}

export function countParams(params: ParamMap): number {
  return Object.values(params).reduce((n, v) => n + v.size, 0);
}

export function disposeParams(params: ParamMap): void {
  for (const v of Object.values(params)) v.dispose();
}

/** Plain-data snapshot of parameters (for checkpoints and packs). */
export async function readParams(params: ParamMap): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, v] of Object.entries(params)) {
    out[name] = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
  }
  return out;
}

/** Assign plain data into existing variables, checking every name and shape. */
export function writeParams(params: ParamMap, values: Record<string, { shape: number[]; data: Float32Array }>, what = 'parameters'): void {
  for (const [name, v] of Object.entries(params)) {
    const src = values[name];
    if (!src) throw new Error(`Missing ${what} "${name}": the file does not match this network architecture.`);
    if (src.shape.length !== v.shape.length || src.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`Shape mismatch for ${what} "${name}": file has [${src.shape}], network expects [${v.shape}].`);
    }
    tf.tidy(() => v.assign(tf.tensor(src.data, v.shape)));
  }
}
