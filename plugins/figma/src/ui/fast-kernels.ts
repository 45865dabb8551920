// The panel's wasm path runs stylepack's own native kernels (SIMD GEMM/Winograd convolutions, fused
// instance norm, heap kernels), as Node does: ~10× faster than stock tfjs-wasm for a stylize. The
// modules are inlined in ui.html (build-fast-kernels.mjs) and compiled from bytes. In Figma's
// iframe (opaque origin, no SharedArrayBuffer) they run on one thread; with relaxed-SIMD FMA where
// the engine validates it (Chromium/Electron does).
import { enableWebFastWasmKernels, fastWasmKernelStatus } from '@stylepack/core';
import { FAST_KERNEL_WASM } from 'stylepack:fast-kernels';
import { base64ToBytes } from './base64.js';

let enabled: ReturnType<typeof enableWebFastWasmKernels> | null = null;

/** Registers the fast kernels for tfjs's wasm backend (once; call with wasm active). Resolves to a line for the backend's description. */
export async function enableFastKernels(): Promise<string> {
  if (!FAST_KERNEL_WASM) return 'fast kernels off (not in this build)';
  const bytes = Object.fromEntries(Object.entries(FAST_KERNEL_WASM).map(([k, b64]) => [k, base64ToBytes(b64)]));
  enabled ??= enableWebFastWasmKernels(bytes as unknown as Parameters<typeof enableWebFastWasmKernels>[0]);
  return (await enabled).line;
}

/** Which kernels are stylepack's now, and how many calls each served (for tests and the bench). */
export const fastKernelStatus = fastWasmKernelStatus;
export type FastKernelStatus = ReturnType<typeof fastWasmKernelStatus>;
