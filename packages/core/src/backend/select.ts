// Backend choice, shared by the browser (Figma plugin UI) and Node. Universal code: no Node
// imports. The webgpu and wasm backend packages are imported lazily, only when tried, so a
// process that never asks for them never loads them. tfjs-node ('tensorflow') is never imported
// here (bundlers would try to resolve it); Node code registers it through `prepare`
// (see node/backend-node.ts) or by importing it before calling selectBackend.
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradientKernels, type WasmGradientOptions } from '../kernels/register-wasm.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendAttempt {
  name: BackendName;
  /** Why this backend was skipped; absent for the chosen one. */
  error?: string;
}

export interface BackendChoice {
  /** The backend now active in tf. */
  name: BackendName;
  /** Every backend tried, in order, the chosen one last. */
  tried: BackendAttempt[];
  /** Human-readable extras, e.g. "SIMD, 1 thread, stylepack gradient kernels: Conv2DBackpropFilter, …". */
  detail?: string;
}

export interface SelectBackendOptions {
  /** Receives one line per step ("webgpu unavailable: …; trying webgl", "backend: wasm (…)"). */
  log?: (msg: string) => void;
  /**
   * Called before `tf.setBackend(name)` for each backend tried, after the built-in preparation
   * (lazy import of the webgpu/wasm packages). Throwing skips that backend with the error logged.
   * Node uses it to import tfjs-node and to point wasm at its binaries.
   */
  prepare?: (name: BackendName) => Promise<void>;
  /** Passed to wasm's setWasmPaths (a directory prefix ending in '/', or a per-file map). */
  wasmPaths?: string | Record<string, string>;
  /** Options for the wasm gradient kernels registered when wasm is chosen. */
  wasmGradients?: WasmGradientOptions;
}

/** Fastest first, for the browser. */
export const BROWSER_BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const satisfies readonly BackendName[];

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  return String(e);
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter(opts?: object): Promise<unknown> };
}

/** Built-in preparation per backend: availability checks and lazy package imports. */
async function builtInPrepare(name: BackendName, opts: SelectBackendOptions): Promise<void> {
  switch (name) {
    case 'webgpu': {
      const nav = (globalThis as { navigator?: NavigatorWithGpu }).navigator;
      if (!nav) throw new Error('navigator is undefined (not a browser)');
      if (!nav.gpu) throw new Error('navigator.gpu is undefined');
      const adapter = await nav.gpu.requestAdapter();
      if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null (no usable GPU)');
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (opts.wasmPaths !== undefined && tf.findBackend('wasm') == null) {
        wasm.setWasmPaths(opts.wasmPaths);
      }
      return;
    }
    case 'webgl':
    case 'tensorflow':
    case 'cpu':
      return;
  }
}

/** Runs one tiny op and reads it back, so a backend that initialises but cannot compute is skipped. */
async function smokeTest(): Promise<void> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
  try {
    const v = await t.data();
    if (v[0] !== 2 || v[1] !== 3) throw new Error(`smoke test computed [${Array.from(v).join(', ')}], expected [2, 3]`);
  } finally {
    t.dispose();
  }
}

function wasmDetail(registered: string[]): string {
  const env = tf.env();
  const flag = (f: string): boolean => {
    try {
      return env.getBool(f);
    } catch {
      return false;
    }
  };
  const simd = flag('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  const threads = flag('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi-threaded' : 'single-threaded';
  const kernels = registered.length ? `; stylepack gradient kernels: ${registered.join(', ')}` : '';
  return `${simd}, ${threads}${kernels}`;
}

/**
 * Tries each backend in `preference` order and makes the first that works the active tf backend.
 * Every failure is caught and logged with its reason; throws only if none works. When wasm is
 * chosen, the missing gradient kernels are registered (registerWasmGradientKernels).
 */
export async function selectBackend(
  preference: readonly BackendName[],
  opts: SelectBackendOptions = {},
): Promise<BackendChoice> {
  const log = opts.log ?? (() => {});
  const tried: BackendAttempt[] = [];
  const order = preference.filter((n, i) => preference.indexOf(n) === i);
  for (let i = 0; i < order.length; i++) {
    const name = order[i]!;
    try {
      await builtInPrepare(name, opts);
      if (opts.prepare) await opts.prepare(name);
      if (!tf.findBackendFactory(name) && !tf.findBackend(name)) {
        throw new Error(`no '${name}' backend is registered with tfjs`);
      }
      // Our kernels go in before the backend initialises; harmless if it already has.
      const registered = name === 'wasm' ? registerWasmGradientKernels(opts.wasmGradients) : [];
      // tfjs logs its own warning when a backend's initialisation fails; we report the outcome.
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise the backend`);
      await tf.ready();
      await smokeTest();
      tried.push({ name });
      const detail = name === 'wasm' ? wasmDetail(registered) : undefined;
      log(`backend: ${name}${detail ? ` (${detail})` : ''}`);
      return detail ? { name, tried, detail } : { name, tried };
    } catch (e) {
      const error = errorText(e);
      tried.push({ name, error });
      const next = order[i + 1];
      log(`${name} unavailable: ${error}${next ? `; trying ${next}` : ''}`);
    }
  }
  const reasons = tried.map((t) => `${t.name}: ${t.error ?? '?'}`).join('; ');
  throw new Error(`no usable tfjs backend (tried ${reasons || 'nothing'})`);
}

/** One line for logs: "wasm (webgpu: navigator.gpu is undefined)". */
export function describeBackendChoice(choice: BackendChoice): string {
  const skipped = choice.tried.filter((t) => t.error).map((t) => `${t.name}: ${t.error}`);
  const extras = [choice.detail, ...skipped].filter(Boolean);
  return extras.length ? `${choice.name} (${extras.join('; ')})` : choice.name;
}
