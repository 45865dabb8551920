// What the fast wasm kernels replaced, and how many calls they served: a case a kernel does not
// handle goes to the kernel that was registered before it (register-wasm.ts records it here).
import * as tf from '@tensorflow/tfjs';

export interface KernelCalls {
  /** Calls ours served. */
  fast: number;
  /** Calls passed on to the kernel ours replaced. */
  fallback: number;
  /** Of the fast calls, those on a Winograd path. */
  winograd: number;
}

/** The kernels ours replaced, by name. */
export const previousKernels = new Map<string, tf.KernelConfig>();
const calls = new Map<string, KernelCalls>();

/** Counts a call: ours (fast; wino: on the Winograd path) or the previous kernel's. */
export function count(name: string, fast: boolean, wino = false): void {
  const s = calls.get(name) ?? { fast: 0, fallback: 0, winograd: 0 };
  if (fast) s.fast++;
  else s.fallback++;
  if (wino) s.winograd++;
  calls.set(name, s);
}

export function callsOf(name: string): KernelCalls {
  return { ...(calls.get(name) ?? { fast: 0, fallback: 0, winograd: 0 }) };
}

/** Runs the kernel `name` replaced (and counts the call). */
export function fallback(name: string, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | tf.TensorInfo[] {
  count(name, false);
  const prev = previousKernels.get(name);
  if (!prev) throw new Error(`stylepack fast kernels: no fallback for '${name}' on wasm`);
  return prev.kernelFunc(args);
}
