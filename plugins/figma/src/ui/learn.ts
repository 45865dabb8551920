// "Learn style": fits a new style's conditional-norm vectors on the frozen base model, starting
// from the closest installed style — core's StyleLearning, the same loop as `stylepack train`
// (same loss network taps, loss weights, learning rates, crop seeds and pack encoding). This
// file adds RGBA images in, previews and progress out.
// No DOM here: images come in as RGBA, so it runs under vitest in Node (cpu) and in the panel.
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_CONTENT_TAP,
  DEFAULT_STYLE_TAPS,
  Generator,
  LearnDivergedError,
  Rng,
  StyleLearning,
  createLossNetwork,
  encodeStylePack,
  generatorFor,
  gram,
  learnRecipe,
  rgbaToTensor,
  slug,
  stepSeed,
  styleLoss,
  thinSeries,
  type LossNetwork,
  type LearnStyleOptions,
  type LrSchedule,
  type MobileNetSource,
  type PackTensor,
  type RgbaImage,
  type StepLosses,
} from '@stylepack/core';
import { installWebgpuAddNFix } from './webgpu-fixes.js';

export type LearnQuality = 'quick' | 'fine';
export const QUALITY_STEPS: Record<LearnQuality, number> = { quick: 100, fine: 500 };

export interface LearnCandidate {
  label: string;
  /** "<layer>/gamma|beta" → [C] */
  vectors: Record<string, PackTensor>;
}

export interface LearnOptions {
  baseWeights: Record<string, PackTensor>;
  /** The painting (the frame marked as style). */
  style: RgbaImage;
  /** Content photos (sample frames, or the built-in samples). */
  content: RgbaImage[];
  /** Installed styles of the same base model; the closest one is the starting point. */
  candidates: LearnCandidate[];
  steps: number;
  /** Crop size, multiple of 4, ≥ 32 (the CLI's --size). */
  size: number;
  /** Crops per step (the CLI's --batch). Default 2. */
  batch?: number;
  seed?: number;
  /** Peak learning rate of the style vectors; default the CLI's (core learnRecipe: 3e-2, cosine decay). */
  learningRate?: number;
  /** Preview every N steps (and at the end). Default 10. */
  previewEvery?: number;
  /**
   * Bench only (bench/learn-steps-web.mjs): the start and schedule instead of core's learnRecipe,
   * e.g. `{ start: 'closest' }` for the recipe before issue 12. The panel never sets it.
   */
  recipe?: Pick<LearnStyleOptions, 'start' | 'schedule'> & { learningRate: number };
  /** The loss network's weights (loaded lazily: only Learn style needs them). */
  lossSource: () => MobileNetSource | Promise<MobileNetSource>;
}

export interface LearnProgress {
  step: number;
  steps: number;
  losses: StepLosses;
  /** Global gradient norm of the step (NaN means the backend computed a broken gradient). */
  gradNorm: number;
  /** Steps per second since the first step finished (the first includes shader compilation). */
  stepsPerSec: number | null;
  /** Set on preview steps: the probe crop stylized with the current vectors. */
  preview?: RgbaImage;
  /**
   * Set on preview steps: the style loss of that preview against the painting (one fixed crop,
   * so unlike the per-step loss on random crops it is not noisy). Falls as the style is learned.
   */
  probeStyle?: number;
}

export interface LearnResult {
  vectors: Record<string, PackTensor>;
  steps: number;
  seconds: number;
  initFrom: string | null;
  /** When the start was a blend of installed styles: its parts (labels and weights). */
  initBlend?: { label: string; weight: number }[];
  /** Peak learning rate and its schedule (core learnRecipe unless overridden). */
  learningRate: number;
  schedule?: LrSchedule;
  losses: { content: number[]; style: number[]; tv: number[] };
  preview: RgbaImage;
  /** Probe style loss before the first step (from the starting style) and after the last. */
  probeStyleStart: number;
  probeStyleEnd: number;
  cancelled: boolean;
}

// ---------------------------------------------------------------- loss network (cached)

let lossNet: { backend: string; net: LossNetwork } | null = null;

/** The loss network on the current backend, built once (Learn style and Refine share it). */
export async function lossNetwork(src: LearnOptions['lossSource']): Promise<LossNetwork> {
  const backend = tf.getBackend();
  if (lossNet && lossNet.backend === backend) return lossNet.net;
  lossNet?.net.dispose();
  lossNet = null;
  const net = createLossNetwork(await src(), { taps: [...DEFAULT_STYLE_TAPS] });
  lossNet = { backend, net };
  return net;
}

export function disposeLossNetwork(): void {
  lossNet?.net.dispose();
  lossNet = null;
}

// ---------------------------------------------------------------- images

/** Style image size as the CLI's loadStyleTensor: shorter side ≈ size, longer ≤ 2·size. */
function styleTensor(img: RgbaImage, size: number): tf.Tensor4D {
  const k = Math.min(size / Math.min(img.width, img.height), (2 * size) / Math.max(img.width, img.height));
  const w = Math.max(size >> 1, Math.round(img.width * k));
  const h = Math.max(size >> 1, Math.round(img.height * k));
  return tf.tidy(() => tf.image.resizeBilinear(rgbaToTensor(img), [h, w], false, true) as tf.Tensor4D);
}

interface ContentItem {
  width: number;
  height: number;
  rgb: Float32Array;
}

/** Content scaled so the shorter side is size·1.15 (as the CLI), as RGB floats. */
async function contentItems(imgs: RgbaImage[], size: number): Promise<ContentItem[]> {
  const target = Math.round(size * 1.15);
  const out: ContentItem[] = [];
  for (const img of imgs) {
    const k = target / Math.min(img.width, img.height);
    const w = Math.max(size, Math.round(img.width * k));
    const h = Math.max(size, Math.round(img.height * k));
    const t = tf.tidy(() => tf.image.resizeBilinear(rgbaToTensor(img), [h, w], false, true));
    out.push({ width: w, height: h, rgb: (await t.data()) as Float32Array });
    t.dispose();
  }
  return out;
}

function batchFor(items: ContentItem[], size: number, seed: number, step: number, batch: number): tf.Tensor4D {
  const rng = new Rng(stepSeed(seed, step));
  const s = size;
  const out = new Float32Array(batch * s * s * 3);
  for (let b = 0; b < batch; b++) {
    const it = items[rng.int(items.length)]!;
    const y0 = rng.int(it.height - s + 1);
    const x0 = rng.int(it.width - s + 1);
    const flip = rng.next() < 0.5;
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        const src = ((y0 + y) * it.width + x0 + (flip ? s - 1 - x : x)) * 3;
        const dst = ((b * s + y) * s + x) * 3;
        out[dst] = it.rgb[src]!;
        out[dst + 1] = it.rgb[src + 1]!;
        out[dst + 2] = it.rgb[src + 2]!;
      }
  }
  return tf.tensor4d(out, [batch, s, s, 3]);
}

function centreCrop(it: ContentItem, s: number): tf.Tensor4D {
  const y0 = (it.height - s) >> 1;
  const x0 = (it.width - s) >> 1;
  const out = new Float32Array(s * s * 3);
  for (let y = 0; y < s; y++) out.set(it.rgb.subarray(((y0 + y) * it.width + x0) * 3, ((y0 + y) * it.width + x0 + s) * 3), y * s * 3);
  return tf.tensor4d(out, [1, s, s, 3]);
}

async function toRgba(t: tf.Tensor4D): Promise<RgbaImage> {
  const [, h, w] = t.shape;
  const d = await t.data();
  const data = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    data[p * 4] = d[p * 3]! * 255;
    data[p * 4 + 1] = d[p * 3 + 1]! * 255;
    data[p * 4 + 2] = d[p * 3 + 2]! * 255;
    data[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

// ---------------------------------------------------------------- the learner

/** Read a scalar without dataSync (webgpu's synchronous readback is slow and fragile). */
async function scalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

export class StyleLearner {
  private signal = { aborted: false };

  constructor(readonly opts: LearnOptions) {
    if (!(opts.size >= 32 && opts.size % 4 === 0)) throw new Error(`Learning size must be a multiple of 4, at least 32 (got ${opts.size}).`);
    if (!(opts.steps >= 1)) throw new Error('Learning needs at least one step.');
    if (opts.content.length === 0) throw new Error('Learning needs at least one content image.');
  }

  cancel(): void {
    this.signal.aborted = true;
  }

  get cancelled(): boolean {
    return this.signal.aborted;
  }

  async run(onProgress: (p: LearnProgress) => void | Promise<void>, onPhase: (text: string) => void = () => {}): Promise<LearnResult> {
    const o = this.opts;
    const batch = o.batch ?? 2;
    const seed = o.seed ?? 0;
    const every = Math.max(1, o.previewEvery ?? 10);
    if (tf.getBackend() === 'webgpu') installWebgpuAddNFix();
    onPhase('Loading the loss network…');
    const net = await lossNetwork(o.lossSource);
    const contentTap = net.taps.indexOf(DEFAULT_CONTENT_TAP);
    const items = await contentItems(o.content, o.size);
    const painting = styleTensor(o.style, o.size);
    const probe = centreCrop(items[0]!, o.size);
    const g = generatorFor(o.baseWeights);
    const recipe = { ...(o.recipe ?? learnRecipe(o.steps)), ...(o.learningRate ? { learningRate: o.learningRate } : {}) };
    let learning: StyleLearning | null = null;
    const disposeLater: tf.Tensor[] = [];
    try {
      onPhase('Finding the closest installed style…');
      learning = await StyleLearning.start({
        generator: g,
        lossNet: net,
        contentTap,
        styleTaps: net.taps.map((_, i) => i),
        painting,
        probe,
        candidates: o.candidates.map((c) => ({ label: c.label, tables: c.vectors })),
        seed,
        ...recipe,
      });
      const l = learning;
      const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
      disposeLater.push(...targets);
      const probeStyle = () => scalar(tf.tidy(() => styleLoss(net.features(g.stylize(probe, l.vectors())), targets)));
      const probeStyleStart = await probeStyle();
      const losses = { content: [] as number[], style: [] as number[], tv: [] as number[] };
      const t0 = performance.now();
      let tFirst: number | null = null;
      onPhase('Learning…');
      try {
        await l.fit({
          steps: o.steps,
          batch: (step) => batchFor(items, o.size, seed, step, batch),
          signal: this.signal,
          onStep: async (r) => {
            losses.content.push(r.losses.content);
            losses.style.push(r.losses.style);
            losses.tv.push(r.losses.tv);
            const now = performance.now();
            const done = r.step + 1;
            if (tFirst === null) tFirst = now;
            const stepsPerSec = done > 1 ? (done - 1) / ((now - tFirst) / 1000) : null;
            const p: LearnProgress = { step: done, steps: o.steps, losses: r.losses, gradNorm: r.gradNorm, stepsPerSec };
            if (done % every === 0 || done === o.steps) {
              p.preview = await this.previewOf(g, l, probe);
              p.probeStyle = await probeStyle();
            }
            await onProgress(p);
          },
        });
      } catch (e) {
        if (e instanceof LearnDivergedError) throw new Error(`Learning diverged at step ${e.step}; try another image or a smaller size.`, { cause: e });
        throw e;
      }
      const seconds = (performance.now() - t0) / 1000;
      return {
        vectors: await l.tables(),
        steps: l.step,
        seconds,
        initFrom: l.initFrom?.label ?? null,
        ...(l.initFrom?.parts ? { initBlend: l.initFrom.parts } : {}),
        learningRate: recipe.learningRate!,
        schedule: recipe.schedule,
        losses,
        preview: await this.previewOf(g, l, probe),
        probeStyleStart,
        probeStyleEnd: await probeStyle(),
        cancelled: this.signal.aborted,
      };
    } finally {
      learning?.dispose();
      tf.dispose(disposeLater);
      g.dispose();
      probe.dispose();
      painting.dispose();
    }
  }

  private async previewOf(g: Generator, l: StyleLearning, probe: tf.Tensor4D): Promise<RgbaImage> {
    const y = tf.tidy(() => g.stylize(probe, l.vectors()));
    try {
      return await toRgba(y);
    } finally {
      y.dispose();
    }
  }
}
export interface LearnedPackMeta {
  name: string;
  id?: string;
  baseModel: { id: string; sha256: string };
  styleImage?: string;
  preview?: { png: Uint8Array; width: number; height: number };
  size: number;
  batch: number;
  backend?: string;
}

/** The learned style as a .stylepack, encoded as `stylepack train` does (core's encodeStylePack: float16 vectors). */
export async function encodeLearnedPack(r: LearnResult, meta: LearnedPackMeta): Promise<Uint8Array> {
  return encodeStylePack(
    meta.baseModel,
    { name: meta.name, tensors: r.vectors },
    {
      id: meta.id ?? slug(meta.name),
      author: 'stylepack figma plugin',
      licence: 'see the style image\u2019s licence',
      description: `Learned in Figma from ${meta.styleImage ?? 'a frame'} on ${meta.baseModel.id}.`,
      training: {
        mode: 'fit-style',
        tool: 'figma-plugin',
        steps: r.steps,
        seconds: Math.round(r.seconds * 10) / 10,
        size: meta.size,
        batch: meta.batch,
        ...(meta.backend ? { backend: meta.backend } : {}),
        ...(meta.styleImage ? { styleImage: meta.styleImage } : {}),
        initFrom: r.initFrom,
        ...(r.initBlend ? { initBlend: r.initBlend } : {}),
        learningRate: r.learningRate,
        ...(r.schedule ? { schedule: r.schedule } : {}),
        losses: { content: thinSeries(r.losses.content), style: thinSeries(r.losses.style), tv: thinSeries(r.losses.tv) },
      },
      ...(meta.preview ? { preview: meta.preview } : {}),
    },
  );
}
