// Building blocks shared by the generator and the discriminator, written as plain tfjs ops
// on NHWC tensors so they run on every backend (and the wasm gradient kernels apply).
import * as tf from '@tensorflow/tfjs';

/** Reflection padding on H and W; avoids the dark borders zero padding leaves in stylized output. */
export function reflectPad(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  if (pad === 0) return x;
  return tf.mirrorPad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect');
}

/** Convolution with explicit padding done by the caller ('valid' here), plus bias. */
export function conv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null, stride = 1): tf.Tensor4D {
  const y = tf.conv2d(x, w, stride, 'valid');
  return b ? tf.add(y, b) : y;
}

// Instance norm lives in its own module: an op with fused kernels where a backend registers them.
export { instanceNorm, instanceNormLeakyRelu, instanceNormRelu } from './instance-norm.js';

// Nearest ×2 upsampling: an op with fused kernels where a backend registers them.
export { upsample2x } from './upsample.js';

export function leakyRelu(x: tf.Tensor4D, alpha = 0.2): tf.Tensor4D {
  return tf.leakyRelu(x, alpha);
}
