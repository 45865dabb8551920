// Relu / Relu6 / LeakyRelu gradients that run one fused kernel (Stylepack*Grad, registered for the
// wasm backend by kernels/fast-wasm.ts) instead of tfjs's Step / LessEqual / Greater / Select /
// Cast / Multiply chain. On a backend without that kernel, tfjs's own gradient runs unchanged.
// The kernels compute exactly tfjs's formulas (kink points, NaN and Inf included).
import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD, LeakyRelu, RELU6_GRAD, RELU_GRAD, Relu, Relu6, type LeakyReluAttrs } from '../kernel-names.js';

/** True when `kernel` is registered for the backend now active. */
export function hasKernel(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

const FUSED: Record<string, string> = { [Relu]: RELU_GRAD, [Relu6]: RELU6_GRAD, [LeakyRelu]: LEAKY_RELU_GRAD };

/** Our configs, so that a repeat call does not wrap them again. */
const ours = new Set<tf.GradConfig>();

function fusedGradConfig(kernelName: string, fused: string, original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const g = dy as tf.Tensor;
      if (!hasKernel(fused) || g.dtype !== 'float32' || x.dtype !== 'float32') return original.gradFunc(dy, saved, attrs);
      const kernelAttrs: Partial<LeakyReluAttrs> = kernelName === LeakyRelu ? { alpha: (attrs as unknown as LeakyReluAttrs).alpha } : {};
      return { x: () => tf.engine().runKernel(fused, { dy: g, x }, kernelAttrs as tf.NamedAttrMap) as tf.Tensor };
    },
  };
}

/** Registers the fused activation gradients (all backends; idempotent). Returns the names registered. */
export function registerFastActivationGradients(): string[] {
  const done: string[] = [];
  for (const [kernelName, fused] of Object.entries(FUSED)) {
    const current = tf.getGradient(kernelName);
    if (!current || ours.has(current)) continue;
    const config = fusedGradConfig(kernelName, fused, current);
    ours.add(config);
    tf.registerGradient(config);
    done.push(kernelName);
  }
  return done;
}
