// The quality bench's yardstick: content distance C and style distance S of a result, each
// relative to the two trivial answers (the photo, the painting), on MobileNetV2 layers and a
// scale that no training or optimisation loss uses (they use block_{1,3,6,10}_expand_relu at the
// image's own size).
//
//   C = median over content layers of  (1 − r(F(x), F(photo))) / (1 − r(F(crop), F(photo)))
//       r = correlation of the feature maps (each channel centred on its spatial mean);
//       0 = the photo, 1 = the painting cover-cropped to the photo's shape.
//   S = median over style layers of  ‖G(x) − G(painting)‖ / ‖G(photo) − G(painting)‖
//       G = Gram matrix; 1 = the photo, 0 = the painting.
//
// Why correlation for C (docs/quality.md, "The yardstick"): a Euclidean feature distance counts
// the painting's texture laid over the photo as lost content. With it a blurred photo — every
// object still there — scored C ≈ 0.6 and every stylised result 0.6–0.9, so C could not tell a
// result that keeps the objects from one that dissolves them, and the photo itself (C + S = 1)
// beat every result. Correlation asks how much of the photo's feature pattern is still present;
// texture added on top costs little, structure lost costs fully; channel means (a style
// statistic) are left to S.
import * as tf from '@tensorflow/tfjs';
import { gram } from '@stylepack/core';
import { loadLossNetworkFromNsfwjs } from '@stylepack/core/node';
import { median } from '../lib.mjs';

export const EVAL_CONTENT = ['block_4_add', 'block_8_add'];
export const EVAL_STYLE = ['block_2_add', 'block_5_add', 'block_9_add'];
export const EVAL_SCALE = 0.8;
export const YARDSTICK = {
  content: `median over ${EVAL_CONTENT.join(', ')} of (1 − r(x, photo)) / (1 − r(painting crop, photo)), r = correlation of channel-centred feature maps`,
  style: `median over ${EVAL_STYLE.join(', ')} of ‖G(x) − G(painting)‖ / ‖G(photo) − G(painting)‖`,
  scale: EVAL_SCALE,
  score: 'C + S',
};

export function createYardstick() {
  const net = loadLossNetworkFromNsfwjs({ taps: [...EVAL_CONTENT, ...EVAL_STYLE] });

  /** Eval features of an image [1,H,W,3] at 0.8×: channel-centred content maps and style Grams. */
  function features(x) {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const f = net.features(tf.image.resizeBilinear(x, [Math.round(h * EVAL_SCALE), Math.round(w * EVAL_SCALE)]));
      return {
        content: f.slice(0, EVAL_CONTENT.length).map((t) => tf.keep(tf.sub(t, tf.mean(t, [1, 2], true)))),
        grams: f.slice(EVAL_CONTENT.length).map((t) => tf.keep(gram(t))),
      };
    });
  }
  const dispose = (f) => tf.dispose([...f.content, ...f.grams]);
  const oneMinusR = (a, b) => tf.tidy(() => 1 - tf.sum(tf.mul(a, b)).dataSync()[0] / Math.sqrt(tf.sum(tf.square(a)).dataSync()[0] * tf.sum(tf.square(b)).dataSync()[0]));
  const dist = (a, b) => tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]);

  /**
   * A scorer for one (photo, painting) pair: score(x) → { content, style, score }.
   * `paintingCrop` is the painting cropped to the photo's shape (the content baseline).
   */
  function forPair(photo, painting, paintingCrop) {
    const fPhoto = features(photo);
    const fPaint = features(painting);
    const fCrop = features(paintingCrop);
    const cDen = fCrop.content.map((c, l) => oneMinusR(c, fPhoto.content[l]));
    const sDen = fPhoto.grams.map((g, l) => dist(g, fPaint.grams[l]));
    return {
      score(x) {
        const f = features(x);
        const C = median(f.content.map((c, l) => oneMinusR(c, fPhoto.content[l]) / cDen[l]));
        const S = median(f.grams.map((g, l) => dist(g, fPaint.grams[l]) / sDen[l]));
        dispose(f);
        return { content: C, style: S, score: C + S };
      },
      dispose() {
        [fPhoto, fPaint, fCrop].forEach(dispose);
      },
    };
  }
  return { forPair, dispose: () => net.dispose?.() };
}
