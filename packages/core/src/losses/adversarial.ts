// Adversarial losses on discriminator logits. BCE is computed from logits with softplus,
// which is stable for large |logit| (log σ(l) = -softplus(-l), log(1-σ(l)) = -softplus(l)).
import * as tf from '@tensorflow/tfjs';

export type AdversarialKind = 'bce' | 'lsgan' | 'hinge';

/** softplus(x) = log(1 + e^x), written as max(x,0) + log1p(e^-|x|) so it never overflows. */
export function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** Discriminator loss: real logits should say "real", fake logits "fake". */
export function discriminatorLoss(real: tf.Tensor, fake: tf.Tensor, kind: AdversarialKind = 'bce'): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'bce': // −E[log D(x)] − E[log(1 − D(G(z)))]
        return tf.add(tf.mean(stableSoftplus(tf.neg(real))), tf.mean(stableSoftplus(fake))) as tf.Scalar;
      case 'lsgan': // ½E[(D(x)−1)²] + ½E[D(G(z))²]
        return tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake)))) as tf.Scalar;
      case 'hinge': // E[max(0, 1−D(x))] + E[max(0, 1+D(G(z)))]
        return tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))) as tf.Scalar;
    }
  });
}

/** Generator loss on the fake logits (non-saturating for BCE: −E[log D(G(z))]). */
export function generatorAdversarialLoss(fake: tf.Tensor, kind: AdversarialKind = 'bce'): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case 'bce':
        return tf.mean(stableSoftplus(tf.neg(fake))) as tf.Scalar;
      case 'lsgan':
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))) as tf.Scalar;
      case 'hinge':
        return tf.neg(tf.mean(fake)) as tf.Scalar;
    }
  });
}
