// Browser host for stylepack's fast wasm kernels (kernels/fast-wasm.ts): the same native modules
// as Node, given as bytes (a Figma plugin has no network, and blob: URLs are unreliable in its
// opaque-origin iframe). Without SharedArrayBuffer (any page that is not cross-origin isolated,
// e.g. the plugin iframe) one thread runs kernels-st.wasm on a plain memory; a cross-origin isolated
// page runs kernels.wasm on a shared memory with Web Workers (started from a blob: URL, which such
// a page can use). Compiled asynchronously: browsers refuse large synchronous compiles on the
// main thread. Universal code: no Node imports; DOM globals are looked up, not assumed.
import { createFastEngine, describeFastKernels, MAX_PAGES, WORKER_LOOP, type ClosableFastEngine, type FastKernelsResult, type SpawnedWorker, type WorkerInit } from './fast-engine.js';
import { FAST_WASM_KERNELS, registerFastWasmKernels } from './register-wasm.js';

/** The native modules (packages/core/native/*.wasm) as bytes. */
export interface WebFastKernelBytes {
  /** kernels-st.wasm: single-threaded, plain memory. */
  single: Uint8Array;
  /** kernels.wasm: threaded, shared memory (used only where SharedArrayBuffer exists). */
  threaded?: Uint8Array;
  /** kernels-st-fma.wasm / kernels-fma.wasm: the same with relaxed-SIMD FMA, used where the engine validates them. */
  singleFma?: Uint8Array;
  threadedFma?: Uint8Array;
  /** heap-kernels.wasm (without it the heap kernels run as plain JS). */
  heap?: Uint8Array;
}

export interface WebFastKernelOptions {
  /** Threads when the page is cross-origin isolated (default: hardwareConcurrency, at most 8); else 1. */
  threads?: number;
  /** Which kernels to install (default all of FAST_WASM_KERNELS). */
  kernels?: readonly string[];
  /** Use the relaxed-SIMD (FMA) build where the engine accepts it (default true). */
  fma?: boolean;
}

interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => {
    postMessage(m: unknown): void;
    terminate(): void;
    onmessage: ((e: unknown) => void) | null;
    onerror: ((e: unknown) => void) | null;
  };
  Blob?: new (parts: string[], o: { type: string }) => unknown;
  URL?: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void };
}

/** Threads this page can run the kernels on: more than one only with SharedArrayBuffer and Workers. */
export function webFastKernelThreads(requested?: number): number {
  const g = globalThis as WebGlobals;
  const canShare = g.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' && !!g.Worker && !!g.Blob && !!g.URL;
  if (!canShare) return 1;
  return Math.max(1, Math.min(requested ?? Math.min(8, g.navigator?.hardwareConcurrency ?? 1), 16));
}

function spawnWebWorker(init: WorkerInit): SpawnedWorker {
  const g = globalThis as unknown as Required<WebGlobals>;
  const url = g.URL.createObjectURL(new g.Blob([`onmessage = (e) => (${WORKER_LOOP})(e.data, () => postMessage('ready'));`], { type: 'text/javascript' }));
  const w = new g.Worker(url);
  const ready = new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(new Error(`stylepack fast kernels: a worker failed to start (${(e as { message?: string }).message ?? 'no message'})`));
  }).finally(() => g.URL.revokeObjectURL(url));
  w.postMessage(init);
  return { terminate: () => w.terminate(), ready };
}

export async function createWebFastEngine(bytes: WebFastKernelBytes, options: WebFastKernelOptions = {}): Promise<ClosableFastEngine> {
  const threads = bytes.threaded ? webFastKernelThreads(options.threads) : 1;
  const shared = threads > 1;
  const fmaBytes = options.fma === false ? undefined : shared ? bytes.threadedFma : bytes.singleFma;
  // Feature detection: the relaxed-SIMD build where this engine validates it.
  const fma = !!fmaBytes && WebAssembly.validate(fmaBytes as BufferSource);
  const module = await WebAssembly.compile((fma ? fmaBytes! : shared ? bytes.threaded! : bytes.single) as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, ...(shared ? { shared: true } : {}) });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const heapModule = bytes.heap ? await WebAssembly.compile(bytes.heap as BufferSource) : undefined;
  const engine = createFastEngine({
    instance, module, memory, threads, fma, canBlock: false, ...(shared ? { spawn: spawnWebWorker } : {}), ...(heapModule ? { heapModule } : {}),
  });
  try {
    await engine.ready; // the main thread never waits on a worker that has not started
  } catch (e) {
    engine.close();
    throw e;
  }
  return engine;
}

let active: ClosableFastEngine | null = null;

/**
 * Registers the fast kernels for tfjs's 'wasm' backend in this page (one engine per page). Call
 * once wasm is the active backend. Never throws: a failure is reported in `off`, and wasm keeps
 * its own kernels.
 */
export async function enableWebFastWasmKernels(bytes: WebFastKernelBytes, options: WebFastKernelOptions = {}): Promise<FastKernelsResult & { line: string }> {
  let r: FastKernelsResult;
  try {
    active ??= await createWebFastEngine(bytes, options);
    registerFastWasmKernels(active, options.kernels ? { kernels: options.kernels } : {});
    r = { kernels: [...(options.kernels ?? FAST_WASM_KERNELS)], threads: active.threads, fma: active.fma === true };
  } catch (e) {
    r = { kernels: [], threads: 0, off: e instanceof Error ? e.message : String(e) };
  }
  return { ...r, line: describeFastKernels(r) };
}
