// Node host for stylepack's fast wasm kernels (kernels/fast-wasm.ts): loads the committed
// packages/core/native/kernels.wasm, gives it a shared WebAssembly.Memory, and runs every call on
// the main thread plus (threads − 1) worker_threads that instantiate the same module on the same
// memory. A call is dispatched through a control block in that memory (Atomics.wait/notify); the
// native code hands out its tasks with an atomic counter, so a thread whose core is busy with
// another process simply takes fewer of them.
//
//   STYLEPACK_FAST_KERNELS=0        turn the fast kernels off (wasm's own / composed kernels run)
//   STYLEPACK_THREADS=N             threads (default: os.availableParallelism(), at most 8)
//   STYLEPACK_FAST_KERNEL_LIST=a,b  only these kernels (default all of FAST_WASM_KERNELS: Conv2D, ..., Slice)
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  FAST_ENTRIES,
  FAST_WASM_KERNELS,
  registerFastWasmKernels,
  type FastEngine,
  type FastEntry,
} from '../kernels/fast-wasm.js';

const PAGE = 65536;
const STACK = 256 * 1024; // per worker; the main instance uses the linker's stack (build.sh)
const MAX_PAGES = 32768; // 2 GiB, as linked

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

interface Exports {
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
  [entry: string]: unknown;
}

// The worker: instantiate, move its stack, then loop on the control block forever.
// ctrl[0] generation, [1] entry index (−1 = exit), [2] args offset, [3] done count, [4] errors.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrlOffset, tid, nth, stackTop, entries } = workerData;
const inst = new WebAssembly.Instance(module, { env: { memory } });
inst.exports.__stack_pointer.value = stackTop;
const ctrl = new Int32Array(memory.buffer, ctrlOffset, 8);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  const which = Atomics.load(ctrl, 1);
  if (which < 0) break;
  try { inst.exports[entries[which]](Atomics.load(ctrl, 2), tid, nth); }
  catch (e) { Atomics.add(ctrl, 4, 1); }
  Atomics.add(ctrl, 3, 1);
  Atomics.notify(ctrl, 3);
}
`;

export interface NodeFastEngine extends FastEngine {
  /** Stops the worker threads (the engine is unusable afterwards). */
  close(): void;
}

export interface NodeFastEngineOptions {
  threads?: number;
  /** The compiled module bytes (default: read fastKernelsWasmUrl()). */
  wasm?: Uint8Array;
}

function defaultThreads(): number {
  const env = Number(process.env.STYLEPACK_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 16);
  return Math.max(1, Math.min(8, availableParallelism()));
}

export function createNodeFastEngine(options: NodeFastEngineOptions = {}): NodeFastEngine {
  const threads = options.threads ?? defaultThreads();
  const module = new WebAssembly.Module((options.wasm ?? readFileSync(fastKernelsWasmUrl())) as unknown as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const ex = inst.exports as unknown as Exports;
  const heapBase = Number(ex.__heap_base.value);
  // Layout after the linker's data: worker stacks, control block, args block, then scratch.
  const stacks = Math.ceil(heapBase / 16) * 16;
  const ctrlOffset = stacks + STACK * (threads - 1);
  const argsOffset = ctrlOffset + 64;
  const counterOffset = argsOffset + 32 * 4;
  const scratchBase = counterOffset + 64;
  const ensure = (bytes: number) => {
    const need = Math.ceil(bytes / PAGE);
    const have = memory.buffer.byteLength / PAGE;
    if (need > have) {
      if (need > MAX_PAGES) throw new Error(`stylepack fast kernels: needs ${bytes} bytes of scratch, over the 2 GiB limit`);
      memory.grow(need - have);
    }
  };
  ensure(scratchBase + PAGE);
  const ctrl = new Int32Array(memory.buffer, ctrlOffset, 8);
  const fns = FAST_ENTRIES.map((name) => {
    const f = (inst.exports as Record<string, unknown>)[name];
    if (typeof f !== 'function') throw new Error(`stylepack fast kernels: kernels.wasm lacks '${name}' (rebuild native/)`);
    return f as (args: number, tid: number, nth: number) => void;
  });
  const workers: Worker[] = [];
  for (let tid = 1; tid < threads; tid++) {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, memory, ctrlOffset, tid, nth: threads, stackTop: stacks + STACK * tid, entries: FAST_ENTRIES },
    });
    w.unref();
    workers.push(w);
  }
  let top = scratchBase;
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const refresh = () => {
    if (f32.buffer.byteLength !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
    }
  };
  let closed = false;

  const heapModule = compileHeapKernels();

  return {
    threads,
    heapModule,
    reset() {
      top = scratchBase;
    },
    alloc(bytes: number) {
      const off = top;
      top += Math.ceil(bytes / 16) * 16;
      ensure(top);
      return off;
    },
    heapF32() {
      refresh();
      return f32;
    },
    run(entry: FastEntry, args: number[]) {
      if (closed) throw new Error('stylepack fast kernels: engine closed');
      if (args.length > 31) throw new Error('stylepack fast kernels: too many arguments');
      refresh();
      const which = FAST_ENTRIES.indexOf(entry);
      i32.set(args, argsOffset >> 2);
      i32[(argsOffset >> 2) + 31] = counterOffset;
      Atomics.store(i32, counterOffset >> 2, 0);
      if (threads > 1) {
        Atomics.store(ctrl, 1, which);
        Atomics.store(ctrl, 2, argsOffset);
        Atomics.store(ctrl, 3, 0);
        Atomics.store(ctrl, 4, 0);
        Atomics.add(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
      }
      fns[which]!(argsOffset, 0, threads);
      if (threads > 1) {
        for (;;) {
          const done = Atomics.load(ctrl, 3);
          if (done >= threads - 1) break;
          Atomics.wait(ctrl, 3, done, 10_000);
        }
        if (Atomics.load(ctrl, 4) > 0) throw new Error(`stylepack fast kernels: ${entry} failed in a worker thread`);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (threads > 1) {
        Atomics.store(ctrl, 1, -1);
        Atomics.add(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
      }
      for (const w of workers) void w.terminate();
    },
  };
}

let shared: NodeFastEngine | null = null;

export interface EnableFastKernelsResult {
  /** Kernel names now served by the fast kernels (empty when off). */
  kernels: string[];
  threads: number;
  /** Why they are off, when they are. */
  off?: string;
}

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
    return { kernels: list ? [...list] : [...FAST_WASM_KERNELS], threads: shared.threads };
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
  const line = r.off ? `fast kernels off (${r.off})` : `fast kernels: ${r.kernels.join(', ')} on ${r.threads} thread${r.threads === 1 ? '' : 's'}`;
  log(`wasm ${line}`);
  return { ...choice, detail: choice.detail ? `${choice.detail}; ${line}` : line };
}

export { fastWasmKernelStatus, registerFastWasmKernels, unregisterFastWasmKernels, setFastWasmWinograd, FAST_WASM_KERNELS } from '../kernels/fast-wasm.js';
