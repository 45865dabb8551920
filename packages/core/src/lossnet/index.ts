// The loss network: frozen ImageNet MobileNetV2 features (layers ≤ block_10 of the model bundled
// in nsfwjs) for the perceptual content/style losses. Universal: runs in Node and the browser.
// See docs/loss-network.md for the preprocessing, the tap choice and the timings.
import * as tf from '@tensorflow/tfjs';
import { buildMobileNetPlan, disposePlanSteps, runPlan, type MobileNetPlan } from './mobilenet-v2.js';

export { base64ToArrayBuffer } from './base64.js';

export interface LossNetwork {
  /** Layer names whose outputs `features` returns, in order. */
  readonly taps: readonly string[];
  /** The feature transform applied to every tap (see FeatureTransform). */
  readonly featureTransform: FeatureTransform;
  readonly inputRange: InputRange;
  /**
   * x: NHWC float32 RGB in [0,1] (any H, W ≥ 32; multiples of 16 keep the Keras padding exact).
   * Returns one feature map per tap, in `taps` order. Tidy: only the returned tensors survive.
   * `only` (indices into `taps`): return just those, in that order, running the network only as
   * deep as they need (e.g. the trainer's content target stops at block 6 of 10).
   */
  features(x: tf.Tensor4D, only?: readonly number[]): tf.Tensor4D[];
  dispose(): void;
}

/** What the nsfwjs bundle (or any Keras MobileNetV2 export) provides. */
export interface MobileNetSource {
  /** The Keras model.json `modelTopology` (with model_config.config.layers). */
  modelTopology: unknown;
  /** tfjs weights manifest (array of groups); quantized entries are dequantized on load. */
  weightsManifest: unknown;
  /** All weight shards concatenated in manifest order. */
  weightData: ArrayBuffer;
}

/**
 * Optional transform of each feature map before it is returned.
 * - 'none': the raw relu6 activations.
 * - softmax (Wang et al., CVPR 2021, "SWAG"): softmax(F / temperature) over the spatial positions
 *   of each channel ('spatial'), over the channels at each position ('channel'), or jointly over
 *   all H·W·C activations of the map ('all' = exp(F/T) / Σ exp(F/T): monotonic per activation, so
 *   channel magnitudes — colour — survive). The result is multiplied by the number of elements
 *   in the softmax so that it has mean 1 whatever the size, keeping loss weights independent of
 *   the resolution.
 */
export type FeatureTransform = 'none' | { kind: 'softmax'; axis: 'spatial' | 'channel' | 'all'; temperature?: number };

export interface LossNetworkOptions {
  /** Layer names to return (RGB_TAP = the input itself); default [...DEFAULT_STYLE_TAPS]. Must be ≤ block_10 (ImageNet-frozen). */
  taps?: string[];
  /**
   * Default 'none' (the study found no softmax variant better on this network; see the doc).
   * Not applied to RGB_TAP. `applyFeatureTransform` applies one after the fact.
   */
  featureTransform?: FeatureTransform;
  /** Default 'unit' (see InputRange). */
  inputRange?: InputRange;
}

/**
 * The network input itself as a tap: the RGB image as fed to the first conv ([0,1] with the default
 * inputRange). Its Gram is the colour palette's second moments — the trainer's `color` loss term
 * computes the same thing on the pixels, so it is not among the default style taps.
 */
/** Smallest image side the loss network takes (its deepest taps need a few pixels left). */
export const LOSSNET_MIN_SIDE = 32;

export const RGB_TAP = 'input_1';

/** Style taps: the expand ReLUs of blocks 1, 3, 6, 10 (output strides 2, 4, 8, 16; 96, 144, 192, 384 channels). */
export const DEFAULT_STYLE_TAPS = ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_10_expand_relu'] as const;
/**
 * Optional per-tap weights for Σ_l w_l·‖G_l(y) − G_l(s)‖²_F over DEFAULT_STYLE_TAPS (G normalized
 * by C·H·W as in losses/perceptual `gram`): ≈ 1 / the median distance over 168 photo × painting
 * pairs at 128 px (medians 1.07, 0.45, 0.21, 0.36), so every tap starts near 1 instead of block_1
 * carrying half of an unweighted sum. See docs/loss-network.md.
 */
export const DEFAULT_STYLE_TAP_WEIGHTS = [1, 2, 5, 3] as const;
/** Content tap (output stride 8, 192 channels); also a style tap, so one forward gives both. */
export const DEFAULT_CONTENT_TAP = 'block_6_expand_relu';

/**
 * What the network's first convolution is fed. 'unit': the [0,1] RGB as is — what nsfwjs feeds
 * this model, and what its BatchNorm moving statistics were estimated on (measured; see
 * docs/loss-network.md). 'signed': x·2−1, the stock Keras MobileNetV2 `preprocess_input`.
 */
export type InputRange = 'unit' | 'signed';

export function preprocessForMobileNet(x: tf.Tensor4D, range: InputRange = 'unit'): tf.Tensor4D {
  if (range === 'unit') return x;
  return tf.tidy(() => tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D);
}

export function applyFeatureTransform(f: tf.Tensor4D, t: FeatureTransform): tf.Tensor4D {
  if (t === 'none') return f;
  return tf.tidy(() => {
    const [b, h, w, c] = f.shape;
    const temp = t.temperature ?? 1;
    if (!(temp > 0)) throw new Error(`featureTransform: temperature must be > 0 (got ${temp}).`);
    if (t.kind !== 'softmax' || !['spatial', 'channel', 'all'].includes(t.axis)) {
      throw new Error(`featureTransform: expected 'none' or { kind: 'softmax', axis: 'spatial' | 'channel' | 'all' } (got ${JSON.stringify(t)}).`);
    }
    const z = temp === 1 ? f : tf.div(f, temp);
    if (t.axis === 'channel') return tf.mul(tf.softmax(z, -1), c) as tf.Tensor4D;
    if (t.axis === 'all') return tf.reshape(tf.mul(tf.softmax(tf.reshape(z, [b, h * w * c]), -1), h * w * c), [b, h, w, c]) as tf.Tensor4D;
    // Spatial: softmax over the H·W positions of each (sample, channel).
    // (tf.softmax only reduces the last axis, hence the transposes.)
    const byChannel = tf.transpose(tf.reshape(z, [b, h * w, c]), [0, 2, 1]);
    const sm = tf.transpose(tf.softmax(byChannel, -1), [0, 2, 1]);
    return tf.reshape(tf.mul(sm, h * w), [b, h, w, c]) as tf.Tensor4D;
  });
}

/**
 * Build the loss network. Weights are decoded (and BN folded) once, here; only layers the taps need
 * are decoded. The weights are plain tensors, so gradients flow only to the input.
 */
export function createLossNetwork(src: MobileNetSource, opts: LossNetworkOptions = {}): LossNetwork {
  const taps = opts.taps ?? [...DEFAULT_STYLE_TAPS];
  const featureTransform = opts.featureTransform ?? 'none';
  const inputRange = opts.inputRange ?? 'unit';
  if (inputRange !== 'unit' && inputRange !== 'signed') throw new Error(`createLossNetwork: inputRange must be 'unit' or 'signed' (got ${String(inputRange)}).`);
  if (featureTransform !== 'none') applyFeatureTransform(tf.zeros([1, 1, 1, 1]), featureTransform).dispose(); // validate early
  let plan: MobileNetPlan | null = buildMobileNetPlan(src.modelTopology, src.weightsManifest, src.weightData, taps);
  return {
    taps: Object.freeze([...taps]),
    featureTransform,
    inputRange,
    features(x: tf.Tensor4D, only?: readonly number[]): tf.Tensor4D[] {
      const p = plan;
      const names = only
        ? only.map((i) => {
            if (!Number.isInteger(i) || i < 0 || i >= taps.length) throw new Error(`LossNetwork.features: tap index ${i} is out of range (0..${taps.length - 1}).`);
            return taps[i]!;
          })
        : taps;
      if (!p) throw new Error('LossNetwork.features: the network was disposed.');
      if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`LossNetwork.features: expected [B, H, W, 3] RGB, got [${x.shape.join(', ')}].`);
      if (x.shape[1] < LOSSNET_MIN_SIDE || x.shape[2] < LOSSNET_MIN_SIDE) throw new Error(`LossNetwork.features: input ${x.shape[1]}×${x.shape[2]} is too small (≥ ${LOSSNET_MIN_SIDE}×${LOSSNET_MIN_SIDE}).`);
      return tf.tidy(() => {
        const input = tf.cast(x, 'float32') as tf.Tensor4D;
        const outs = runPlan(p, preprocessForMobileNet(input, inputRange), names);
        // The RGB tap is the image, not a feature: never transformed, always a fresh tensor (the
        // caller may dispose what features() returns without disposing x).
        return outs.map((f, i) => (names[i] === RGB_TAP ? (f === x ? tf.clone(f) : f) : applyFeatureTransform(f, featureTransform)));
      });
    },
    dispose(): void {
      if (plan) disposePlanSteps(plan.steps);
      plan = null;
    },
  };
}
