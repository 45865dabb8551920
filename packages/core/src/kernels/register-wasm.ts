// Every kernel stylepack registers for tfjs's 'wasm' backend, in one list (as tfjs-backend-wasm's
// register_all_kernels.ts), in two tiers:
//
// * composed (wasm-composed.ts): backward kernels tfjs-backend-wasm 4.22 lacks, built from its own
//   forward kernels. Registered whenever wasm is chosen (backend/select.ts), in Node and browser.
// * fast: stylepack's native kernels (fast-wasm.ts on a FastEngine: GEMM/Winograd convs, fused
//   instance norm; fast-wasm-heap.ts on tfjs's own heap). Registered by a host with an engine
//   (node/fast-kernels-node.ts, kernels/fast-engine-web.ts); each replaces whatever was registered
//   under its name and hands it the cases it does not handle (fallback.ts).
//
// Kernel names and attributes: kernel-names.ts. The gradients of the Stylepack* kernels
// (gradients/) are registered together with the fast tier.
import * as tf from '@tensorflow/tfjs';
import * as K from '../kernel-names.js';
import { registerStylepackGradients } from '../gradients/index.js';
import { callsOf, count, fallback, previousKernels, type KernelCalls } from './fallback.js';
import * as fast from './fast-wasm.js';
import * as heap from './fast-wasm-heap.js';
import { COMPOSED_WASM_KERNELS as composed } from './wasm-composed.js';

const BACKEND = 'wasm';

interface WasmKernel {
  kernelName: string;
  /** Registered when wasm is chosen, where wasm lacks the kernel (Conv2DBackpropInput: replaces wasm's). */
  composed?: tf.KernelFunc;
  /** Registered with the fast kernels, over whatever is registered then. */
  fast?: tf.KernelFunc;
}

/** A heap kernel returns null for a case it does not handle: the kernel it replaced runs. */
function onHeap(name: string, k: heap.HeapKernel): tf.KernelFunc {
  return (a) => {
    const out = k(a);
    if (!out) return fallback(name, a);
    count(name, true);
    return out;
  };
}

/** The list. */
export const WASM_KERNELS: readonly WasmKernel[] = [
  { kernelName: K.Conv2D, fast: fast.conv2D },
  { kernelName: K.Conv2DBackpropFilter, composed: composed.Conv2DBackpropFilter, fast: fast.conv2DBackpropFilter },
  { kernelName: K.Conv2DBackpropInput, composed: composed.Conv2DBackpropInput, fast: fast.conv2DBackpropInput },
  { kernelName: K.BatchMatMul, fast: fast.batchMatMul },
  { kernelName: K.Tile, fast: fast.tile },
  { kernelName: K.INSTANCE_NORM, fast: fast.instanceNormKernel },
  { kernelName: K.INSTANCE_NORM_GRAD, fast: fast.instanceNormGradKernel },
  { kernelName: K.Identity, fast: onHeap(K.Identity, heap.identity) },
  { kernelName: K.Cast, fast: onHeap(K.Cast, heap.cast) },
  { kernelName: K.Slice, fast: onHeap(K.Slice, heap.slice) },
  { kernelName: K.LeakyRelu, fast: onHeap(K.LeakyRelu, heap.leakyRelu) },
  { kernelName: K.Sum, fast: onHeap(K.Sum, (a) => heap.reduceMid(a, false)) },
  { kernelName: K.Mean, fast: onHeap(K.Mean, (a) => heap.reduceMid(a, true)) },
  { kernelName: K.MirrorPad, fast: onHeap(K.MirrorPad, heap.mirrorPad) },
  { kernelName: K.Add, fast: onHeap(K.Add, heap.addBias) },
  { kernelName: K.MIRROR_PAD_GRAD, fast: onHeap(K.MIRROR_PAD_GRAD, heap.mirrorPadGrad) },
  { kernelName: K.UPSAMPLE_2X, fast: onHeap(K.UPSAMPLE_2X, heap.upsample2x) },
  { kernelName: K.UPSAMPLE_2X_GRAD, fast: onHeap(K.UPSAMPLE_2X_GRAD, heap.upsample2xGrad) },
  { kernelName: K.RELU_GRAD, fast: onHeap(K.RELU_GRAD, heap.reluGrad) },
  { kernelName: K.RELU6_GRAD, fast: onHeap(K.RELU6_GRAD, heap.relu6Grad) },
  { kernelName: K.LEAKY_RELU_GRAD, fast: onHeap(K.LEAKY_RELU_GRAD, heap.leakyReluGrad) },
  { kernelName: K.ADAM_UPDATE, fast: onHeap(K.ADAM_UPDATE, heap.adamUpdate) },
  { kernelName: K.PadV2, fast: onHeap(K.PadV2, heap.padV2) },
  { kernelName: K.DepthwiseConv2dNativeBackpropInput, composed: composed.DepthwiseConv2dNativeBackpropInput, fast: onHeap(K.DepthwiseConv2dNativeBackpropInput, heap.depthwiseBackpropInput) },
  { kernelName: K.DepthwiseConv2dNativeBackpropFilter, composed: composed.DepthwiseConv2dNativeBackpropFilter },
  { kernelName: K.UnsortedSegmentSum, composed: composed.UnsortedSegmentSum },
];

const byName = new Map(WASM_KERNELS.map((k) => [k.kernelName, k]));
const COMPOSED = new WeakSet<tf.KernelFunc>(WASM_KERNELS.flatMap((k) => (k.composed ? [k.composed] : [])));
const FAST = new WeakSet<tf.KernelFunc>(WASM_KERNELS.flatMap((k) => (k.fast ? [k.fast] : [])));

/** Names of the composed tier. */
export const WASM_GRADIENT_KERNELS: readonly string[] = WASM_KERNELS.filter((k) => k.composed).map((k) => k.kernelName);
/** Names of the fast tier, in list order. */
export const FAST_WASM_KERNELS: readonly string[] = WASM_KERNELS.filter((k) => k.fast).map((k) => k.kernelName);

export interface WasmGradientOptions {
  /**
   * Replace wasm's own Conv2DBackpropInput with the forward-conv formulation (faster under
   * XNNPACK; see docs/backends.md). Default true.
   */
  replaceConv2DBackpropInput?: boolean;
}

/**
 * Registers the composed tier for 'wasm': the backward kernels training needs that
 * tfjs-backend-wasm 4.22 lacks (and, by default, a faster Conv2DBackpropInput). A kernel wasm
 * already has is left alone, except Conv2DBackpropInput. Idempotent; safe before or after the
 * backend initialised. Returns the kernel names this call registered (empty on a repeat call).
 */
export function registerWasmGradientKernels(options: WasmGradientOptions = {}): string[] {
  const registered: string[] = [];
  for (const { kernelName, composed: kernelFunc } of WASM_KERNELS) {
    if (!kernelFunc) continue;
    const existing = tf.getKernel(kernelName, BACKEND);
    const replace = kernelName === K.Conv2DBackpropInput && (options.replaceConv2DBackpropInput ?? true);
    if (existing && (!replace || COMPOSED.has(existing.kernelFunc) || FAST.has(existing.kernelFunc))) continue;
    // A native kernel's setupFunc may already have run; unregistering it is harmless.
    if (existing) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
    registered.push(kernelName);
  }
  return registered;
}

/** Which composed kernels are registered for wasm now (for logs and tests). */
export function wasmGradientKernelStatus(): Record<string, 'stylepack' | 'native' | 'missing'> {
  const out: Record<string, 'stylepack' | 'native' | 'missing'> = {};
  for (const name of WASM_GRADIENT_KERNELS) {
    const k = tf.getKernel(name, BACKEND);
    out[name] = !k ? 'missing' : COMPOSED.has(k.kernelFunc) || FAST.has(k.kernelFunc) ? 'stylepack' : 'native';
  }
  return out;
}

export interface FastWasmKernelOptions {
  /** Which kernels to install (default all of FAST_WASM_KERNELS). */
  kernels?: readonly string[];
}

/**
 * Installs the fast tier for 'wasm' on engine `e`, each kernel replacing (and falling back to)
 * whatever was registered under its name, plus the Stylepack* kernels' gradients. Call after the
 * composed tier is registered. Idempotent: a repeat call switches the engine and only re-installs
 * kernels someone else replaced since. Returns the names installed.
 */
export function registerFastWasmKernels(e: fast.FastEngine, options: FastWasmKernelOptions = {}): string[] {
  fast.useFastEngine(e);
  heap.setHeapModule(e.heapModule ?? null);
  registerStylepackGradients();
  const done: string[] = [];
  for (const name of options.kernels ?? FAST_WASM_KERNELS) {
    const kernelFunc = byName.get(name)?.fast;
    if (!kernelFunc) throw new Error(`stylepack fast kernels: unknown kernel '${name}' (known: ${FAST_WASM_KERNELS.join(', ')})`);
    const existing = tf.getKernel(name, BACKEND);
    if (existing && FAST.has(existing.kernelFunc)) continue;
    if (existing) {
      previousKernels.set(name, existing);
      tf.unregisterKernel(name, BACKEND);
    }
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc });
    done.push(name);
  }
  return done;
}

/** Puts back the kernels registerFastWasmKernels replaced (for tests and A/B timing). */
export function unregisterFastWasmKernels(): void {
  for (const name of FAST_WASM_KERNELS) {
    const existing = tf.getKernel(name, BACKEND);
    if (!existing || !FAST.has(existing.kernelFunc)) continue;
    tf.unregisterKernel(name, BACKEND);
    const prev = previousKernels.get(name);
    if (prev) tf.registerKernel(prev);
  }
}

/** Which fast kernels are installed now, and how many calls went fast vs. to the fallback. */
export function fastWasmKernelStatus(): Record<string, { installed: boolean } & KernelCalls> {
  const out: Record<string, { installed: boolean } & KernelCalls> = {};
  for (const name of FAST_WASM_KERNELS) {
    const k = tf.getKernel(name, BACKEND);
    out[name] = { installed: !!k && FAST.has(k.kernelFunc), ...callsOf(name) };
  }
  return out;
}
