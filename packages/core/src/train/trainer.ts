// The GAN trainer: one generator step (content + style + adversarial + TV) then one
// discriminator step, each with its own Adam. Two modes:
//  - 'full': trains the whole multi-style generator (backbone + every style's norm rows) and D;
//  - 'fit-style': freezes the backbone and learns one new style's norm vectors only, which is
//    how new styles are made cheaply (CLI `stylepack train`, plugin "Learn style").
import * as tf from '@tensorflow/tfjs';
import { Generator, type StyleVectors } from '../model/generator.js';
import { Discriminator } from '../model/discriminator.js';
import { Rng, readParams, writeParams } from '../model/params.js';
import { type AdversarialKind, discriminatorLoss, generatorAdversarialLoss } from '../losses/adversarial.js';
import { contentLoss, gram, styleLoss, totalVariationLoss } from '../losses/perceptual.js';
import { Adam } from './adam.js';
import { clipByGlobalNorm } from './clip.js';
import { type LrSchedule, learningRateAt } from './schedule.js';
import { type NamedArray, decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { registerMirrorPadGradientFix } from '../gradients/tfjs-fixes.js';

/** What the trainer needs from a loss network (see lossnet/): feature maps per tap. */
export interface FeatureExtractor {
  readonly taps: readonly string[];
  /** Every tap's map; with `only` (tap indices) just those, in that order (and computed no deeper than needed). */
  features(x: tf.Tensor4D, only?: readonly number[]): tf.Tensor4D[];
}

export interface LossWeights {
  content: number;
  style: number;
  adversarial: number;
  tv: number;
  /**
   * Palette term: Gram of the RGB pixels themselves (a 3×3 colour covariance, same normalization
   * as the feature Grams). MobileNet Grams alone match colours weakly (see docs/loss-network.md).
   */
  color: number;
}

export const DEFAULT_LOSS_WEIGHTS: LossWeights = { content: 1, style: 3, adversarial: 0.05, tv: 10, color: 30 };

export interface TrainerOptions {
  generator: Generator;
  /** Needed in 'full' mode when the adversarial weight is above 0. */
  discriminator?: Discriminator;
  lossNet: FeatureExtractor;
  /** Index into lossNet.taps of the content layer. */
  contentTap: number;
  /** Indices into lossNet.taps used for the style loss (default: all). */
  styleTaps?: number[];
  /**
   * Weight of each style tap (same order as styleTaps; default all 1). Unweighted, the shallowest
   * tap dominates (its Gram distances are largest) and the texture turns into fine noise; see
   * docs/loss-network.md for DEFAULT_STYLE_TAP_WEIGHTS, which make every tap start near 1.
   */
  styleTapWeights?: readonly number[];
  /** Optional transform of features before the Gram matrix (e.g. a softmax, see lossnet/). */
  styleFeatureTransform?: (f: tf.Tensor4D) => tf.Tensor4D;
  /** One painting per style, [1, H, W, 3] in [0,1]; index = style index ('fit-style': exactly one). */
  styleImages: tf.Tensor4D[];
  weights?: Partial<LossWeights>;
  adversarial?: AdversarialKind;
  /**
   * Base learning rates. `styleVectors` is for the per-style norm rows (full mode) and the fitted
   * vectors (fit-style mode): each row only learns on the steps that sample its style, so it
   * needs a higher rate than the shared backbone to move apart from the others.
   */
  learningRate?: { generator?: number; discriminator?: number; styleVectors?: number };
  schedule?: LrSchedule;
  /** Global-norm gradient clipping (0 = off). */
  clipNorm?: number;
  seed?: number;
  mode?: 'full' | 'fit-style';
  /** 'fit-style': starting vectors per norm layer (e.g. the closest built-in style); default γ=1, β=0. */
  fitInit?: Record<string, { gamma: Float32Array; beta: Float32Array }>;
}

export interface StepLosses {
  content: number;
  style: number;
  /** Palette (RGB Gram) loss, before weighting. */
  color: number;
  adversarial: number;
  tv: number;
  /** Weighted sum the generator minimised. */
  generator: number;
  /** Discriminator loss (0 when no discriminator trains). */
  discriminator: number;
}

export interface StepResult {
  step: number;
  /** The generator's rate of this step ('fit-style': the style vectors' rate). */
  learningRate: number;
  losses: StepLosses;
  gradNorm: number;
}

export interface FitOptions {
  steps: number;
  /** Content batch for a step, [B, H, W, 3] in [0,1]; the trainer disposes it. Must depend only on `step` for exact resumes. */
  batch: (step: number) => tf.Tensor4D;
  /** Style index of each sample for a step ('full' mode); default: drawn from the trainer's RNG. */
  styles?: (step: number) => number[];
  onStep?: (r: StepResult) => void | boolean | Promise<void | boolean>;
  /** Return true from onStep or set signal.aborted to stop early (after the current step). */
  signal?: { aborted: boolean };
}

export class Trainer {
  readonly mode: 'full' | 'fit-style';
  readonly weights: LossWeights;
  readonly adversarial: AdversarialKind;
  step = 0;
  private readonly rng: Rng;
  private readonly optG = new Adam();
  private readonly optD = new Adam();
  private readonly lrG: number;
  private readonly lrD: number;
  private readonly lrStyle: number;
  private readonly styleTaps: number[];
  /** Per style tap: Gram targets of every style, [S, C, C]. */
  private readonly styleGrams: tf.Tensor3D[];
  /** RGB Gram of every style painting, [S, 3, 3]. */
  private readonly colorGrams: tf.Tensor3D;
  /** 'fit-style': the one style's trainable vectors, [1, C] per norm layer. */
  readonly fitParams: Record<string, tf.Variable> = {};
  private readonly cropCache = new Map<string, tf.Tensor4D>();

  constructor(readonly opts: TrainerOptions) {
    // tfjs 4.22's MirrorPad gradient drops what the reflected border received; the generator
    // reflect-pads before every conv, so training needs the corrected gradient.
    registerMirrorPadGradientFix();
    this.mode = opts.mode ?? 'full';
    this.weights = { ...DEFAULT_LOSS_WEIGHTS, ...opts.weights };
    this.adversarial = opts.adversarial ?? 'bce';
    this.rng = new Rng(opts.seed ?? 0);
    this.lrG = opts.learningRate?.generator ?? 1e-3;
    this.lrD = opts.learningRate?.discriminator ?? 1e-4;
    this.lrStyle = opts.learningRate?.styleVectors ?? 1e-2;
    const g = opts.generator;
    const nTaps = opts.lossNet.taps.length;
    if (!(opts.contentTap >= 0 && opts.contentTap < nTaps)) throw new Error(`contentTap ${opts.contentTap} is not a tap of the loss network (0..${nTaps - 1}).`);
    this.styleTaps = opts.styleTaps ?? [...Array(nTaps).keys()];
    if (opts.styleTapWeights && opts.styleTapWeights.length !== this.styleTaps.length) {
      throw new Error(`styleTapWeights has ${opts.styleTapWeights.length} entries for ${this.styleTaps.length} style taps.`);
    }
    if (this.mode === 'full') {
      if (opts.styleImages.length !== g.config.numStyles) {
        throw new Error(`Got ${opts.styleImages.length} style images for a generator with ${g.config.numStyles} styles; give one painting per style.`);
      }
      if (this.weights.adversarial > 0 && !opts.discriminator) throw new Error('An adversarial weight above 0 needs a discriminator.');
      if (opts.discriminator && opts.discriminator.config.numStyles !== g.config.numStyles) {
        throw new Error(`The discriminator is conditioned on ${opts.discriminator.config.numStyles} styles but the generator holds ${g.config.numStyles}.`);
      }
    } else {
      if (opts.styleImages.length !== 1) throw new Error(`Style fitting learns one style: give exactly one style image (got ${opts.styleImages.length}).`);
      for (const { name, channels } of g.normLayers) {
        const init = opts.fitInit?.[name];
        this.fitParams[`${name}/gamma`] = tf.tidy(() => tf.variable(init ? tf.tensor2d(init.gamma, [1, channels]) : tf.ones([1, channels]), true));
        this.fitParams[`${name}/beta`] = tf.tidy(() => tf.variable(init ? tf.tensor2d(init.beta, [1, channels]) : tf.zeros([1, channels]), true));
      }
    }
    // Style targets once, up front: Gram matrices of each painting's features.
    const perStyle = opts.styleImages.map((img) =>
      tf.tidy(() => {
        const f = opts.lossNet.features(img);
        return this.styleTaps.map((i) => gram(this.transform(f[i])));
      }),
    );
    this.styleGrams = this.styleTaps.map((_, t) => tf.tidy(() => tf.concat(perStyle.map((s) => s[t]), 0) as tf.Tensor3D));
    perStyle.flat().forEach((t) => t.dispose());
    this.colorGrams = tf.tidy(() => tf.concat(opts.styleImages.map((img) => gram(img)), 0) as tf.Tensor3D);
  }

  private transform(f: tf.Tensor4D): tf.Tensor4D {
    return this.opts.styleFeatureTransform ? this.opts.styleFeatureTransform(f) : f;
  }

  private get trainsDiscriminator(): boolean {
    return this.mode === 'full' && !!this.opts.discriminator && this.weights.adversarial > 0;
  }

  /** Style vectors used by the forward pass for this batch. */
  private vectorsFor(oneHot: tf.Tensor2D): StyleVectors {
    if (this.mode === 'full') return this.opts.generator.styleVectors(oneHot);
    const out: StyleVectors = {};
    for (const { name } of this.opts.generator.normLayers) {
      out[name] = { gamma: this.fitParams[`${name}/gamma`] as tf.Tensor2D, beta: this.fitParams[`${name}/beta`] as tf.Tensor2D };
    }
    return out;
  }

  /** Random crops of each sample's painting, [B, h, w, 3]: the discriminator's real samples. */
  private styleCrops(styleIdx: number[], h: number, w: number): tf.Tensor4D {
    return tf.tidy(() => {
      const crops = styleIdx.map((s) => {
        const img = this.paintingAtLeast(s, h, w);
        const [, H, W] = img.shape;
        const y = this.rng.int(H - h + 1);
        const x = this.rng.int(W - w + 1);
        return tf.slice(img, [0, y, x, 0], [1, h, w, 3]);
      });
      return tf.concat(crops, 0) as tf.Tensor4D;
    });
  }

  /** The painting, upscaled (once, cached) if it is smaller than the crop. */
  private paintingAtLeast(s: number, h: number, w: number): tf.Tensor4D {
    const img = this.opts.styleImages[s];
    const [, H, W] = img.shape;
    if (H >= h && W >= w) return img;
    const key = `${s}:${h}x${w}`;
    let cached = this.cropCache.get(key);
    if (!cached) {
      const k = Math.max(h / H, w / W);
      cached = tf.tidy(() => tf.image.resizeBilinear(img, [Math.ceil(H * k), Math.ceil(W * k)]));
      this.cropCache.set(key, cached);
    }
    return cached;
  }

  /**
   * One training step on a content batch [B, H, W, 3] in [0,1] (H, W multiples of 4).
   * `styleIdx` gives each sample's style ('full' mode); by default styles are drawn from the
   * trainer's seeded RNG.
   */
  trainStep(content: tf.Tensor4D, styleIdx?: number[]): StepResult {
    const pending = this.runStep(content, styleIdx);
    return pending.finish(pending.tensors.map((t) => t.dataSync()[0]!));
  }

  /**
   * The same step, reading its losses back with `await data()` instead of `dataSync()`: what
   * fit() uses. Needed on webgpu, whose synchronous readback (through canvases) is slow and can
   * lose the device in some browsers (headless Chromium with SwiftShader).
   */
  async trainStepAsync(content: tf.Tensor4D, styleIdx?: number[]): Promise<StepResult> {
    const pending = this.runStep(content, styleIdx);
    const values = await Promise.all(pending.tensors.map(async (t) => (await t.data())[0]!));
    return pending.finish(values);
  }

  /** The step's computation; its scalar results stay on the backend until `finish` reads them. */
  private runStep(content: tf.Tensor4D, styleIdx?: number[]): { tensors: tf.Tensor[]; finish: (values: number[]) => StepResult } {
    const g = this.opts.generator;
    const B = content.shape[0];
    const styles = this.mode === 'full' ? (styleIdx ?? Array.from({ length: B }, () => this.rng.int(g.config.numStyles))) : new Array<number>(B).fill(0);
    if (styles.length !== B) throw new Error(`styleIdx has ${styles.length} entries for a batch of ${B}.`);
    const lrG = learningRateAt(this.lrG, this.step, this.opts.schedule);
    const lrStyle = learningRateAt(this.lrStyle, this.step, this.opts.schedule);
    const isStyleKey = (k: string) => this.mode === 'fit-style' || k.endsWith('/gamma') || k.endsWith('/beta');
    const lrD = learningRateAt(this.lrD, this.step, this.opts.schedule);
    const w = this.weights;
    const D = this.trainsDiscriminator ? this.opts.discriminator! : null;

    const parts: tf.Scalar[] = [];
    let fake: tf.Tensor4D | null = null;
    const oneHot = this.mode === 'full' ? g.oneHot(styles) : tf.ones([B, 1]) as tf.Tensor2D;
    const gParams: Record<string, tf.Variable> = this.mode === 'full' ? g.params : this.fitParams;
    let gradNormT: tf.Tensor | null = null;
    tf.tidy(() => {
      // The content target needs the network only as deep as the content tap (block 6 of 10 by default).
      const contentTarget = tf.tidy(() => {
        const f = this.opts.lossNet.features(content, [this.opts.contentTap]);
        if (f.length !== 1) throw new Error(`The loss network returned ${f.length} feature maps for one requested tap: its features(x, only) must honour \`only\`.`);
        return f[0]!;
      });
      const pick = (table: tf.Tensor3D) => (this.mode === 'full' ? tf.gather(table, tf.tensor1d(styles, 'int32')) : table) as tf.Tensor3D;
      const targets = this.styleGrams.map(pick);
      const colorTarget = pick(this.colorGrams);
      const { grads } = tf.variableGrads(() => {
        const y = g.apply(content, this.vectorsFor(oneHot));
        const feats = this.opts.lossNet.features(y);
        const lc = contentLoss(feats[this.opts.contentTap], contentTarget);
        const ls = styleLoss(this.styleTaps.map((i) => this.transform(feats[i])), targets, this.opts.styleTapWeights);
        const la = D ? generatorAdversarialLoss(D.apply(y, oneHot), this.adversarial) : tf.scalar(0);
        const lt = totalVariationLoss(y);
        const lcol = w.color > 0 ? styleLoss([y], [colorTarget]) : tf.scalar(0);
        const total = tf.addN([tf.mul(lc, w.content), tf.mul(ls, w.style), tf.mul(la, w.adversarial), tf.mul(lt, w.tv), tf.mul(lcol, w.color)]) as tf.Scalar;
        parts.push(...[lc, ls, la, lt, lcol, total].map((t) => tf.keep(t)));
        fake = tf.keep(y);
        return total;
      }, Object.values(gParams));
      const clipped = clipByGlobalNorm(this.renameGrads(grads, gParams), this.opts.clipNorm ?? 0);
      gradNormT = tf.keep(clipped.norm);
      this.optG.apply(gParams, clipped.grads, (k) => (isStyleKey(k) ? lrStyle : lrG));
    });

    let lossDT: tf.Tensor | null = null;
    if (D) {
      tf.tidy(() => {
        const real = this.styleCrops(styles, content.shape[1], content.shape[2]);
        const { value, grads } = tf.variableGrads(
          () => discriminatorLoss(D.apply(real, oneHot), D.apply(fake!, oneHot), this.adversarial),
          Object.values(D.params),
        );
        const clipped = clipByGlobalNorm(this.renameGrads(grads, D.params), this.opts.clipNorm ?? 0);
        this.optD.apply(D.params, clipped.grads, lrD);
        lossDT = tf.keep(value);
      });
    }
    tf.dispose([fake!, oneHot]);
    const step = this.step;
    this.step++;
    const tensors: tf.Tensor[] = [...parts, gradNormT!, ...(lossDT ? [lossDT] : [])];
    return {
      tensors,
      finish: (values) => {
        tf.dispose(tensors);
        const [lc, ls, la, lt, lcol, total, gradNorm, lossD] = values as [number, number, number, number, number, number, number, number | undefined];
        return {
          step,
          // 'fit-style' trains only the style vectors: report their rate.
          learningRate: this.mode === 'fit-style' ? lrStyle : lrG,
          losses: { content: lc, style: ls, color: lcol, adversarial: la, tv: lt, generator: total, discriminator: lossD ?? 0 },
          gradNorm,
        };
      },
    };
  }

  /** tf.variableGrads keys gradients by tfjs variable name; map them back to our parameter keys. */
  private renameGrads(grads: tf.NamedTensorMap, params: Record<string, tf.Variable>): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [key, v] of Object.entries(params)) {
      const gv = grads[v.name];
      if (gv) out[key] = gv;
    }
    return out;
  }

  /** Run `steps` steps (continuing from the current step), calling onStep after each. */
  async fit(f: FitOptions): Promise<StepResult[]> {
    const results: StepResult[] = [];
    const end = this.step + f.steps;
    while (this.step < end && !f.signal?.aborted) {
      const batch = f.batch(this.step);
      let r: StepResult;
      try {
        r = await this.trainStepAsync(batch, f.styles?.(this.step));
      } finally {
        batch.dispose();
      }
      results.push(r);
      if ((await f.onStep?.(r)) === true) break;
      // A macrotask yield between steps keeps the host responsive (UI events, IPC, Ctrl-C),
      // since each step runs synchronously for up to seconds.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    return results;
  }

  /** 'fit-style': the learned vectors as plain arrays, keyed "<layer>/gamma" | "<layer>/beta". */
  async fittedStyle(): Promise<Record<string, NamedArray>> {
    if (this.mode !== 'fit-style') throw new Error('fittedStyle() is only available in fit-style mode.');
    return readParams(this.fitParams);
  }

  /** Style vectors of the fitted style, for previews with Generator.stylize during training. */
  fittedVectors(): StyleVectors {
    return this.vectorsFor(tf.ones([1, 1]));
  }

  /** The whole training state (weights, both Adams, step, RNG) as bytes; write it atomically. */
  async saveState(extra: { settings?: Record<string, unknown>; history?: unknown } = {}): Promise<Uint8Array> {
    const tensors: Record<string, NamedArray> = {};
    const add = (prefix: string, rec: Record<string, NamedArray>) => {
      for (const [k, v] of Object.entries(rec)) tensors[`${prefix}${k}`] = v;
    };
    if (this.mode === 'full') add('G/', await readParams(this.opts.generator.params));
    else add('fit/', await readParams(this.fitParams));
    if (this.opts.discriminator && this.mode === 'full') add('D/', await readParams(this.opts.discriminator.params));
    add('optG/', await this.optG.state());
    add('optD/', await this.optD.state());
    return encodeCheckpoint(
      {
        kind: 'stylepack-checkpoint',
        version: 1,
        step: this.step,
        rngState: this.rng.state,
        settings: { mode: this.mode, generator: this.opts.generator.config, optSteps: [this.optG.step, this.optD.step], ...extra.settings },
        history: extra.history,
      },
      tensors,
    );
  }

  /** Restore a state written by saveState(); the next step then reproduces the original run. */
  loadState(bytes: Uint8Array): { settings: Record<string, unknown>; history?: unknown } {
    const { header, tensors } = decodeCheckpoint(bytes);
    if (header.settings.mode !== this.mode) throw new Error(`Checkpoint is from a "${String(header.settings.mode)}" run, but this trainer is in "${this.mode}" mode.`);
    const pick = (prefix: string) => {
      const out: Record<string, NamedArray> = {};
      for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
      return out;
    };
    if (this.mode === 'full') writeParams(this.opts.generator.params, pick('G/'), 'generator weights');
    else writeParams(this.fitParams, pick('fit/'), 'style vectors');
    if (this.opts.discriminator && this.mode === 'full') writeParams(this.opts.discriminator.params, pick('D/'), 'discriminator weights');
    const [sg, sd] = (header.settings.optSteps as number[] | undefined) ?? [header.step, header.step];
    this.optG.restore(sg, pick('optG/'));
    this.optD.restore(sd, pick('optD/'));
    this.step = header.step;
    this.rng.state = header.rngState;
    return { settings: header.settings, history: header.history };
  }

  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    tf.dispose([...this.styleGrams, this.colorGrams]);
    for (const t of this.cropCache.values()) t.dispose();
    for (const v of Object.values(this.fitParams)) v.dispose();
  }
}
