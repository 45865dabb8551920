// Test-only: a small, deterministic .stylepack made in-test from a seeded generator (random
// backbone, random-but-plausible style vectors). Used by the plugin's unit tests, the e2e suite
// and the bench until trained built-in packs exist. Node only (pngjs for the preview).
import * as tf from '@tensorflow/tfjs';
import { Generator, Rng, backboneSha256, encodePack, generatorPreset, readParams, type PackTensor } from '@stylepack/core';
import { PNG } from 'pngjs';

export interface TestPack {
  bytes: Uint8Array;
  id: string;
  name: string;
  baseSha: string;
  /** Backbone weights (no gamma/beta), as stored in the pack. */
  weights: Record<string, PackTensor>;
  /** One entry per style: "<layer>/gamma|beta" → [C]. */
  styles: Record<string, PackTensor>[];
}

export interface TestPackOptions {
  seed?: number;
  widthMultiplier?: number;
  id?: string;
  name?: string;
  styleNames?: string[];
  /** Include the backbone weights (a self-contained pack). Default true. */
  withWeights?: boolean;
  /** Use another pack's base (same seed/width → same weights and sha). */
  baseSeed?: number;
}

function previewPng(seed: number): Uint8Array {
  const png = new PNG({ width: 16, height: 16 });
  const rng = new Rng(seed);
  const [r, g, b] = [rng.int(256), rng.int(256), rng.int(256)];
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++) {
      const i = (y * 16 + x) * 4;
      png.data[i] = (r + x * 8) & 255;
      png.data[i + 1] = (g + y * 8) & 255;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  return new Uint8Array(PNG.sync.write(png));
}

export async function makeTestPack(opts: TestPackOptions = {}): Promise<TestPack> {
  const seed = opts.seed ?? 1;
  const baseSeed = opts.baseSeed ?? seed;
  const widthMultiplier = opts.widthMultiplier ?? 0.5;
  const id = opts.id ?? `test-pack-${seed}`;
  const name = opts.name ?? `Test ${seed}`;
  const styleNames = opts.styleNames ?? [name];
  const g = new Generator(generatorPreset('lite', { widthMultiplier, numStyles: 1 }), baseSeed);
  const weights: Record<string, PackTensor> = {};
  let normLayers: { name: string; channels: number }[];
  try {
    for (const [k, v] of Object.entries(await readParams(g.params))) {
      if (!k.endsWith('/gamma') && !k.endsWith('/beta')) weights[k] = v;
    }
    normLayers = g.normLayers;
  } finally {
    g.dispose();
  }
  const rng = new Rng(seed * 7919 + 17);
  const styles = styleNames.map(() => {
    const t: Record<string, PackTensor> = {};
    for (const l of normLayers) {
      t[`${l.name}/gamma`] = { shape: [l.channels], data: Float32Array.from({ length: l.channels }, () => 0.6 + 0.8 * rng.next()) };
      t[`${l.name}/beta`] = { shape: [l.channels], data: Float32Array.from({ length: l.channels }, () => (rng.next() - 0.5) * 0.8) };
    }
    return t;
  });
  // The real identity of the backbone (packs with weights are checked against it on import).
  const baseSha = await backboneSha256(weights);
  const withWeights = opts.withWeights ?? true;
  const bytes = await encodePack(
    {
      meta: {
        id,
        name,
        author: 'stylepack tests',
        licence: 'CC0-1.0',
        created: '2026-01-01T00:00:00.000Z',
        baseModel: { id: `test-base-${baseSeed}`, sha256: baseSha },
      },
      styles: styles.map((tensors, i) => ({ name: styleNames[i]!, tensors })),
      ...(withWeights ? { weights } : {}),
      preview: { png: previewPng(seed), width: 16, height: 16 },
    },
    { encoding: 'float32', weightsEncoding: 'float32' },
  );
  return { bytes, id, name, baseSha, weights, styles };
}

/**
 * The reference the plugin is checked against: the same pack run in Node with @stylepack/core
 * directly (one-style generator, Generator.stylize, no tiling), RGBA bytes out.
 */
export async function referenceStylize(
  pack: TestPack,
  styleIndex: number,
  img: { width: number; height: number; data: Uint8Array | Uint8ClampedArray },
  strength = 1,
): Promise<Uint8Array> {
  const c1 = pack.weights['c1/w']!;
  let resBlocks = 0;
  while (pack.weights[`r${resBlocks}a/w`]) resBlocks++;
  const g = new Generator({ width: c1.shape[3]!, outerKernel: c1.shape[0]!, resBlocks, numStyles: 1 }, 0);
  try {
    for (const [k, v] of Object.entries(g.params)) {
      const src = pack.weights[k] ?? pack.styles[styleIndex]![k]!;
      tf.tidy(() => v.assign(tf.tensor(src.data, v.shape)));
    }
    const out = tf.tidy(() => {
      const rgb = new Float32Array(img.width * img.height * 3);
      for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3) {
        rgb[j] = img.data[i]! / 255;
        rgb[j + 1] = img.data[i + 1]! / 255;
        rgb[j + 2] = img.data[i + 2]! / 255;
      }
      const x = tf.tensor4d(rgb, [1, img.height, img.width, 3]);
      return g.stylize(x, g.styleVectors(tf.ones([1]) as tf.Tensor1D), strength);
    });
    const data = await out.data();
    out.dispose();
    const rgba = new Uint8Array(img.width * img.height * 4);
    for (let p = 0; p < img.width * img.height; p++) {
      for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.min(255, Math.max(0, Math.round(data[p * 3 + c]! * 255)));
      rgba[p * 4 + 3] = img.data[p * 4 + 3]!;
    }
    return rgba;
  } finally {
    g.dispose();
  }
}
