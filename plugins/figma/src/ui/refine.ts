// Refine: per-image optimisation (core's optimizeImage, the same as `stylepack optimize --pack`)
// starting from a layer's feed-forward result, towards a style image. The model side of it: no
// DOM (RGBA in, RGBA out), so it runs in the model worker, on the panel thread, and under vitest.
//
// Size: the optimisation runs at a working size (longer side ≤ `size`, default 384 px), because
// every step is a forward + backward pass of MobileNetV2 and it is the slow part. The result is
// brought back to the layer's own size as a *change*: full-size start + upsampled (refined − start
// at working size). The feed-forward result keeps its full-resolution detail; refine adds what it
// moved (colours, strokes, contrast) at the working scale. At or below the working size the
// result is exactly the optimised picture.
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_CONTENT_TAP,
  gram,
  optimizeImage,
  rgbToRgba,
  rgbaToTensor,
  styleLoss,
  type MobileNetSource,
  type RgbaImage,
} from '@stylepack/core';
import { lossNetwork } from './learn.js';
import { installWebgpuAddNFix } from './webgpu-fixes.js';

/** The panel's choices, with their defaults. */
export const REFINE_STEPS = { min: 1, max: 500, default: 60 } as const;
export const REFINE_SIZES = [256, 384, 512] as const;
export const REFINE_DEFAULT_SIZE = 384;
/** The loss network's smallest useful input (core's optimizeImage refuses less). */
export const REFINE_MIN_SIDE = 32;

export interface RefineOptions {
  steps: number;
  /** Longest side of the working picture (REFINE_SIZES in the panel; anything ≥ 32 here). */
  size: number;
  seed?: number;
  learningRate?: number;
}

export interface RefineInput {
  /** The photo: the content the result must keep (the stylized layer's source, or the layer itself). */
  content: RgbaImage;
  /** The feed-forward result to start from; the result has its size. */
  start: RgbaImage;
  /** The style target: the painting, or the pack's preview. */
  style: RgbaImage;
  opts: RefineOptions;
}

export interface RefineProgress {
  step: number;
  steps: number;
  /** Steps per second since the first step finished (the first includes kernel set-up). */
  stepsPerSec: number | null;
  styleLoss: number;
  contentLoss: number;
}

export interface RefineResult {
  image: RgbaImage;
  steps: number;
  /** Working size the optimisation ran at. */
  work: { width: number; height: number };
  seconds: number;
  stepsPerSec: number | null;
  /**
   * Style loss against the target at the working size (no jitter, the loss network's style
   * layers), of the start and of the result: the result's is lower when refine moved towards
   * the style.
   */
  styleLossStart: number;
  styleLossEnd: number;
  cancelled: boolean;
}

/** Working size for a picture: longer side at most `size`, shorter side at least REFINE_MIN_SIDE. */
export function refineWorkSize(width: number, height: number, size: number): { width: number; height: number } {
  if (Math.min(width, height) < REFINE_MIN_SIDE) throw new Error(`The layer is ${width}×${height} px; refine needs at least ${REFINE_MIN_SIDE} px a side. Refine a larger layer.`);
  const k = Math.min(1, Math.max(size / Math.max(width, height), REFINE_MIN_SIDE / Math.min(width, height)));
  return { width: Math.max(REFINE_MIN_SIDE, Math.round(width * k)), height: Math.max(REFINE_MIN_SIDE, Math.round(height * k)) };
}

/** Style image size as the CLI measures it: shorter side = the result's shorter side, longer ≤ 2× that. */
export function styleTargetSize(width: number, height: number, shortSide: number): { width: number; height: number } {
  const k = Math.min(shortSide / Math.min(width, height), (2 * shortSide) / Math.max(width, height));
  return { width: Math.max(REFINE_MIN_SIDE, Math.round(width * k)), height: Math.max(REFINE_MIN_SIDE, Math.round(height * k)) };
}

const resize = (t: tf.Tensor4D, h: number, w: number): tf.Tensor4D =>
  t.shape[1] === h && t.shape[2] === w ? tf.clone(t) : (tf.image.resizeBilinear(t, [h, w], false, true) as tf.Tensor4D);

/** Full-size start + the change refine made at the working size, upsampled (see the header). */
export function applyRefinement(startFull: tf.Tensor4D, startWork: tf.Tensor4D, refinedWork: tf.Tensor4D): tf.Tensor4D {
  const [, H, W] = startFull.shape;
  if (refinedWork.shape[1] === H && refinedWork.shape[2] === W) return tf.clone(refinedWork);
  return tf.tidy(() => tf.clipByValue(tf.add(startFull, resize(tf.sub(refinedWork, startWork) as tf.Tensor4D, H, W)), 0, 1) as tf.Tensor4D);
}

/** A running refine: cancel() stops after the current step, and the result says cancelled. */
export class Refiner {
  private signal = { aborted: false };

  constructor(
    readonly input: RefineInput,
    private readonly lossSource: () => MobileNetSource | Promise<MobileNetSource>,
  ) {
    const { steps } = input.opts;
    if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`Refine needs a whole number of steps ≥ 1 (got ${steps}).`);
  }

  cancel(): void {
    this.signal.aborted = true;
  }

  async run(onProgress: (p: RefineProgress) => void | Promise<void>, onPhase: (text: string) => void = () => {}): Promise<RefineResult> {
    const { content, start, style, opts } = this.input;
    const work = refineWorkSize(start.width, start.height, opts.size);
    if (tf.getBackend() === 'webgpu') installWebgpuAddNFix();
    onPhase('Loading the loss network…');
    const net = await lossNetwork(this.lossSource);
    const contentTap = net.taps.indexOf(DEFAULT_CONTENT_TAP);
    const styleTaps = net.taps.map((_, i) => i);
    const sts = styleTargetSize(style.width, style.height, Math.min(work.width, work.height));
    const held: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => (held.push(t), t);
    try {
      const startFull = keep(rgbaToTensor(start));
      const startWork = keep(resize(startFull, work.height, work.width));
      const contentWork = keep(tf.tidy(() => resize(rgbaToTensor(content), work.height, work.width)));
      const painting = keep(tf.tidy(() => resize(rgbaToTensor(style), sts.height, sts.width)));
      const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
      held.push(...targets);
      const measure = async (x: tf.Tensor4D) => {
        const t = tf.tidy(() => styleLoss(net.features(x), targets));
        const v = (await t.data())[0]!;
        t.dispose();
        return v;
      };
      const styleLossStart = await measure(startWork);
      onPhase('Refining…');
      const t0 = performance.now();
      let tFirst: number | null = null;
      let stepsPerSec: number | null = null;
      const r = await optimizeImage(contentWork, painting, startWork, {
        lossNet: net,
        contentTap,
        styleTaps,
        steps: opts.steps,
        seed: opts.seed ?? 0,
        ...(opts.learningRate ? { learningRate: opts.learningRate } : {}),
        signal: this.signal,
        onStep: async (s) => {
          const done = s.step + 1;
          const now = performance.now();
          tFirst ??= now;
          stepsPerSec = done > 1 ? (done - 1) / ((now - tFirst) / 1000) : null;
          await onProgress({ step: done, steps: opts.steps, stepsPerSec, styleLoss: s.losses.style, contentLoss: s.losses.content });
        },
      });
      const refined = keep(r.image);
      const seconds = (performance.now() - t0) / 1000;
      if (this.signal.aborted) {
        return { image: { width: 0, height: 0, data: new Uint8ClampedArray(0) }, steps: r.steps, work, seconds, stepsPerSec, styleLossStart, styleLossEnd: NaN, cancelled: true };
      }
      const styleLossEnd = await measure(refined);
      const out = keep(applyRefinement(startFull, startWork, refined));
      const rgb = (await out.data()) as Float32Array;
      const image = { width: start.width, height: start.height, data: rgbToRgba(rgb, start.width, start.height, start) };
      return { image, steps: r.steps, work, seconds, stepsPerSec, styleLossStart, styleLossEnd, cancelled: false };
    } catch (e) {
      throw explainRefineError(e);
    } finally {
      tf.dispose(held);
    }
  }
}

/** Out-of-memory errors from the backends, in words a designer can act on. */
export function explainRefineError(e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (/out of memory|OOM|allocat|Array buffer allocation|memory access out of bounds|CONTEXT_LOST/i.test(msg)) {
    return new Error(`Refine ran out of memory (${msg.slice(0, 120)}). Choose a smaller refine size, or close other tabs and try again.`);
  }
  return e instanceof Error ? e : new Error(msg);
}
