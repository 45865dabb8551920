// What the panel needs from the model side (backend choice + StyleEngine), as one interface with
// two homes: LocalEngine runs it on the panel's own thread; WorkerEngine (worker-engine.ts) runs
// the same code in a Worker so tiles and model loads never freeze the panel. The messages
// between WorkerEngine and the worker (model-worker.ts) are defined here too.
import * as tf from '@tensorflow/tfjs';
import type { MobileNetSource, PackTensor, RgbaImage } from '@stylepack/core';
import type { BackendPreference } from '../protocol.js';
import { ensureBackend, type ActiveBackend } from './backend.js';
import { StyleEngine, type StylizeOptions } from './engine.js';
import { fastKernelStatus, type FastKernelStatus } from './fast-kernels.js';
import { StyleLearner, type LearnOptions, type LearnProgress, type LearnResult } from './learn.js';
import { bundledLossSource } from './lossnet-source.js';
import { Refiner, type RefineInput, type RefineProgress, type RefineResult } from './refine.js';

/** What Learn style needs, less the loss network (each engine knows where its copy is). */
export type LearnRequest = Omit<LearnOptions, 'lossSource'>;

/** A running Learn style. */
export interface LearnHandle {
  result: Promise<LearnResult>;
  /** Stop after the current step (the result then has cancelled: true). */
  cancel(): void;
}

/** A running Refine. */
export interface RefineHandle {
  result: Promise<RefineResult>;
  /** Stop after the current step (the result then has cancelled: true and no image). */
  cancel(): void;
}

export interface EngineMemory {
  numTensors: number;
  numBytes: number;
}

export interface ModelEngine {
  /** Generators built so far (tests assert the model loads once per base model and backend). */
  readonly loads: number;
  /** Tile side the engine calibrated / re-aimed to, or null before calibration. */
  readonly tileSize: number | null;
  /** The tf backend the model runs on, once ensureBackend has run. */
  readonly backendName: string | null;
  /** Where the model runs, for the badge's tooltip ("worker", or why not). */
  readonly where: string;
  ensureBackend(pref: BackendPreference, log?: (line: string) => void): Promise<ActiveBackend>;
  /** Queue loading the base model (errors surface from the next awaited call). */
  ensureModel(sha: string, weights: Record<string, PackTensor>): void;
  /** Queue writing a style (or a blend) into the model (errors surface from the next awaited call). */
  setStyle(a: Record<string, PackTensor>, b: Record<string, PackTensor> | null, mix: number): void;
  calibrate(): Promise<number>;
  stylize(img: RgbaImage, opts: StylizeOptions): Promise<Uint8ClampedArray>;
  /** Learn a style (StyleLearner); progress and phase texts as it goes. */
  learn(opts: LearnRequest, onProgress: (p: LearnProgress) => void | Promise<void>, onPhase: (text: string) => void): LearnHandle;
  /** Refine a feed-forward result towards a style image (refine.ts); progress as it goes. */
  refine(input: RefineInput, onProgress: (p: RefineProgress) => void, onPhase: (text: string) => void): RefineHandle;
  /** tf.memory() where the model runs (after the last call, for the worker). */
  memory(): EngineMemory;
  /** stylepack's wasm kernels where the model runs: installed, calls served (after the last call, for the worker). */
  fastKernels(): FastKernelStatus;
}

/** The model on the panel's own thread (also the fallback when no Worker can start). */
export class LocalEngine implements ModelEngine {
  readonly engine = new StyleEngine();
  private deferred: unknown = null;

  constructor(
    readonly where = 'panel thread',
    private readonly lossSource: () => MobileNetSource = bundledLossSource,
  ) {}

  get loads(): number {
    return this.engine.loads;
  }
  get tileSize(): number | null {
    return this.engine.tileSize;
  }
  get backendName(): string | null {
    return this.engine.backend ?? (tf.getBackend() || null);
  }
  ensureBackend(pref: BackendPreference, log?: (line: string) => void): Promise<ActiveBackend> {
    return ensureBackend(pref, log);
  }
  ensureModel(sha: string, weights: Record<string, PackTensor>): void {
    this.run(() => this.engine.ensureModel(sha, weights));
  }
  setStyle(a: Record<string, PackTensor>, b: Record<string, PackTensor> | null, mix: number): void {
    this.run(() => this.engine.setStyle(a, b, mix));
  }
  async calibrate(): Promise<number> {
    this.rethrow();
    return this.engine.calibrate();
  }
  async stylize(img: RgbaImage, opts: StylizeOptions): Promise<Uint8ClampedArray> {
    this.rethrow();
    return this.engine.stylize(img, opts);
  }
  learn(opts: LearnRequest, onProgress: (p: LearnProgress) => void | Promise<void>, onPhase: (text: string) => void): LearnHandle {
    const learner = new StyleLearner({ ...opts, lossSource: this.lossSource });
    return { result: learner.run(onProgress, onPhase), cancel: () => learner.cancel() };
  }
  refine(input: RefineInput, onProgress: (p: RefineProgress) => void, onPhase: (text: string) => void): RefineHandle {
    try {
      const refiner = new Refiner(input, this.lossSource);
      return { result: refiner.run(onProgress, onPhase), cancel: () => refiner.cancel() };
    } catch (e) {
      return { result: Promise.reject(e), cancel: () => {} };
    }
  }
  memory(): EngineMemory {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }
  fastKernels(): FastKernelStatus {
    return fastKernelStatus();
  }
  /** Queued calls report their errors from the next awaited call, as in the worker. */
  private run(fn: () => unknown): void {
    if (this.deferred) return;
    try {
      fn();
    } catch (e) {
      this.deferred = e ?? new Error('unknown error');
    }
  }
  private rethrow(): void {
    const e = this.deferred;
    this.deferred = null;
    if (e) throw e;
  }
}

// ---------------------------------------------------------------- worker messages

/** Options of a stylize call that can cross to the worker (callbacks stay in the panel). */
export type WireStylizeOptions = Pick<StylizeOptions, 'strength' | 'preserveColors' | 'tileSize' | 'overlap'>;

export type WorkerRequest =
  | { op: 'backend'; pref: BackendPreference }
  /** `weights` only when the worker has not been sent this base model's weights yet. */
  | { op: 'model'; sha: string; weights?: Record<string, PackTensor> }
  | { op: 'style'; a: Record<string, PackTensor>; b: Record<string, PackTensor> | null; mix: number }
  | { op: 'calibrate' }
  | { op: 'stylize'; img: RgbaImage; opts: WireStylizeOptions }
  /** `lossnet`: the loss network's JSON text, sent with the first learn only. */
  | { op: 'learn'; opts: LearnRequest; lossnet?: string }
  /** `lossnet` as for learn. */
  | { op: 'refine'; input: RefineInput; lossnet?: string };

/** Panel → worker: a request (answered once by `id`), or a cancel of the stylize/learn/refine request `id`. */
export type ToWorker = { id: number; req: WorkerRequest } | { cancel: number };

/** Engine facts sent with every reply, so the panel can read them synchronously. */
export interface EngineFacts {
  loads: number;
  tileSize: number | null;
  backendName: string | null;
  memory: EngineMemory;
  fastKernels: FastKernelStatus;
}

export type FromWorker =
  | { ready: true }
  | { id: number; log: string }
  | { id: number; tile: [done: number, total: number] }
  | { id: number; progress: LearnProgress }
  | { id: number; refineProgress: RefineProgress }
  | { id: number; phase: string }
  | { id: number; ok: true; result: unknown; facts: EngineFacts }
  | { id: number; ok: false; error: string; cancelled: boolean; facts: EngineFacts };
