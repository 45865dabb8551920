// Adam (Kingma & Ba 2015) over a named parameter map. Written out (rather than tf.train.adam)
// so its whole state is named by our stable parameter keys: checkpoints restore it exactly,
// and the learning rate can follow a schedule step by step.
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../kernel-names.js';
import type { NamedArray } from './checkpoint.js';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class Adam {
  /** Steps taken so far (bias correction uses t = step + 1). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(readonly config: AdamConfig = { beta1: 0.5, beta2: 0.999, epsilon: 1e-8 }) {}

  /**
   * Apply one update to `params[key]` for every key in `grads`. Slots are created on first use.
   * `learningRate` may depend on the parameter (e.g. style vectors learn faster than the backbone).
   */
  apply(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, learningRate: number | ((key: string) => number)): void {
    const { beta1, beta2, epsilon } = this.config;
    const t = this.step + 1;
    // Bias corrections computed in float64 on the CPU: identical on every backend.
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    // One kernel per parameter instead of ~13 small ops (each with its own dispatch cost), where the
    // backend registers ADAM_UPDATE (the wasm path: kernels/fast-wasm-heap.ts); it gives exactly
    // the composite's float32 results.
    const fused = tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      for (const [key, g] of Object.entries(grads)) {
        const p = params[key];
        if (!p) throw new Error(`Adam: gradient for unknown parameter "${key}".`);
        const m = this.slot(this.m, key, p);
        const v = this.slot(this.v, key, p);
        const lr = typeof learningRate === 'number' ? learningRate : learningRate(key);
        if (fused) {
          const attrs: AdamUpdateAttrs = { beta1, beta2, epsilon, lrOverC1: lr / c1, c2 };
          const [p2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { p, m, v, g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          m.assign(m2!);
          v.assign(v2!);
          p.assign(p2!);
          continue;
        }
        const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m2);
        v.assign(v2);
        const update = tf.div(tf.mul(m2, lr / c1), tf.add(tf.sqrt(tf.div(v2, c2)), epsilon));
        p.assign(tf.sub(p, update));
      }
    });
    this.step = t;
  }

  private slot(map: Map<string, tf.Variable>, key: string, like: tf.Variable): tf.Variable {
    let s = map.get(key);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(key, s);
    }
    return s;
  }

  async state(): Promise<Record<string, NamedArray>> {
    const out: Record<string, NamedArray> = {};
    for (const [kind, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [key, s] of map) out[`${kind}:${key}`] = { shape: s.shape.slice(), data: (await s.data()) as Float32Array };
    }
    return out;
  }

  restore(step: number, state: Record<string, NamedArray>): void {
    this.dispose();
    this.step = step;
    for (const [name, arr] of Object.entries(state)) {
      const sep = name.indexOf(':');
      const kind = name.slice(0, sep);
      const key = name.slice(sep + 1);
      const map = kind === 'm' ? this.m : kind === 'v' ? this.v : null;
      if (!map) throw new Error(`Adam: unknown slot "${name}" in checkpoint.`);
      map.set(key, tf.tidy(() => tf.variable(tf.tensor(arr.data, arr.shape), false)));
    }
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }
}
