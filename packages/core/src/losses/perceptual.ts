// Content and style losses on loss-network feature maps (NHWC), as in Gatys et al. / Johnson et al.
import * as tf from '@tensorflow/tfjs';

/** Content loss: mean squared error between the feature maps of one layer. */
export function contentLoss(a: tf.Tensor4D, b: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/** Gram matrix per sample, normalized by the layer's size C·H·W: [B, C, C]. */
export function gram(f: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, w, c] = f.shape;
    const flat = tf.reshape(f, [b, h * w, c]);
    return tf.div(tf.matMul(flat, flat, true, false), c * h * w) as tf.Tensor3D;
  });
}

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
