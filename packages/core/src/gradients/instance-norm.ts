// Gradient of the fused instance norm (model/instance-norm.ts): runs INSTANCE_NORM_GRAD. Only dy
// of output 0 matters: mean/rstd never leave the op.
import * as tf from '@tensorflow/tfjs';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD } from '../kernel-names.js';

export const instanceNormGradConfig: tf.GradConfig = {
  kernelName: INSTANCE_NORM,
  inputsToSave: ['x', 'gamma', 'beta'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, beta, y, mean, rstd] = saved as tf.Tensor[];
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [dx, dgamma, dbeta] = tf.engine().runKernel(
      INSTANCE_NORM_GRAD, { x: x!, dy, y: y!, gamma: gamma!, beta: beta!, mean: mean!, rstd: rstd! }, attrs) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
  },
};
