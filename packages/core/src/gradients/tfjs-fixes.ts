// Corrections to tfjs 4.22 gradient definitions (backend-independent, registered globally when asked).
//
// MirrorPad: tfjs-core's gradient only slices the centre out of dy
// (tfjs-core/src/gradients/MirrorPad_grad.ts), dropping what the mirrored border copies received.
// For x = [1,2,3,4] padded [2,1] 'reflect' (→ [3,2,1,2,3,4,3]) the true d sum / dx is [1,2,2,2];
// tfjs returns [1,1,1,1]. Every conv that follows a reflection pad therefore passes back a
// gradient that is wrong on its border rows/columns. The replacement folds the border gradients
// back onto the input positions they were copied from.
//
// Where the backend has the fused StylepackMirrorPadGrad kernel (wasm with stylepack's fast
// kernels, kernels/fast-wasm-heap.ts), the fold runs in one pass; elsewhere as the composite below.
// Registered only when asked (registerMirrorPadGradientFix, e.g. by the Trainer), since it
// replaces a gradient of tfjs's own.
import * as tf from '@tensorflow/tfjs';
import { MIRROR_PAD_GRAD, MirrorPad, type MirrorPadGradAttrs } from '../kernel-names.js';

type Mode = 'reflect' | 'symmetric';

/** Folds the padded axis `axis` of dy back onto an axis of length `len`. */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, len: number, mode: Mode): tf.Tensor {
  if (before === 0 && after === 0) return dy;
  const rank = dy.rank;
  const sliceAxis = (start: number, size: number): tf.Tensor => {
    const begin = new Array<number>(rank).fill(0);
    const sizes = dy.shape.slice();
    begin[axis] = start;
    sizes[axis] = size;
    return tf.slice(dy, begin, sizes);
  };
  const padAxis = (t: tf.Tensor, lo: number, hi: number): tf.Tensor => {
    const p = new Array<[number, number]>(rank).fill([0, 0]);
    p[axis] = [lo, hi];
    return tf.pad(t, p);
  };
  // 'reflect' does not repeat the edge element, 'symmetric' does.
  const shift = mode === 'reflect' ? 1 : 0;
  let out = sliceAxis(before, len);
  if (before > 0) {
    // Padded index i < before came from x[before − i − 1 + shift]; reversed, they start at x[shift].
    const left = tf.reverse(sliceAxis(0, before), axis);
    out = tf.add(out, padAxis(left, shift, len - before - shift));
  }
  if (after > 0) {
    // Padded index before+len+j came from x[len − 1 − shift − j]; reversed, they end at x[len − 1 − shift].
    const right = tf.reverse(sliceAxis(before + len, after), axis);
    out = tf.add(out, padAxis(right, len - after - shift, shift));
  }
  return out;
}

const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const x = saved[0]!;
    const { paddings, mode } = attrs as unknown as { paddings: [number, number][]; mode: Mode };
    return {
      x: () => {
        let g = dy as tf.Tensor;
        if (g.dtype === 'float32' && tf.getKernel(MIRROR_PAD_GRAD, tf.getBackend())) {
          const gradAttrs: MirrorPadGradAttrs = { paddings, mode };
          return tf.engine().runKernel(MIRROR_PAD_GRAD, { dy: g }, gradAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        }
        for (let axis = 0; axis < paddings.length; axis++) {
          const [before, after] = paddings[axis]!;
          g = foldAxis(g, axis, before, after, x.shape[axis]!, mode);
        }
        return g;
      },
    };
  },
};

let mirrorPadFixed = false;

/**
 * Replaces tfjs's MirrorPad gradient with a correct one (all backends; idempotent). Call once at
 * start-up, before building gradients. Returns true the first time it registers.
 */
export function registerMirrorPadGradientFix(): boolean {
  if (mirrorPadFixed && tf.getGradient('MirrorPad') === mirrorPadGradConfig) return false;
  tf.registerGradient(mirrorPadGradConfig);
  mirrorPadFixed = true;
  return true;
}

// ResizeBilinear: the cpu backend's ResizeBilinearGrad (tfjs-backend-cpu 4.22) fills the
// gradient in [B, H, W, C] order but declares its shape as [B, W, H, C], so any non-square
// resize fails in backprop ("gradient ... does not match the shape of the input"). Per-image
// optimisation (optimize/) resizes non-square images. The data is right, so the replacement
// reshapes the kernel's result to the input's shape (a no-op on backends that get it right).
const resizeBilinearGradConfig: tf.GradConfig = {
  kernelName: 'ResizeBilinear',
  inputsToSave: ['images'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const images = saved[0]!;
    return {
      images: () => tf.reshape(tf.engine().runKernel('ResizeBilinearGrad', { dy: dy as tf.Tensor, images }, attrs) as tf.Tensor, images.shape),
    };
  },
};

let resizeFixed = false;

/** Replaces tfjs's ResizeBilinear gradient with one whose shape is right on every backend (idempotent). */
export function registerResizeBilinearGradientFix(): boolean {
  if (resizeFixed && tf.getGradient('ResizeBilinear') === resizeBilinearGradConfig) return false;
  tf.registerGradient(resizeBilinearGradConfig);
  resizeFixed = true;
  return true;
}
