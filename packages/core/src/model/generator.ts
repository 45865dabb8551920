// The generator: encoder → residual blocks → decoder (Johnson et al. 2016), with
// conditional instance norm (Dumoulin et al. 2017): every norm layer has one scale/shift
// row per style, so a style is nothing but those vectors and one network holds N styles.
import * as tf from '@tensorflow/tfjs';
import { conv, instanceNorm, instanceNormRelu, reflectPad, upsample2x } from './layers.js';
import { ParamMap, Rng, convKernel, countParams, ones, uniquePrefix, zeros } from './params.js';

export interface GeneratorConfig {
  /** Base width w: channels are w, 2w, 4w. */
  width: number;
  resBlocks: number;
  /** Kernel size of the first and last conv (9 in Johnson et al.). */
  outerKernel: number;
  /** How many styles the norm tables hold. */
  numStyles: number;
}

export type GeneratorPreset = 'johnson' | 'lite';

/**
 * Presets. `johnson` is the paper's network (w=32 → ~1.68M params); `lite` is the default:
 * w=16 with 3 residual blocks, measured in docs/performance.md / bench.
 */
export function generatorPreset(preset: GeneratorPreset, opts: { widthMultiplier?: number; numStyles?: number } = {}): GeneratorConfig {
  const m = opts.widthMultiplier ?? 1;
  const numStyles = opts.numStyles ?? 1;
  switch (preset) {
    case 'johnson':
      return { width: Math.round(32 * m), resBlocks: 5, outerKernel: 9, numStyles };
    case 'lite':
      return { width: Math.round(16 * m), resBlocks: 3, outerKernel: 9, numStyles };
    default:
      throw new Error(`Unknown generator preset "${preset as string}". Use "lite" (default) or "johnson".`);
  }
}

interface ConvSpec {
  name: string;
  k: number;
  cin: number;
  cout: number;
  stride: number;
  norm: boolean;
}

/** The layer list, in order; names are what checkpoints and packs refer to. */
export function generatorLayers(cfg: GeneratorConfig): ConvSpec[] {
  const w = cfg.width;
  const layers: ConvSpec[] = [
    { name: 'c1', k: cfg.outerKernel, cin: 3, cout: w, stride: 1, norm: true },
    { name: 'c2', k: 3, cin: w, cout: 2 * w, stride: 2, norm: true },
    { name: 'c3', k: 3, cin: 2 * w, cout: 4 * w, stride: 2, norm: true },
  ];
  for (let i = 0; i < cfg.resBlocks; i++) {
    layers.push({ name: `r${i}a`, k: 3, cin: 4 * w, cout: 4 * w, stride: 1, norm: true });
    layers.push({ name: `r${i}b`, k: 3, cin: 4 * w, cout: 4 * w, stride: 1, norm: true });
  }
  layers.push({ name: 'u1', k: 3, cin: 4 * w, cout: 2 * w, stride: 1, norm: true });
  layers.push({ name: 'u2', k: 3, cin: 2 * w, cout: w, stride: 1, norm: true });
  layers.push({ name: 'c4', k: cfg.outerKernel, cin: w, cout: 3, stride: 1, norm: false });
  return layers;
}

/** Per-layer style vectors, already resolved for a batch: gamma/beta are [B or 1, C]. */
export type StyleVectors = Record<string, { gamma: tf.Tensor2D; beta: tf.Tensor2D }>;

export class Generator {
  readonly params: ParamMap = {};
  readonly layers: ConvSpec[];

  constructor(readonly config: GeneratorConfig, seed = 0) {
    const rng = new Rng(seed);
    const prefix = uniquePrefix('g');
    this.layers = generatorLayers(config);
    for (const l of this.layers) {
      this.params[`${l.name}/w`] = convKernel(rng, l.k, l.cin, l.cout, `${prefix}/${l.name}/w`);
      this.params[`${l.name}/b`] = zeros([l.cout], `${prefix}/${l.name}/b`);
      if (l.norm) {
        this.params[`${l.name}/gamma`] = ones([config.numStyles, l.cout], `${prefix}/${l.name}/gamma`);
        this.params[`${l.name}/beta`] = zeros([config.numStyles, l.cout], `${prefix}/${l.name}/beta`);
      }
    }
  }

  /** Names of the norm layers: a style is one gamma/beta row for each of these. */
  get normLayers(): { name: string; channels: number }[] {
    return this.layers.filter((l) => l.norm).map((l) => ({ name: l.name, channels: l.cout }));
  }

  /** Backbone = everything except the per-style norm tables (frozen when fitting a style). */
  backboneParams(): tf.Variable[] {
    return Object.entries(this.params)
      .filter(([n]) => !n.endsWith('/gamma') && !n.endsWith('/beta'))
      .map(([, v]) => v);
  }

  styleTableParams(): tf.Variable[] {
    return Object.entries(this.params)
      .filter(([n]) => n.endsWith('/gamma') || n.endsWith('/beta'))
      .map(([, v]) => v);
  }

  paramCount(): number {
    return countParams(this.params);
  }

  /**
   * Style vectors from blend weights over the stored styles: `weights` is [S] (same blend for
   * the whole batch) or [B, S]. A one-hot row picks one style; any convex blend mixes styles.
   */
  styleVectors(weights: tf.Tensor1D | tf.Tensor2D): StyleVectors {
    const n = weights.rank === 1 ? weights.shape[0] : (weights as tf.Tensor2D).shape[1];
    if (n !== this.config.numStyles) {
      throw new Error(`Style weights have ${n} entries but the generator holds ${this.config.numStyles} styles.`);
    }
    // tidy so the [S] → [1, S] reshape does not outlive the call; only the vectors are returned.
    return tf.tidy(() => {
      const w2 = weights.rank === 1 ? (tf.reshape(weights, [1, n]) as tf.Tensor2D) : (weights as tf.Tensor2D);
      const out: StyleVectors = {};
      for (const { name } of this.normLayers) {
        out[name] = {
          gamma: tf.matMul(w2, this.params[`${name}/gamma`] as tf.Tensor2D),
          beta: tf.matMul(w2, this.params[`${name}/beta`] as tf.Tensor2D),
        };
      }
      return out;
    });
  }

  /** One-hot weights for style index `i` (or a batch of indices). */
  oneHot(indices: number | number[]): tf.Tensor2D {
    const idx = Array.isArray(indices) ? indices : [indices];
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= this.config.numStyles) {
        throw new Error(`Style index ${i} is out of range: this generator holds styles 0..${this.config.numStyles - 1}.`);
      }
    }
    // Built on the CPU side: tf.oneHot refuses depth 1, and a one-style network is common.
    const rows = new Float32Array(idx.length * this.config.numStyles);
    idx.forEach((s, b) => (rows[b * this.config.numStyles + s] = 1));
    return tf.tensor2d(rows, [idx.length, this.config.numStyles]);
  }

  /**
   * Forward pass on NHWC images in [0,1] whose H and W are multiples of 4; output in (0,1).
   * Use `stylize` for arbitrary sizes and strength.
   */
  apply(x: tf.Tensor4D, style: StyleVectors): tf.Tensor4D {
    const [, h, w] = x.shape;
    if (h % 4 !== 0 || w % 4 !== 0) throw new Error(`Generator.apply needs H and W divisible by 4 (got ${h}×${w}); use stylize() for any size.`);
    const p = this.params;
    const block = (name: string, input: tf.Tensor4D, relu: boolean, upsample = false): tf.Tensor4D => {
      const spec = this.layers.find((l) => l.name === name)!;
      const src = upsample ? upsample2x(input) : input;
      // A conv bias right before instance norm is a no-op: (x + b) − mean(x + b) = x − mean(x).
      // So norm layers skip the add (one full pass forward and a Sum backward per layer); the
      // output changes only by float rounding. The bias stays a parameter (packs and checkpoints
      // keep it; it gets no gradient, so the trainer leaves it as it is).
      const bias = spec.norm ? null : (p[`${name}/b`] as tf.Tensor1D);
      const y = conv(reflectPad(src, spec.k >> 1), p[`${name}/w`] as tf.Tensor4D, bias, spec.stride);
      if (spec.norm) {
        const v = style[name];
        if (!v) throw new Error(`No style vectors for norm layer "${name}".`);
        // The ReLU goes into the norm so a fused kernel can apply it in the same pass.
        return relu ? instanceNormRelu(y, v.gamma, v.beta) : instanceNorm(y, v.gamma, v.beta);
      }
      return relu ? tf.relu(y) : y;
    };
    let y = block('c1', x, true);
    y = block('c2', y, true);
    y = block('c3', y, true);
    for (let i = 0; i < this.config.resBlocks; i++) {
      const inner = block(`r${i}a`, y, true);
      y = tf.add(y, block(`r${i}b`, inner, false));
    }
    y = block('u1', y, true, true);
    y = block('u2', y, true, true);
    return tf.sigmoid(block('c4', y, false));
  }

  /**
   * Stylize images of any size: reflect-pad to a multiple of 4, run, crop back, then blend
   * towards the content by `strength` (1 = full style, 0 = the input unchanged).
   */
  stylize(x: tf.Tensor4D, style: StyleVectors, strength = 1): tf.Tensor4D {
    if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be between 0 and 1 (got ${strength}).`);
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const ph = (4 - (h % 4)) % 4;
      const pw = (4 - (w % 4)) % 4;
      if (Math.min(h, w) < 8) throw new Error(`Image is too small to stylize (${w}×${h} px); it needs at least 8 px per side.`);
      const padded = ph || pw ? tf.mirrorPad(x, [[0, 0], [0, ph], [0, pw], [0, 0]], 'reflect') : x;
      let y = this.apply(padded, style);
      if (ph || pw) y = tf.slice(y, [0, 0, 0, 0], [-1, h, w, -1]);
      if (strength === 1) return y;
      return tf.add(tf.mul(y, strength), tf.mul(x, 1 - strength)) as tf.Tensor4D;
    });
  }

  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
  }
}

/**
 * Multiply-accumulates of one forward pass at H×W (convs only, as in the PyTorch anchor's
 * conv_macs): GFLOP = 2·MACs/1e9.
 */
export function generatorMacs(cfg: GeneratorConfig, height: number, width: number): number {
  let h = Math.ceil(height / 4) * 4;
  let w = Math.ceil(width / 4) * 4;
  let macs = 0;
  for (const l of generatorLayers(cfg)) {
    if (l.name === 'u1' || l.name === 'u2') {
      h *= 2;
      w *= 2;
    }
    const oh = l.stride === 2 ? h / 2 : h;
    const ow = l.stride === 2 ? w / 2 : w;
    macs += oh * ow * l.k * l.k * l.cin * l.cout;
    h = oh;
    w = ow;
  }
  return macs;
}
