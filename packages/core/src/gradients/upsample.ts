// Gradient of the nearest ×2 upsampling op (model/upsample.ts): runs UPSAMPLE_2X_GRAD, which sums
// each 2×2 block in the order the composite's Tile gradients do.
import * as tf from '@tensorflow/tfjs';
import { UPSAMPLE_2X, UPSAMPLE_2X_GRAD } from '../kernel-names.js';

export const upsample2xGradConfig: tf.GradConfig = {
  kernelName: UPSAMPLE_2X,
  gradFunc: (dy) => ({ x: () => tf.engine().runKernel(UPSAMPLE_2X_GRAD, { dy: dy as tf.Tensor }) as tf.Tensor }),
};
