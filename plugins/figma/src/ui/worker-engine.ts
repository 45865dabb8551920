// The panel's model engine in a Worker, so a tile (hundreds of ms on wasm) or a model load never
// freezes the panel. Figma's plugin iframe has an opaque origin: a Worker from a blob: URL is
// blob:null (refused by some hosts; in Chromium it also gets no navigator.gpu), so the worker
// starts from a tiny data: URL that evaluates the source it is sent: this panel's own bundle
// (the inline <script id="stylepack-ui"> of ui.html), whose entry (entry.ts) serves the model
// there. If no worker starts, the same engine runs on the panel thread (LocalEngine).
import type { PackTensor, RgbaImage } from '@stylepack/core';
import type { BackendPreference } from '../protocol.js';
import type { ActiveBackend } from './backend.js';
import { CancelledError, type StylizeOptions } from './engine.js';
import type { LearnProgress, LearnResult } from './learn.js';
import { bundledLossText } from './lossnet-source.js';
import { LocalEngine, type EngineFacts, type EngineMemory, type FromWorker, type LearnHandle, type LearnRequest, type ModelEngine, type RefineHandle, type ToWorker, type WorkerRequest } from './model-engine.js';
import type { RefineInput, RefineProgress, RefineResult } from './refine.js';
import type { FastKernelStatus } from './fast-kernels.js';

/** The worker's first script: wait for the bundle's source and run it. */
const BOOTSTRAP_URL = `data:text/javascript,${encodeURIComponent('onmessage = function (e) { onmessage = null; (0, eval)(e.data); };')}`;
const START_TIMEOUT_MS = 30_000;
/** While a stylize runs, how often the panel's cancel flag is checked. */
const CANCEL_POLL_MS = 50;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onTile?: (done: number, total: number) => void;
  onLog?: (line: string) => void;
  onProgress?: (p: LearnProgress) => void;
  onRefineProgress?: (p: RefineProgress) => void;
  onPhase?: (text: string) => void;
}

/** The engine for the panel: in a worker when the bundle's source is at hand, else local. */
export function createModelEngine(): ModelEngine {
  // Diagnostics (bench/plugin-panel.bench.ts compares both in one run): set before ui.html's script runs.
  if ((globalThis as { __stylepackModelOnPanelThread?: boolean }).__stylepackModelOnPanelThread) return new LocalEngine('panel thread (asked for)');
  const script = typeof document !== 'undefined' ? document.getElementById('stylepack-ui') : null;
  if (typeof Worker !== 'function' || !script?.textContent) return new LocalEngine();
  return new WorkerEngine(script.textContent);
}

export class WorkerEngine implements ModelEngine {
  private worker: Worker | null = null;
  private fallback: LocalEngine | null = null;
  private started: Promise<void> | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private deferred: Promise<unknown>[] = [];
  private facts: EngineFacts = { loads: 0, tileSize: null, backendName: null, memory: { numTensors: 0, numBytes: 0 }, fastKernels: {} };
  private modelSha: string | null = null;
  private lossnetSent = false;
  /** ms from posting the last cancel to the worker reporting the stylize stopped (tests). */
  lastCancelStopMs: number | null = null;

  constructor(private readonly source: string) {}

  get loads(): number {
    return this.fallback?.loads ?? this.facts.loads;
  }
  get tileSize(): number | null {
    return this.fallback ? this.fallback.tileSize : this.facts.tileSize;
  }
  get backendName(): string | null {
    return this.fallback ? this.fallback.backendName : this.facts.backendName;
  }
  get where(): string {
    return this.fallback?.where ?? 'worker';
  }
  memory(): EngineMemory {
    return this.fallback?.memory() ?? this.facts.memory;
  }
  fastKernels(): FastKernelStatus {
    return this.fallback?.fastKernels() ?? this.facts.fastKernels;
  }

  async ensureBackend(pref: BackendPreference, log?: (line: string) => void): Promise<ActiveBackend> {
    await this.flush();
    if (await this.useFallback()) return this.fallback!.ensureBackend(pref, log);
    return (await this.call({ op: 'backend', pref }, { onLog: log })) as ActiveBackend;
  }

  ensureModel(sha: string, weights: Record<string, PackTensor>): void {
    if (this.fallback) return this.fallback.ensureModel(sha, weights);
    // The weights cross once per base model; the worker rebuilds the model itself when the backend changed.
    const send = this.modelSha !== sha;
    this.modelSha = sha;
    this.deferred.push(this.call({ op: 'model', sha, ...(send ? { weights } : {}) }).catch((e) => ((this.modelSha = null), Promise.reject(e))));
  }

  setStyle(a: Record<string, PackTensor>, b: Record<string, PackTensor> | null, mix: number): void {
    if (this.fallback) return this.fallback.setStyle(a, b, mix);
    this.deferred.push(this.call({ op: 'style', a, b, mix }));
  }

  async calibrate(): Promise<number> {
    await this.flush();
    if (await this.useFallback()) return this.fallback!.calibrate();
    return (await this.call({ op: 'calibrate' })) as number;
  }

  async stylize(img: RgbaImage, opts: StylizeOptions): Promise<Uint8ClampedArray> {
    await this.flush();
    if (await this.useFallback()) return this.fallback!.stylize(img, opts);
    const id = this.nextId;
    let cancelPostedAt: number | null = null;
    const checkCancel = () => {
      if (cancelPostedAt !== null || !opts.isCancelled?.()) return;
      cancelPostedAt = performance.now();
      this.worker?.postMessage({ cancel: id } satisfies ToWorker);
    };
    const timer = setInterval(checkCancel, CANCEL_POLL_MS);
    try {
      const { strength, preserveColors, scale, tileSize, overlap } = opts;
      const wire = { strength, preserveColors, ...(scale !== undefined ? { scale } : {}), ...(tileSize !== undefined ? { tileSize } : {}), ...(overlap !== undefined ? { overlap } : {}) };
      return (await this.call({ op: 'stylize', img: { width: img.width, height: img.height, data: img.data }, opts: wire }, {
        onTile: (done, total) => {
          opts.onTile?.(done, total);
          checkCancel();
        },
      })) as Uint8ClampedArray;
    } catch (e) {
      if (e instanceof CancelledError && cancelPostedAt !== null) this.lastCancelStopMs = performance.now() - cancelPostedAt;
      throw e;
    } finally {
      clearInterval(timer);
    }
  }

  learn(opts: LearnRequest, onProgress: (p: LearnProgress) => void | Promise<void>, onPhase: (text: string) => void): LearnHandle {
    return this.longJob(
      () => this.fallback!.learn(opts, onProgress, onPhase),
      async (lossnet) => {
        // The panel's handlers may be async (preview encoding): run them one after another, in order.
        let handled: Promise<unknown> = Promise.resolve();
        const reply = this.call({ op: 'learn', opts, ...(lossnet ? { lossnet } : {}) }, { onProgress: (p) => (handled = handled.then(() => onProgress(p))), onPhase });
        const r = (await reply) as LearnResult;
        await handled;
        return r;
      },
    );
  }

  refine(input: RefineInput, onProgress: (p: RefineProgress) => void, onPhase: (text: string) => void): RefineHandle {
    return this.longJob(
      () => this.fallback!.refine(input, onProgress, onPhase),
      async (lossnet) => (await this.call({ op: 'refine', input, ...(lossnet ? { lossnet } : {}) }, { onRefineProgress: onProgress, onPhase })) as RefineResult,
    );
  }

  /**
   * A cancellable job that needs the loss network (Learn, Refine): in the worker, or on the panel
   * thread when no worker could start. `remote` must post its call before its first await, so the
   * job's id is known; a Cancel pressed before that is sent as soon as it is.
   */
  private longJob<R>(local: () => { result: Promise<R>; cancel: () => void }, remote: (lossnet: string | null) => Promise<R>): { result: Promise<R>; cancel: () => void } {
    let id: number | null = null;
    let cancelled = false;
    let localJob: { result: Promise<R>; cancel: () => void } | null = null;
    const result = (async (): Promise<R> => {
      await this.flush();
      if (await this.useFallback()) {
        localJob = local();
        if (cancelled) localJob.cancel();
        return localJob.result;
      }
      const lossnet = this.lossnetSent ? null : bundledLossText();
      this.lossnetSent = true;
      id = this.nextId;
      const reply = remote(lossnet);
      if (cancelled) this.worker?.postMessage({ cancel: id } satisfies ToWorker);
      return reply;
    })();
    return {
      result,
      cancel: () => {
        cancelled = true;
        if (id !== null) this.worker?.postMessage({ cancel: id } satisfies ToWorker);
        localJob?.cancel();
      },
    };
  }

  /** Errors of queued calls (ensureModel, setStyle) surface here, as LocalEngine does. */
  private async flush(): Promise<void> {
    const queued = this.deferred.splice(0);
    await Promise.all(queued);
  }

  /** Start the worker once; true when it could not start and the local engine is in use. */
  private async useFallback(): Promise<boolean> {
    if (!this.fallback && !this.worker) {
      this.started ??= this.start().catch((e) => {
        const why = e instanceof Error ? e.message : String(e);
        console.warn(`[stylepack] model worker unavailable (${why}); running the model on the panel thread`);
        this.fallback = new LocalEngine(`panel thread (no worker: ${why})`);
      });
      await this.started;
    }
    return this.fallback !== null;
  }

  private start(): Promise<void> {
    const w = new Worker(BOOTSTRAP_URL);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`it did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const fail = (e: Error) => {
        clearTimeout(timer);
        w.terminate();
        reject(e);
      };
      w.onerror = (e) => fail(new Error(e.message || 'it failed to start'));
      w.onmessage = (e: MessageEvent<FromWorker>) => {
        if (!('ready' in e.data)) return;
        clearTimeout(timer);
        w.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
        w.onerror = (ev) => this.crashed(new Error(`The model worker failed: ${ev.message || 'unknown error'}`));
        this.worker = w;
        resolve();
      };
      w.postMessage(this.source);
    });
  }

  private call(req: WorkerRequest, hooks: Omit<Pending, 'resolve' | 'reject'> = {}): Promise<unknown> {
    const id = this.nextId++;
    return (this.started ?? (this.started = this.useFallback().then(() => undefined))).then(
      () =>
        new Promise((resolve, reject) => {
          if (!this.worker) return reject(new Error('The model worker is not running.'));
          this.pending.set(id, { resolve, reject, ...hooks });
          this.worker.postMessage({ id, req } satisfies ToWorker);
        }),
    );
  }

  private receive(msg: FromWorker): void {
    if ('ready' in msg) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if ('log' in msg) return p.onLog?.(msg.log);
    if ('tile' in msg) return p.onTile?.(msg.tile[0], msg.tile[1]);
    if ('progress' in msg) return p.onProgress?.(msg.progress);
    if ('refineProgress' in msg) return p.onRefineProgress?.(msg.refineProgress);
    if ('phase' in msg) return p.onPhase?.(msg.phase);
    this.pending.delete(msg.id);
    this.facts = msg.facts;
    if (msg.ok) p.resolve(msg.result);
    else p.reject(msg.cancelled ? new CancelledError() : new Error(msg.error));
  }

  /** The worker died: fail what it was doing, and run the model on the panel thread from now on. */
  private crashed(e: Error): void {
    console.warn(`[stylepack] ${e.message}; running the model on the panel thread`);
    this.worker?.terminate();
    this.worker = null;
    this.fallback = new LocalEngine(`panel thread (the worker failed: ${e.message})`);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
