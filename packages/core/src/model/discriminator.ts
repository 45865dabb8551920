// PatchGAN discriminator (Isola et al. 2017): strided 4×4 convs with leaky ReLU, one logit per
// overlapping patch. With several styles it is conditioned on the style by emitting one logit
// map per style and reading the map of the sample's own style.
import * as tf from '@tensorflow/tfjs';
import { conv, instanceNorm, instanceNormLeakyRelu, leakyRelu } from './layers.js';
import { ParamMap, Rng, convKernel, countParams, ones, uniquePrefix, zeros } from './params.js';

export interface DiscriminatorConfig {
  /** Channels of the first conv (64 in pix2pix); doubles per stride-2 layer. */
  width: number;
  numStyles: number;
}

export class Discriminator {
  readonly params: ParamMap = {};
  private readonly specs: { name: string; cin: number; cout: number; stride: number; norm: boolean }[];

  constructor(readonly config: DiscriminatorConfig, seed = 1) {
    const rng = new Rng(seed);
    const prefix = uniquePrefix('d');
    const w = config.width;
    this.specs = [
      { name: 'd1', cin: 3, cout: w, stride: 2, norm: false },
      { name: 'd2', cin: w, cout: 2 * w, stride: 2, norm: true },
      { name: 'd3', cin: 2 * w, cout: 4 * w, stride: 2, norm: true },
      { name: 'd4', cin: 4 * w, cout: config.numStyles, stride: 1, norm: false },
    ];
    for (const s of this.specs) {
      this.params[`${s.name}/w`] = convKernel(rng, 4, s.cin, s.cout, `${prefix}/${s.name}/w`);
      this.params[`${s.name}/b`] = zeros([s.cout], `${prefix}/${s.name}/b`);
      if (s.norm) {
        this.params[`${s.name}/gamma`] = ones([1, s.cout], `${prefix}/${s.name}/gamma`);
        this.params[`${s.name}/beta`] = zeros([1, s.cout], `${prefix}/${s.name}/beta`);
      }
    }
  }

  paramCount(): number {
    return countParams(this.params);
  }

  /**
   * Patch logits [B, h, w] for images x [B, H, W, 3] in [0,1], read from the map of each
   * sample's style given as one-hot (or blend) weights [B, S].
   */
  apply(x: tf.Tensor4D, styleWeights: tf.Tensor2D): tf.Tensor3D {
    const p = this.params;
    let y = x;
    for (const s of this.specs) {
      // Zero padding 1 as in pix2pix's PatchGAN; done explicitly so every conv is 'valid'.
      // No bias before instance norm: it would cancel out (see Generator.apply).
      const bias = s.norm ? null : (p[`${s.name}/b`] as tf.Tensor1D);
      y = conv(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]]), p[`${s.name}/w`] as tf.Tensor4D, bias, s.stride);
      const act = s.name !== 'd4';
      if (s.norm) {
        // Norm and leaky ReLU in one op, so a fused kernel can do both in one pass.
        const g = p[`${s.name}/gamma`] as tf.Tensor2D;
        const b = p[`${s.name}/beta`] as tf.Tensor2D;
        y = act ? instanceNormLeakyRelu(y, g, b, 0.2) : instanceNorm(y, g, b);
      } else if (act) {
        y = leakyRelu(y, 0.2);
      }
    }
    const [b, h, w, n] = y.shape;
    const sel = tf.reshape(styleWeights, [b, 1, 1, n]);
    return tf.sum(tf.mul(y, sel), 3) as tf.Tensor3D;
  }

  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
  }
}
