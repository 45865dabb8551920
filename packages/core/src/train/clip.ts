import * as tf from '@tensorflow/tfjs';

/**
 * Scale gradients so their global L2 norm is at most `maxNorm` (no-op when maxNorm is 0 or
 * Infinity). Returns the clipped map and the norm before clipping (for logging).
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.length ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
    if (!(maxNorm > 0 && Number.isFinite(maxNorm))) return { grads: { ...grads }, norm };
    const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    const out: tf.NamedTensorMap = {};
    for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
    return { grads: out, norm };
  });
}
