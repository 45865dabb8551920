// @stylepack/core: everything here runs unchanged in Node and in the browser.
// Node-only helpers (files, atomic writes, Node backend set-up) live in '@stylepack/core/node'.
export * from './model/index.js';
export * from './losses/index.js';
export * from './lossnet/index.js';
export * from './backend/index.js';
export * from './pack/index.js';
export * from './train/index.js';
export * from './image/index.js';
export * from './kernels/index.js';
export { registerMirrorPadGradientFix, registerStylepackGradients } from './gradients/index.js';
export {
  ADAM_UPDATE,
  INSTANCE_NORM,
  INSTANCE_NORM_GRAD,
  LEAKY_RELU_GRAD,
  MIRROR_PAD_GRAD,
  RELU6_GRAD,
  RELU_GRAD,
  UPSAMPLE_2X,
  UPSAMPLE_2X_GRAD,
  type AdamUpdateAttrs,
  type InstanceNormAttrs,
  type MirrorPadGradAttrs,
  type NormActivation,
} from './kernel-names.js';
export * from './optimize/index.js';
export * from './style/index.js';
