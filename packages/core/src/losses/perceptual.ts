// Content and style losses on loss-network feature maps (NHWC), as in Gatys et al. / Johnson et al.
import * as tf from '@tensorflow/tfjs';

/** Content loss: mean squared error between the feature maps of one layer. */
export function contentLoss(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/**
 * Gram matrix per sample, normalized by the layer's size C·H·W: [B, C, C]. Its gradient is one
 * matmul, F·(dG + dGᵀ) / (C·H·W): tfjs's matMul gradient would run two (F is both operands) and
 * add them. In a Learn step the Grams' matmuls are ~15% of the kernel time (bench/profile-learn.mjs).
 */
export function gram(f: tf.Tensor4D): tf.Tensor3D {
  return gramOp(f) as tf.Tensor3D;
}

const gramOp = tf.customGrad(((f: tf.Tensor, save: tf.GradSaveFunc) => {
  const [b, h, w, c] = f.shape as [number, number, number, number];
  const n = c * h * w;
  const flat = tf.reshape(f, [b, h * w, c]) as tf.Tensor3D;
  save([flat]);
  return {
    value: tf.div(tf.matMul(flat, flat, true, false), n),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const sym = tf.div(tf.add(dy, tf.transpose(dy, [0, 2, 1])), n) as tf.Tensor3D;
      return [tf.reshape(tf.matMul(saved[0] as tf.Tensor3D, sym), [b, h, w, c])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Style loss: Σ over layers of w_l·‖G(y) − G(s)‖²_F, averaged over the batch. `targets[l]` is the
 * style's Gram for layer l, [1, C, C] (shared by the batch) or [B, C, C] (one per sample);
 * `weights[l]` defaults to 1.
 */
export function styleLoss(features: tf.Tensor4D[], targets: tf.Tensor3D[], weights?: readonly number[]): tf.Scalar {
  if (features.length !== targets.length) throw new Error(`styleLoss: ${features.length} feature maps but ${targets.length} target Grams.`);
  if (weights && weights.length !== features.length) throw new Error(`styleLoss: ${weights.length} weights for ${features.length} layers.`);
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    features.forEach((f, i) => {
      const diff = tf.squaredDifference(gram(f), targets[i]);
      total = tf.add(total, tf.div(tf.sum(diff), f.shape[0] / (weights?.[i] ?? 1)));
    });
    return total as tf.Scalar;
  });
}

/** Total variation: mean squared difference between neighbouring pixels (both axes). */
export function totalVariationLoss(x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, -1, -1]));
    const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, w - 1, -1]));
    return tf.add(tf.mean(tf.square(dy)), tf.mean(tf.square(dx))) as tf.Scalar;
  });
}
