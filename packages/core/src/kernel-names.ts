// Every kernel stylepack registers or runs, by name, with its attributes: tfjs's own kernels
// with tfjs's exported names and attribute types, and the kernels stylepack adds (Stylepack*),
// as tfjs-core's kernel_names.ts does. Ops (model/, train/) run a Stylepack* kernel only where
// the active backend registered it (kernels/register-wasm.ts) and compose the same result
// otherwise; gradients/ holds their gradients.
import type { MirrorPadAttrs } from '@tensorflow/tfjs';

export {
  Add,
  BatchMatMul,
  Cast,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  Identity,
  LeakyRelu,
  Mean,
  MirrorPad,
  PadV2,
  Relu,
  Relu6,
  Slice,
  Sum,
  Tile,
  UnsortedSegmentSum,
  type BatchMatMulAttrs,
  type CastAttrs,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type LeakyReluAttrs,
  type MeanAttrs,
  type MirrorPadAttrs,
  type PadV2Attrs,
  type SliceAttrs,
  type SumAttrs,
  type TileAttrs,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs';

/**
 * Fused conditional instance norm (model/instance-norm.ts). Inputs {x [N,H,W,C], gamma [N|1,C],
 * beta [N|1,C]}, outputs [y, mean, rstd [N,C]] where rstd = 1/sqrt(var + epsilon) and mean is
 * [2,N,C], float32 hi + lo (so x − mean stays exact when |mean| ≫ std); both only feed the backward.
 */
export const INSTANCE_NORM = 'StylepackInstanceNorm';
/** Its gradient: inputs {x, dy, y, gamma, beta, mean, rstd}, outputs [dx, dgamma, dbeta] shaped like x, gamma, beta. */
export const INSTANCE_NORM_GRAD = 'StylepackInstanceNormGrad';

export type NormActivation = 'linear' | 'relu' | 'leakyRelu';

/** Attributes of INSTANCE_NORM and INSTANCE_NORM_GRAD. */
export interface InstanceNormAttrs {
  epsilon: number;
  activation: NormActivation;
  /** Negative slope for 'leakyRelu'. */
  alpha: number;
}

/** Nearest ×2 upsampling of NHWC x (model/upsample.ts): input {x}, no attributes. */
export const UPSAMPLE_2X = 'StylepackUpsample2x';
/** Its gradient, the 2×2 block sum in the composite's order: input {dy}. */
export const UPSAMPLE_2X_GRAD = 'StylepackUpsample2xGrad';

/** The corrected MirrorPad gradient in one pass (gradients/tfjs-fixes.ts): input {dy}. */
export const MIRROR_PAD_GRAD = 'StylepackMirrorPadGrad';
export type MirrorPadGradAttrs = Pick<MirrorPadAttrs, 'paddings' | 'mode'>;

/** Relu / Relu6 / LeakyRelu gradients in one pass (gradients/activations.ts): inputs {dy, x}. */
export const RELU_GRAD = 'StylepackReluGrad';
export const RELU6_GRAD = 'StylepackRelu6Grad';
/** Attributes: LeakyReluAttrs ({ alpha }). */
export const LEAKY_RELU_GRAD = 'StylepackLeakyReluGrad';

/**
 * One fused Adam update (train/adam.ts): inputs {p, m, v, g}, outputs [p', m', v'], exactly the
 * composite's float32 results.
 */
export const ADAM_UPDATE = 'StylepackAdamUpdate';

/** `lrOverC1` = learning rate / (1 − beta1^t); `c2` = 1 − beta2^t. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  lrOverC1: number;
  c2: number;
}
