// Colour preservation (Gatys et al. 2016, "luminance-only transfer"): keep the stylized image's
// luminance and the content image's chrominance, in YIQ space.
import * as tf from '@tensorflow/tfjs';

const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
];

function matrix(m: number[][]): tf.Tensor2D {
  // tensors multiply as [N, 3] × [3, 3]ᵀ
  return tf.transpose(tf.tensor2d(m)) as tf.Tensor2D;
}

export function preserveColors(stylized: tf.Tensor4D, content: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w] = stylized.shape;
    const toYiq = matrix(RGB_TO_YIQ);
    const toRgb = matrix(invert3(RGB_TO_YIQ));
    const ys = tf.matMul(tf.reshape(stylized, [-1, 3]), toYiq);
    const yc = tf.matMul(tf.reshape(content, [-1, 3]), toYiq);
    const mixed = tf.concat([tf.slice(ys, [0, 0], [-1, 1]), tf.slice(yc, [0, 1], [-1, 2])], 1);
    return tf.clipByValue(tf.reshape(tf.matMul(mixed, toRgb), [b, h, w, 3]), 0, 1) as tf.Tensor4D;
  });
}

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}
