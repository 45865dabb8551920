// Node backend set-up: tfjs-node when it is installed (optional; its native download fails in some
// environments), else wasm with its binaries found in the installed package, else cpu.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice, type BackendName } from '../backend/select.js';
import type { WasmGradientOptions } from '../kernels/register-wasm.js';
import { withFastWasmKernels } from './fast-kernels-node.js'; // STYLEPACK_FAST_KERNELS=0 turns them off

/** Node's order for 'auto'. */
export const NODE_BACKEND_ORDER = ['tensorflow', 'wasm', 'cpu'] as const satisfies readonly BackendName[];

const require = createRequire(import.meta.url);

/** The installed @tensorflow/tfjs-backend-wasm dist folder (with the .wasm binaries), '/'-terminated. */
export function nodeWasmPaths(): string {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'dist') + '/';
}

/**
 * Imports tfjs-node if it is installed. The specifier is a variable so that TypeScript and bundlers
 * leave it alone. tfjs-node must share our tfjs-core instance to register its backend with it; a
 * duplicate copy would register elsewhere and 'tensorflow' would still be missing (reported).
 */
async function importTfjsNode(): Promise<void> {
  const specifier = '@tensorflow/tfjs-node';
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch {
    throw new Error(`${specifier} is not installed`);
  }
  await import(pathToFileURL(resolved).href);
  if (!tf.findBackendFactory('tensorflow') && !tf.findBackend('tensorflow')) {
    throw new Error(`${specifier} loaded but registered no 'tensorflow' backend with this copy of tfjs`);
  }
}

export interface NodeBackendOptions {
  wasmGradients?: WasmGradientOptions;
}

/**
 * Picks and activates the Node backend. 'auto' (default) tries tensorflow → wasm → cpu; a named
 * backend is tried first with the rest of that order as fallbacks (so 'wasm' falls back to cpu,
 * never fails silently). Every step is logged through `log` (defaults to silent).
 */
export async function initNodeBackend(
  preferred: BackendName | 'auto' = 'auto',
  log: (msg: string) => void = () => {},
  options: NodeBackendOptions = {},
): Promise<BackendChoice> {
  const order: BackendName[] =
    preferred === 'auto' ? [...NODE_BACKEND_ORDER] : [preferred, ...NODE_BACKEND_ORDER.filter((n) => n !== preferred)];
  let wasmPaths: string | undefined;
  try {
    wasmPaths = nodeWasmPaths();
  } catch {
    wasmPaths = undefined; // wasm then fails in selectBackend with its own reason, and cpu is used
  }
  return withFastWasmKernels(await selectBackend(order, {
    log,
    ...(wasmPaths ? { wasmPaths } : {}),
    ...(options.wasmGradients ? { wasmGradients: options.wasmGradients } : {}),
    prepare: async (name) => {
      if (name === 'tensorflow') await importTfjsNode();
    },
  }), log);
}
