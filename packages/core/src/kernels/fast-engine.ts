// The JS side of the native kernels' calling convention (native/kernels.c), for any host: the
// memory layout after the module's own data, the scratch allocator, and one call run on every
// thread. Hosts supply the instance and, for more than one thread, the workers:
// node/fast-kernels-node.ts (worker_threads) and kernels/fast-engine-web.ts (Web Workers when the
// page is cross-origin isolated, else one thread on kernels-st.wasm).
//
// A call is dispatched through a control block in the shared memory: ctrl[0] generation, [1] entry
// index (−1 = exit), [2] args offset, [3] done count, [4] errors. The native code hands out its
// tasks with an atomic counter (args[31]), so a thread whose core is busy with another process
// simply takes fewer of them. Universal code: no Node or DOM imports.
import { FAST_ENTRIES, type FastEngine, type FastEntry } from './fast-wasm.js';

export const PAGE = 65536;
/** Stack per worker; the main instance uses the linker's stack (native/build.sh). */
export const STACK = 256 * 1024;
/** 2 GiB, as linked. */
export const MAX_PAGES = 32768;

/** What a worker needs to join the engine (structured-clonable: module and shared memory). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrlOffset: number;
  tid: number;
  nth: number;
  stackTop: number;
  entries: readonly FastEntry[];
}

/**
 * A worker's body, as source text: `(WORKER_LOOP)(init, ready?)` instantiates the module on the
 * shared memory, moves its stack to `stackTop`, calls `ready`, then runs each dispatched call
 * until told to exit.
 */
export const WORKER_LOOP = `function (init, ready) {
  const { module, memory, ctrlOffset, tid, nth, stackTop, entries } = init;
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  inst.exports.__stack_pointer.value = stackTop;
  if (ready) ready();
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
}`;

/** What enabling the fast kernels did (Node's enableFastWasmKernels, the browser's enableWebFastWasmKernels). */
export interface FastKernelsResult {
  /** Kernel names now served by the fast kernels (empty when off). */
  kernels: string[];
  threads: number;
  /** Whether the GEMMs use relaxed SIMD's fused multiply-add (the engine validated kernels-*fma.wasm). */
  fma?: boolean;
  /** Why they are off, when they are. */
  off?: string;
}

/** One line for logs and the plugin's backend tooltip. */
export function describeFastKernels(r: FastKernelsResult): string {
  if (r.off) return `fast kernels off (${r.off})`;
  return `fast kernels: ${r.kernels.join(', ')} on ${r.threads} thread${r.threads === 1 ? '' : 's'}${r.fma ? ', relaxed-SIMD FMA' : ''}`;
}

export interface ClosableFastEngine extends FastEngine {
  /** Stops the worker threads (the engine is unusable afterwards). */
  close(): void;
  /** Resolves once every worker runs (a browser starts workers only while its main thread is free). */
  readonly ready: Promise<void>;
}

/** A started worker, as `spawn` returns it. */
export interface SpawnedWorker {
  terminate(): void;
  /** Resolves when the worker has instantiated the module (default: at once). */
  ready?: Promise<void>;
}

export interface FastEngineParts {
  /** The kernels module instantiated on `memory` ({ env: { memory } }). */
  instance: WebAssembly.Instance;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Threads, the caller's included; more than 1 needs a shared memory and `spawn`. */
  threads: number;
  /** The module is a relaxed-SIMD (FMA) build. */
  fma?: boolean;
  /** Starts one worker running WORKER_LOOP with this init; returns how to stop it. */
  spawn?: (init: WorkerInit) => SpawnedWorker;
  /**
   * Whether this thread may block in Atomics.wait (Node's main thread may, a browser's may not:
   * there the caller spins until the workers are done).
   */
  canBlock: boolean;
  heapModule?: WebAssembly.Module;
}

interface Exports {
  __heap_base: WebAssembly.Global;
}

export function createFastEngine(p: FastEngineParts): ClosableFastEngine {
  const { memory, threads } = p;
  if (threads > 1 && !p.spawn) throw new Error('stylepack fast kernels: more than one thread needs a way to start workers');
  const heapBase = Number((p.instance.exports as unknown as Exports).__heap_base.value);
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
  const fns = FAST_ENTRIES.map((name) => {
    const f = (p.instance.exports as Record<string, unknown>)[name];
    if (typeof f !== 'function') throw new Error(`stylepack fast kernels: the kernels module lacks '${name}' (rebuild native/)`);
    return f as (args: number, tid: number, nth: number) => void;
  });
  // Views are fetched again after the memory grew (a plain memory's old buffer is then detached).
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  let ctrl = new Int32Array(memory.buffer, ctrlOffset, 8);
  const refresh = () => {
    if (f32.buffer.byteLength !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer);
      i32 = new Int32Array(memory.buffer);
      ctrl = new Int32Array(memory.buffer, ctrlOffset, 8);
    }
  };
  const workers: SpawnedWorker[] = [];
  for (let tid = 1; tid < threads; tid++) {
    workers.push(p.spawn!({ module: p.module, memory, ctrlOffset, tid, nth: threads, stackTop: stacks + STACK * tid, entries: FAST_ENTRIES }));
  }
  const waitForWorkers = () => {
    for (;;) {
      const done = Atomics.load(ctrl, 3);
      if (done >= threads - 1) break;
      if (p.canBlock) Atomics.wait(ctrl, 3, done, 10_000);
    }
  };
  let top = scratchBase;
  let closed = false;

  return {
    threads,
    fma: p.fma === true,
    ready: Promise.all(workers.map((w) => w.ready)).then(() => {}),
    ...(p.heapModule ? { heapModule: p.heapModule } : {}),
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
      i32[counterOffset >> 2] = 0;
      if (threads > 1) {
        Atomics.store(i32, counterOffset >> 2, 0);
        Atomics.store(ctrl, 1, which);
        Atomics.store(ctrl, 2, argsOffset);
        Atomics.store(ctrl, 3, 0);
        Atomics.store(ctrl, 4, 0);
        Atomics.add(ctrl, 0, 1);
        Atomics.notify(ctrl, 0);
      }
      fns[which]!(argsOffset, 0, threads);
      if (threads > 1) {
        waitForWorkers();
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
      for (const w of workers) w.terminate();
    },
  };
}
