// The base model the plugin ships (float16 backbone, shared/bundled-base.ts) against the
// float32 original in models/base: same identity, and stylized pixels within a stated tolerance
// for several built-in packs (core's generator on tfjs cpu, a generated 96×96 test picture).
import * as tf from '@tensorflow/tfjs';
import { decodePack, readPackManifest, type StylePack } from '@stylepack/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { bundleBaseModel } from './shared/bundled-base.js';
import { PackLibrary } from './ui/engine.js';
import { referenceStylize } from './testing/make-pack.js';
import { pixelDiff } from './testing/pixel-diff.js';

const models = fileURLToPath(new URL('../../../models/', import.meta.url));
/** Max / mean difference allowed per 8-bit channel between the float16 and float32 backbones. */
const F16_TOLERANCE = { max: 2, mean: 0.05 }; // measured: max 1, mean ≤ 0.015

function picture(w: number, h: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const r = Math.hypot(x - w / 2, y - h / 3);
      data.set([Math.round((x / w) * 255), Math.round((0.5 + 0.5 * Math.sin(r / 3)) * 255), Math.round((y / h) * 220), 255], (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

let f32: StylePack;
let f16: StylePack;
let f32Bytes: Uint8Array;
let f16Bytes: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  f32Bytes = new Uint8Array(readFileSync(models + 'base/model.stylepack'));
  f16Bytes = await bundleBaseModel(f32Bytes);
  [f32, f16] = await Promise.all([decodePack(f32Bytes), decodePack(f16Bytes)]);
});

describe('bundled base model (float16 backbone)', () => {
  it('keeps the identity the built-in packs refer to, at about half the size', () => {
    expect(f16.manifest.id).toBe(f32.manifest.id);
    expect(f16.manifest.baseModel).toEqual(f32.manifest.baseModel);
    expect(Object.keys(f16.weights!).sort()).toEqual(Object.keys(f32.weights!).sort());
    expect(Object.values(f16.manifest.weights!).every((r) => r.dtype === 'float16')).toBe(true);
    expect(f16Bytes.byteLength).toBeLessThan(0.55 * f32Bytes.byteLength);
    for (const f of ['hokusai-great-wave', 'van-gogh-starry-night']) {
      expect(readPackManifest(new Uint8Array(readFileSync(`${models}packs/${f}.stylepack`))).baseModel).toEqual(f32.manifest.baseModel);
    }
  });

  it('makes every built-in pack usable in the panel, with nothing imported', async () => {
    const lib = new PackLibrary();
    const files = readdirSync(models + 'packs').filter((f) => f.endsWith('.stylepack'));
    for (const f of files) await lib.add(new Uint8Array(readFileSync(`${models}packs/${f}`)), true);
    expect(lib.styles()).toHaveLength(files.length);
    expect(lib.styles().every((s) => /not installed/.test(s.problem ?? ''))).toBe(true);
    lib.addBuiltinBase(f16);
    expect(lib.styles().map((s) => s.problem)).toEqual(files.map(() => null));
    expect(lib.styles()).toHaveLength(files.length); // the base's own 12 styles are not listed again
  });

  it(`stylizes within max ${F16_TOLERANCE.max} / mean ${F16_TOLERANCE.mean} of 255 of the float32 model, for three built-in packs`, async () => {
    const img = picture(96, 96);
    for (const f of ['hokusai-great-wave', 'van-gogh-starry-night', 'kandinsky-composition-viii']) {
      const style = (await decodePack(new Uint8Array(readFileSync(`${models}packs/${f}.stylepack`)))).styles[0]!.tensors;
      const a = await referenceStylize({ weights: f32.weights!, styles: [style] } as never, 0, img);
      const b = await referenceStylize({ weights: f16.weights!, styles: [style] } as never, 0, img);
      const { max, mean } = pixelDiff(a, b);
      console.log(`${f}: float16 vs float32 backbone, max ${max}, mean ${mean.toFixed(3)} (of 255)`);
      expect(max, f).toBeLessThanOrEqual(F16_TOLERANCE.max);
      expect(mean, f).toBeLessThanOrEqual(F16_TOLERANCE.mean);
      // and the style did something (the comparison is not between two blank images)
      expect(pixelDiff(a, img.data).mean).toBeGreaterThan(10);
    }
  });
});
