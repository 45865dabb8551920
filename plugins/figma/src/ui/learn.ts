// "Learn style": fits a new style's conditional-norm vectors on the frozen base model (core
// Trainer, mode 'fit-style'), starting from the closest installed style by Gram distance — the
// same recipe as `stylepack train` (packages/trainer/src/commands/train.ts): same loss network
// taps, loss weights (no adversarial term), learning rates, crop sampling and pack encoding.
// No DOM here: images come in as RGBA, so it runs under vitest in Node (cpu) and in the panel.
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_CONTENT_TAP,
  DEFAULT_STYLE_TAPS,
  Generator,
  Rng,
  Trainer,
  createLossNetwork,
  encodePack,
  gram,
  rgbaToTensor,
  styleLoss,
  type LossNetwork,
  type MobileNetSource,
  type PackTensor,
  type RgbaImage,
  type StepLosses,
} from '@stylepack/core';
import { baseGenerator } from './engine.js';
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
  /** Learning rate of the style vectors; default the CLI's (core Trainer default, 1e-2). */
  learningRate?: number;
  /** Preview every N steps (and at the end). Default 10. */
  previewEvery?: number;
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

/** Same mixing as the CLI's dataset (packages/trainer/src/dataset.ts). */
export function stepSeed(seed: number, step: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
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

function vectorsAsTensors(g: Generator, v: Record<string, PackTensor>) {
  const out: Record<string, { gamma: tf.Tensor2D; beta: tf.Tensor2D }> = {};
  for (const { name, channels } of g.normLayers) {
    const ga = v[`${name}/gamma`];
    const be = v[`${name}/beta`];
    if (!ga || !be || ga.data.length !== channels || be.data.length !== channels) throw new Error(`style has no ${channels}-channel vectors for ${name}`);
    out[name] = { gamma: tf.tensor2d(ga.data, [1, channels]), beta: tf.tensor2d(be.data, [1, channels]) };
  }
  return out;
}

/** Read a scalar without dataSync (webgpu's synchronous readback is slow and fragile). */
async function scalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/** The candidate whose result on `probe` is closest to the painting (Σ over taps of mean squared Gram difference). */
async function closest(g: Generator, net: LossNetwork, probe: tf.Tensor4D, painting: tf.Tensor4D, candidates: LearnCandidate[]): Promise<{ index: number; distance: number } | null> {
  let best = { index: -1, distance: Infinity };
  const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
  try {
    for (let i = 0; i < candidates.length; i++) {
      let t: tf.Tensor;
      try {
        t = tf.tidy(() => {
          const y = g.stylize(probe, vectorsAsTensors(g, candidates[i]!.vectors));
          const f = net.features(y);
          return tf.addN(f.map((x, k) => tf.mean(tf.squaredDifference(gram(x), targets[k]!))));
        });
      } catch {
        continue; // a style for another architecture: skip
      }
      const d = await scalar(t);
      if (d < best.distance) best = { index: i, distance: d };
    }
  } finally {
    tf.dispose(targets);
  }
  return best.index >= 0 ? best : null;
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
    const g = baseGenerator(o.baseWeights);
    let trainer: Trainer | null = null;
    const disposeLater: tf.Tensor[] = [];
    try {
      onPhase('Finding the closest installed style…');
      const best = o.candidates.length ? await closest(g, net, probe, painting, o.candidates) : null;
      let fitInit: Record<string, { gamma: Float32Array; beta: Float32Array }> | undefined;
      if (best) {
        const v = o.candidates[best.index]!.vectors;
        fitInit = {};
        for (const { name } of g.normLayers) fitInit[name] = { gamma: v[`${name}/gamma`]!.data, beta: v[`${name}/beta`]!.data };
      }
      const tr = new Trainer({
        generator: g,
        lossNet: net,
        contentTap,
        styleTaps: net.taps.map((_, i) => i),
        styleImages: [painting],
        mode: 'fit-style',
        fitInit,
        seed,
        weights: { adversarial: 0 },
        ...(o.learningRate ? { learningRate: { styleVectors: o.learningRate } } : {}),
      });
      trainer = tr;
      const targets = tf.tidy(() => net.features(painting).map((f) => gram(f)));
      disposeLater.push(...targets);
      const probeStyle = () => scalar(tf.tidy(() => styleLoss(net.features(g.stylize(probe, tr.fittedVectors())), targets)));
      const probeStyleStart = await probeStyle();
      const losses = { content: [] as number[], style: [] as number[], tv: [] as number[] };
      const t0 = performance.now();
      let tFirst: number | null = null;
      onPhase('Learning…');
      await tr.fit({
        steps: o.steps,
        batch: (step) => batchFor(items, o.size, seed, step, batch),
        signal: this.signal,
        onStep: async (r) => {
          if (!Number.isFinite(r.losses.generator) || !Number.isFinite(r.gradNorm)) throw new Error(`Learning diverged at step ${r.step + 1}; try another image or a smaller size.`);
          losses.content.push(r.losses.content);
          losses.style.push(r.losses.style);
          losses.tv.push(r.losses.tv);
          const now = performance.now();
          const done = r.step + 1;
          if (tFirst === null) tFirst = now;
          const stepsPerSec = done > 1 ? (done - 1) / ((now - tFirst) / 1000) : null;
          const p: LearnProgress = { step: done, steps: o.steps, losses: r.losses, gradNorm: r.gradNorm, stepsPerSec };
          if (done % every === 0 || done === o.steps) {
            p.preview = await this.previewOf(g, tr, probe);
            p.probeStyle = await probeStyle();
          }
          await onProgress(p);
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      const fitted = await tr.fittedStyle();
      const vectors: Record<string, PackTensor> = {};
      for (const [k, v] of Object.entries(fitted)) vectors[k] = { shape: [v.shape[v.shape.length - 1]!], data: v.data };
      return {
        vectors,
        steps: tr.step,
        seconds,
        initFrom: best ? o.candidates[best.index]!.label : null,
        losses,
        preview: await this.previewOf(g, tr, probe),
        probeStyleStart,
        probeStyleEnd: await probeStyle(),
        cancelled: this.signal.aborted,
      };
    } finally {
      trainer?.dispose();
      tf.dispose(disposeLater);
      g.dispose();
      probe.dispose();
      painting.dispose();
    }
  }

  private async previewOf(g: Generator, tr: Trainer, probe: tf.Tensor4D): Promise<RgbaImage> {
    const y = tf.tidy(() => g.stylize(probe, tr.fittedVectors()));
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

/** Pack id from a name, as the CLI's slug(). */
export function slug(name: string): string {
  const s = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
  return s || 'style';
}

/** The learned style as a .stylepack, encoded as the CLI's encodeStylePack does (float16 vectors). */
export async function encodeLearnedPack(r: LearnResult, meta: LearnedPackMeta): Promise<Uint8Array> {
  const thin = (a: number[]) => (a.length <= 200 ? a : a.filter((_, i) => i % Math.ceil(a.length / 200) === 0 || i === a.length - 1));
  return encodePack(
    {
      meta: {
        id: meta.id ?? slug(meta.name),
        name: meta.name,
        author: 'stylepack figma plugin',
        licence: 'see the style image\u2019s licence',
        description: `Learned in Figma from ${meta.styleImage ?? 'a frame'} on ${meta.baseModel.id}.`,
        baseModel: meta.baseModel,
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
          losses: { content: thin(r.losses.content), style: thin(r.losses.style), tv: thin(r.losses.tv) },
        },
      },
      styles: [{ name: meta.name, tensors: r.vectors }],
      ...(meta.preview ? { preview: meta.preview } : {}),
    },
    { encoding: 'float16' },
  );
}
