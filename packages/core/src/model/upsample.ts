// Nearest-neighbour ×2 upsampling as one op, in the same split as instance-norm.ts:
//
// * the op runs the kernel 'StylepackUpsample2x' when the active backend registers it together
//   with 'StylepackUpsample2xGrad' (wasm with stylepack's fast kernels, see
//   kernels/fast-wasm-heap.ts: a row copy forward, a 2×2 block sum backward, both near memcpy
//   speed). Otherwise (cpu, webgl, webgpu, STYLEPACK_FAST_KERNELS=0) it runs the
//   reshape + tile composite exactly as before;
// * its gradient (gradients/upsample.ts, registered with the kernels) runs the grad kernel. It
//   sums each 2×2 block in the order the composite's Tile gradients do, so the two paths agree
//   bit for bit.
import * as tf from '@tensorflow/tfjs';
import { UPSAMPLE_2X, UPSAMPLE_2X_GRAD } from '../kernel-names.js';

/**
 * Nearest-neighbour ×2 upsampling of NHWC x. The composite is reshape + tile:
 * tf.image.resizeNearestNeighbor's gradient is wrong on the cpu backend for batch > 1 and missing
 * on wasm, so we avoid it.
 */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const backend = tf.getBackend();
  if (x.dtype === 'float32' && tf.getKernel(UPSAMPLE_2X, backend) && tf.getKernel(UPSAMPLE_2X_GRAD, backend)) {
    return tf.engine().runKernel(UPSAMPLE_2X, { x }) as tf.Tensor4D;
  }
  const [n, h, w, c] = x.shape;
  const cols = tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, 2, 1]); // [NH, W, 2, C]
  const rows = tf.tile(tf.reshape(cols, [n, h, 1, 2 * w * c]), [1, 1, 2, 1]); // [N, H, 2, 2WC]
  return tf.reshape(rows, [n, 2 * h, 2 * w, c]);
}
