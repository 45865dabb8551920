// Picks the tfjs backend for the panel: the user's choice first, then the browser order
// (webgpu → webgl → wasm → cpu), via @stylepack/core's selectBackend. The wasm binaries are
// inlined in ui.html (base64) and handed to tfjs as bytes (inline-wasm.ts), because a Figma
// plugin's UI is one HTML document with no network (manifest networkAccess: none).
import * as tf from '@tensorflow/tfjs';
import { BROWSER_BACKEND_ORDER, describeBackendChoice, selectBackend, type BackendName } from '@stylepack/core';
import type { BackendPreference } from '../protocol.js';
import { enableFastKernels } from './fast-kernels.js';
import { useInlineWasm } from './inline-wasm.js';

export interface ActiveBackend {
  name: string;
  /** "wasm (SIMD, single-threaded; webgpu: navigator.gpu is undefined; …)" */
  description: string;
}

let current: { pref: BackendPreference; active: ActiveBackend } | null = null;

/** Backend order for a preference: the chosen one first, the others as fallbacks. */
export function backendOrder(pref: BackendPreference): BackendName[] {
  const order: BackendName[] = [...BROWSER_BACKEND_ORDER];
  if (pref === 'auto') return order;
  return [pref, ...order.filter((b) => b !== pref)];
}

export async function ensureBackend(pref: BackendPreference, log: (line: string) => void = () => {}): Promise<ActiveBackend> {
  if (current && current.pref === pref && tf.getBackend() === current.active.name) return current.active;
  const choice = await selectBackend(backendOrder(pref), {
    log,
    prepare: async (name) => {
      // No SharedArrayBuffer in a plugin iframe (not cross-origin isolated): we ship the
      // single-threaded binaries only, so make sure tfjs never asks for the threaded one.
      if (name === 'wasm') {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        useInlineWasm();
      }
    },
  });
  if (choice.name === 'wasm') choice.detail = [choice.detail, await enableFastKernels()].filter(Boolean).join('; ');
  const active = { name: choice.name, description: describeBackendChoice(choice) };
  current = { pref, active };
  return active;
}
