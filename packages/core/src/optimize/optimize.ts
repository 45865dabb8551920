// Per-image optimisation (Gatys et al. 2016) on the project's loss network: the image itself is
// optimised for the content + style + colour + TV losses the trainer uses (no discriminator).
// It is the quality reference for the feed-forward packs and the best-quality mode for one image,
// starting from the photo or from a pack's feed-forward result ("refine").
//
// Two choices keep it from finding noise that only fools the loss network:
//  - a Laplacian-pyramid parameterisation: the image is start + Σ upsampled offsets at 1, ½, ¼,
//    ⅛ resolution, so Adam moves large areas together (pixel-space Adam gives rainbow pixel noise
//    on MobileNet, docs/loss-network.md);
//  - a random crop offset and rescale of both the image and the photo every step, so the result
//    has to satisfy the loss at every pixel-grid alignment and a range of scales, not one.
// Runs unchanged in Node and the browser (the plugin's Refine can call it).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../model/params.js';
import { contentLoss, gram, styleLoss, totalVariationLoss } from '../losses/perceptual.js';
import { DEFAULT_LOSS_WEIGHTS, type FeatureExtractor } from '../train/trainer.js';
import { registerResizeBilinearGradientFix } from '../gradients/tfjs-fixes.js';

export interface OptimizeWeights {
  content: number;
  style: number;
  color: number;
  tv: number;
}

export interface OptimizeOptions {
  lossNet: FeatureExtractor;
  /** Index into lossNet.taps of the content layer. */
  contentTap: number;
  /** Indices into lossNet.taps for the style loss (default: all). */
  styleTaps?: number[];
  styleTapWeights?: readonly number[];
  /** Default: the trainer's DEFAULT_LOSS_WEIGHTS (without the adversarial term). */
  weights?: Partial<OptimizeWeights>;
  steps: number;
  /** Adam learning rate on the pyramid offsets (default 0.01). */
  learningRate?: number;
  /** Pyramid levels (1 = plain pixels; default 4: 1, ½, ¼, ⅛). */
  levels?: number;
  /** Random rescale range per step and the largest crop offset in pixels; false = no jitter. */
  jitter?: { scale: [number, number]; shift: number } | false;
  seed?: number;
  /** Called after each step; return true to stop. */
  onStep?: (r: OptimizeStep) => void | boolean | Promise<void | boolean>;
  /** Set aborted to stop after the current step (Ctrl-C, Cancel, a time limit). */
  signal?: { aborted: boolean };
}

export interface OptimizeStep {
  step: number;
  losses: { content: number; style: number; color: number; tv: number; total: number };
}

export interface OptimizeResult {
  /** [1, H, W, 3] in [0,1]; the caller disposes it. */
  image: tf.Tensor4D;
  steps: number;
  history: OptimizeStep[];
}

export const DEFAULT_OPTIMIZE_JITTER = { scale: [0.8, 1.25] as [number, number], shift: 8 };

/** The loss network's smallest useful input (five stride-2 stages). */
const MIN_LOSS_INPUT = 32;

/**
 * Optimise an image: content target = `content` (the photo), style target = `style` (the
 * painting), starting from `start` (the photo, or a pack's result; same shape as `content`).
 */
export async function optimizeImage(content: tf.Tensor4D, style: tf.Tensor4D, start: tf.Tensor4D, opts: OptimizeOptions): Promise<OptimizeResult> {
  registerResizeBilinearGradientFix();
  const [, H, W] = content.shape;
  if (start.shape.join() !== content.shape.join()) throw new Error(`optimizeImage: the start image is ${start.shape.slice(1, 3).join('×')}, the photo ${H}×${W}; they must match.`);
  if (Math.min(H, W) < MIN_LOSS_INPUT) throw new Error(`optimizeImage: the image is ${W}×${H}; it needs at least ${MIN_LOSS_INPUT} px a side.`);
  const w = { ...pick(DEFAULT_LOSS_WEIGHTS), ...opts.weights };
  const net = opts.lossNet;
  const styleTaps = opts.styleTaps ?? [...net.taps.keys()];
  const levels = Math.max(1, opts.levels ?? 4);
  const jitter = opts.jitter === undefined ? DEFAULT_OPTIMIZE_JITTER : opts.jitter;
  const rng = new Rng(opts.seed ?? 0);
  const optimizer = tf.train.adam(opts.learningRate ?? 0.01, 0.9, 0.999);

  const styleGrams = tf.tidy(() => {
    const f = net.features(style);
    return styleTaps.map((i) => tf.keep(gram(f[i])));
  });
  const colorGram = tf.tidy(() => gram(style));
  const base = tf.clone(start);
  const offsets = Array.from({ length: levels }, (_, l) =>
    tf.tidy(() => tf.variable(tf.zeros([1, Math.max(1, Math.ceil(H / 2 ** l)), Math.max(1, Math.ceil(W / 2 ** l)), 3]), true)),
  );
  const compose = () =>
    tf.tidy(() => {
      let x: tf.Tensor4D = base;
      offsets.forEach((o, l) => {
        x = tf.add(x, l === 0 ? o : tf.image.resizeBilinear(o as tf.Tensor4D, [H, W]));
      });
      return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
    });

  const history: OptimizeStep[] = [];
  try {
    for (let step = 0; step < opts.steps && !opts.signal?.aborted; step++) {
      // The same random view of the photo and the image: crop offset, then rescale.
      const view = jitter ? randomView(rng, H, W, jitter) : null;
      const look = (x: tf.Tensor4D) => (view ? tf.image.resizeBilinear(tf.slice(x, [0, view.y, view.x, 0], [1, view.h, view.w, 3]), [view.outH, view.outW]) : x);
      const contentTarget = tf.tidy(() => net.features(look(content))[opts.contentTap]);
      const parts: tf.Scalar[] = [];
      optimizer.minimize(() => {
        const x = compose();
        const v = look(x);
        const f = net.features(v);
        const lc = contentLoss(f[opts.contentTap], contentTarget);
        const ls = styleLoss(styleTaps.map((i) => f[i]), styleGrams, opts.styleTapWeights);
        const lcol = styleLoss([v], [colorGram]);
        const lt = totalVariationLoss(x);
        const total = tf.addN([tf.mul(lc, w.content), tf.mul(ls, w.style), tf.mul(lcol, w.color), tf.mul(lt, w.tv)]) as tf.Scalar;
        // minimize() disposes the returned cost, so keep a copy of it for the report
        parts.push(...[lc, ls, lcol, lt, tf.clone(total)].map((t) => tf.keep(t)));
        return total;
      }, false, offsets);
      contentTarget.dispose();
      const [content_, style_, color, tv, total] = await Promise.all(parts.map(async (t) => (await t.data())[0]));
      tf.dispose(parts);
      const r: OptimizeStep = { step, losses: { content: content_, style: style_, color, tv, total } };
      history.push(r);
      if (!Number.isFinite(total)) throw new Error(`optimizeImage: the loss became ${total} at step ${step}; try a smaller learning rate.`);
      if ((await opts.onStep?.(r)) === true) break;
      await new Promise<void>((resolve) => setTimeout(resolve, 0)); // keep the host responsive
    }
    return { image: compose(), steps: history.length, history };
  } finally {
    optimizer.dispose();
    tf.dispose([base, colorGram, ...styleGrams, ...offsets]);
  }
}

function pick(w: typeof DEFAULT_LOSS_WEIGHTS): OptimizeWeights {
  return { content: w.content, style: w.style, color: w.color, tv: w.tv };
}

/** A random crop (offset ≤ shift on each side) rescaled by a log-uniform factor. */
export function randomView(rng: Rng, H: number, W: number, j: { scale: [number, number]; shift: number }): { y: number; x: number; h: number; w: number; outH: number; outW: number } {
  const shift = Math.max(0, Math.min(j.shift, Math.floor((Math.min(H, W) - MIN_LOSS_INPUT) / 2)));
  const y = rng.int(shift + 1);
  const x = rng.int(shift + 1);
  const h = H - shift;
  const w = W - shift;
  const [lo, hi] = j.scale;
  const k = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  const outH = Math.max(MIN_LOSS_INPUT, Math.round(h * k));
  const outW = Math.max(MIN_LOSS_INPUT, Math.round(w * k));
  return { y, x, h, w, outH, outW };
}
