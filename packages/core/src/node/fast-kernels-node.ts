// Node host for stylepack's fast wasm kernels (kernels/fast-wasm.ts): loads the committed
// packages/core/native/kernels.wasm, gives it a shared WebAssembly.Memory, and runs every call on
// the main thread plus (threads − 1) worker_threads that instantiate the same module on the same
// memory (the calling convention is kernels/fast-engine.ts's).
//
//   STYLEPACK_FAST_KERNELS=0        turn the fast kernels off (wasm's own / composed kernels run)
//   STYLEPACK_THREADS=N             threads (default: os.availableParallelism(), at most 8)
//   STYLEPACK_FMA=1|0               relaxed-SIMD FMA build (kernels-fma.wasm): 1 = on (turns on V8's
//                                   --experimental-wasm-relaxed-simd where Node needs it, as Node 20
//                                   does), 0 = off; default: on where this Node validates it unflagged
//   STYLEPACK_FAST_KERNEL_LIST=a,b  only these kernels (default all of FAST_WASM_KERNELS: Conv2D, ..., Slice)
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { FAST_WASM_KERNELS, registerFastWasmKernels } from '../kernels/register-wasm.js';
import { createFastEngine, MAX_PAGES, WORKER_LOOP, describeFastKernels, type ClosableFastEngine, type FastKernelsResult, type WorkerInit } from '../kernels/fast-engine.js';

/** Path of the committed native module (same relative path from src/node and dist/node). */
export function fastKernelsWasmUrl(): URL {
  return new URL('../../native/kernels.wasm', import.meta.url);
}

/** native/heap-kernels.wasm, compiled, or undefined if it cannot be read (the heap kernels then run as JS). */
function compileHeapKernels(): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(readFileSync(new URL('../../native/heap-kernels.wasm', import.meta.url)) as unknown as BufferSource);
  } catch {
    return undefined;
  }
}

/** A worker thread running the engine's WORKER_LOOP on the shared memory. */
function spawnWorker(init: WorkerInit): Worker {
  const w = new Worker(`(${WORKER_LOOP})(require('node:worker_threads').workerData);`, { eval: true, workerData: init });
  w.unref();
  return w;
}

export type NodeFastEngine = ClosableFastEngine;

export interface NodeFastEngineOptions {
  threads?: number;
  /** The compiled module bytes (default: kernels.wasm, or kernels-fma.wasm per `fma`). */
  wasm?: Uint8Array;
  /** The relaxed-SIMD FMA build: true = required, false = never, default: STYLEPACK_FMA, else where valid. */
  fma?: boolean;
}

/**
 * The kernels-fma.wasm bytes when they should run: `want` true (STYLEPACK_FMA=1) turns on V8's
 * relaxed-SIMD flag if this Node does not validate the module without it, and throws if it still
 * cannot; undefined uses them where valid as is; false never.
 */
function fmaWasm(want: boolean | undefined): Uint8Array | null {
  if (want === false) return null;
  const bytes = readFileSync(new URL('../../native/kernels-fma.wasm', import.meta.url));
  if (WebAssembly.validate(bytes as unknown as BufferSource)) return bytes;
  if (!want) return null;
  setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20 (V8 11.3); Node 22 ships it on
  if (WebAssembly.validate(bytes as unknown as BufferSource)) return bytes;
  throw new Error(`stylepack fast kernels: this Node (${process.version}) cannot run relaxed-SIMD wasm (kernels-fma.wasm); unset STYLEPACK_FMA`);
}

function fmaFromEnv(): boolean | undefined {
  const v = process.env.STYLEPACK_FMA;
  return v === '1' ? true : v === '0' ? false : undefined;
}

function defaultThreads(): number {
  const env = Number(process.env.STYLEPACK_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 16);
  return Math.max(1, Math.min(8, availableParallelism()));
}

export function createNodeFastEngine(options: NodeFastEngineOptions = {}): NodeFastEngine {
  const threads = options.threads ?? defaultThreads();
  const fma = options.wasm ? null : fmaWasm(options.fma ?? fmaFromEnv());
  const module = new WebAssembly.Module((options.wasm ?? fma ?? readFileSync(fastKernelsWasmUrl())) as unknown as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const heapModule = compileHeapKernels();
  return createFastEngine({
    instance, module, memory, threads, fma: !!fma, spawn: spawnWorker, canBlock: true, ...(heapModule ? { heapModule } : {}),
  });
}

let shared: NodeFastEngine | null = null;

export type EnableFastKernelsResult = FastKernelsResult;

/**
 * Registers the fast kernels for tfjs's 'wasm' backend in this process (one shared engine), unless
 * STYLEPACK_FAST_KERNELS=0. Safe to call repeatedly. Never throws: a failure is reported in `off`
 * and wasm keeps its own kernels.
 */
export function enableFastWasmKernels(options: NodeFastEngineOptions & { kernels?: readonly string[] } = {}): EnableFastKernelsResult {
  if (process.env.STYLEPACK_FAST_KERNELS === '0') return { kernels: [], threads: 0, off: 'STYLEPACK_FAST_KERNELS=0' };
  try {
    shared ??= createNodeFastEngine(options);
    const list = options.kernels ?? process.env.STYLEPACK_FAST_KERNEL_LIST?.split(',').filter(Boolean);
    registerFastWasmKernels(shared, list ? { kernels: list } : {});
    return { kernels: list ? [...list] : [...FAST_WASM_KERNELS], threads: shared.threads, fma: shared.fma === true };
  } catch (e) {
    return { kernels: [], threads: 0, off: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * For initNodeBackend: when wasm was chosen, enables the fast kernels (unless
 * STYLEPACK_FAST_KERNELS=0), logs the outcome and adds it to the choice's detail.
 */
export function withFastWasmKernels<T extends { name: string; detail?: string }>(choice: T, log: (msg: string) => void = () => {}): T {
  if (choice.name !== 'wasm') return choice;
  const r = enableFastWasmKernels();
  const line = describeFastKernels(r);
  log(`wasm ${line}`);
  return { ...choice, detail: choice.detail ? `${choice.detail}; ${line}` : line };
}

export { fastWasmKernelStatus, registerFastWasmKernels, unregisterFastWasmKernels, FAST_WASM_KERNELS } from '../kernels/register-wasm.js';
export { setFastWasmWinograd } from '../kernels/fast-wasm.js';
