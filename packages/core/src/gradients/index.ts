// stylepack's gradients, registered explicitly (never as an import side effect), as tfjs's
// register_all_gradients.ts lists its own:
//
// * the gradients of stylepack's own ops' kernels (instance norm, ×2 upsampling): registered with
//   the kernels (kernels/register-wasm.ts), since the ops only run those kernels where a backend
//   registered them;
// * fused Relu / Relu6 / LeakyRelu gradients (activations.ts), which fall back to tfjs's own
//   where the active backend lacks the fused kernel;
// * the MirrorPad gradient fix (tfjs-fixes.ts), registered separately by whoever trains
//   (registerMirrorPadGradientFix), since it replaces one of tfjs's.
import * as tf from '@tensorflow/tfjs';
import { registerFastActivationGradients } from './activations.js';
import { instanceNormGradConfig } from './instance-norm.js';
import { upsample2xGradConfig } from './upsample.js';

/** Gradients of the Stylepack* forward kernels. */
const GRADIENT_CONFIGS: readonly tf.GradConfig[] = [instanceNormGradConfig, upsample2xGradConfig];

/** Registers every stylepack gradient except the MirrorPad fix (idempotent). Returns the kernel names registered now. */
export function registerStylepackGradients(): string[] {
  const done: string[] = [];
  for (const config of GRADIENT_CONFIGS) {
    // Once per process, even if two copies of this module are loaded (src and dist in tests).
    if (tf.getGradient(config.kernelName)) continue;
    tf.registerGradient(config);
    done.push(config.kernelName);
  }
  return [...done, ...registerFastActivationGradients()];
}

export { registerMirrorPadGradientFix } from './tfjs-fixes.js';
