// Conditional instance norm as one op, in tfjs's split of ops / kernels / backends:
//
// * the op (here) runs the kernel 'StylepackInstanceNorm' when the active backend has one
//   registered (wasm with stylepack's fast kernels, Node or browser; see kernels/fast-wasm.ts), and
//   otherwise composes it from tf.moments etc. exactly as before;
// * its gradient (gradients/instance-norm.ts, registered with the kernels) runs
//   'StylepackInstanceNormGrad';
// * backends provide the two kernels (names and attributes: kernel-names.ts).
//
// Fused, a norm layer is 2 kernels (forward, backward) instead of ~10 small single-threaded ops
// each way; an optional ReLU / leaky ReLU after it is folded in too.
import * as tf from '@tensorflow/tfjs';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, type InstanceNormAttrs } from '../kernel-names.js';

/**
 * Instance norm with per-sample scale/shift. `gamma`/`beta` are [B, C] (or [1, C], broadcast),
 * which is what makes the norm *conditional*: each style brings its own vectors.
 */
export function instanceNorm(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, eps = 1e-5): tf.Tensor4D {
  return instanceNormAct(x, gamma, beta, { epsilon: eps, activation: 'linear', alpha: 0 });
}

/** relu(instanceNorm(...)), fused where the kernel exists. */
export function instanceNormRelu(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, eps = 1e-5): tf.Tensor4D {
  return instanceNormAct(x, gamma, beta, { epsilon: eps, activation: 'relu', alpha: 0 });
}

/** leakyRelu(instanceNorm(...), alpha), fused where the kernel exists. */
export function instanceNormLeakyRelu(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, alpha = 0.2, eps = 1e-5): tf.Tensor4D {
  return instanceNormAct(x, gamma, beta, { epsilon: eps, activation: 'leakyRelu', alpha });
}

function instanceNormAct(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, attrs: InstanceNormAttrs): tf.Tensor4D {
  if (canFuse(x, gamma, beta)) return fused(x, gamma, beta, attrs);
  return activate(composite(x, gamma, beta, attrs.epsilon), attrs);
}

/** True when the active backend has both kernels and the shapes are the ones they take. */
function canFuse(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D): boolean {
  const backend = tf.getBackend();
  if (!tf.getKernel(INSTANCE_NORM, backend) || !tf.getKernel(INSTANCE_NORM_GRAD, backend)) return false;
  const [n, , , c] = x.shape;
  const rowOk = (t: tf.Tensor2D) => t.rank === 2 && t.dtype === 'float32' && t.shape[1] === c && (t.shape[0] === 1 || t.shape[0] === n);
  return x.rank === 4 && x.dtype === 'float32' && rowOk(gamma) && rowOk(beta);
}

function fused(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, attrs: InstanceNormAttrs): tf.Tensor4D {
  const [y, mean, rstd] = tf.engine().runKernel(INSTANCE_NORM, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  // mean/rstd only feed the gradient, which has its own saved copies (outputsToSave).
  mean!.dispose();
  rstd!.dispose();
  return y as tf.Tensor4D;
}

/** The composite: what every backend without the kernels runs (unchanged, bit for bit). */
function composite(x: tf.Tensor4D, gamma: tf.Tensor2D, beta: tf.Tensor2D, eps: number): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  const c = x.shape[3];
  const g = tf.reshape(gamma, [gamma.shape[0], 1, 1, c]);
  const bt = tf.reshape(beta, [beta.shape[0], 1, 1, c]);
  return tf.add(tf.mul(normalized, g), bt) as tf.Tensor4D;
}

function activate(y: tf.Tensor4D, attrs: InstanceNormAttrs): tf.Tensor4D {
  if (attrs.activation === 'relu') return tf.relu(y);
  if (attrs.activation === 'leakyRelu') return tf.leakyRelu(y, attrs.alpha);
  return y;
}
