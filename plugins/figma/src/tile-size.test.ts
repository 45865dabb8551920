// Tile-size limits of the plugin's StyleEngine. The webgl cap is checked against
// tfjs-backend-webgl's own texture-shape logic (no GL context needed): a tile must not need an
// im2col texture over WEBGL_MAX_TEXTURE_SIZE. Re-aiming after a single-tile image runs on cpu.
import * as tf from '@tensorflow/tfjs';
import { webgl_util } from '@tensorflow/tfjs-backend-webgl';
import { generatorPreset } from '@stylepack/core';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestPack } from './testing/make-pack.js';
import { PackLibrary, StyleEngine, im2colPerPixel, maxWebglTileSize, webglLearnSizeFits, WEBGL_TEXTURE_BUDGET } from './ui/engine.js';

/** Physical texture [width, height] tfjs webgl allocates for the packed im2col of a tile. */
function im2colTexture(tile: number, perPixel: number): number[] {
  const logical = webgl_util.getTextureShapeFromLogicalShape([1, perPixel, tile * tile], true);
  return logical.map((d) => Math.ceil(d / 2)); // packed: 2×2 values per texel
}

const saved = tf.env().getFlags()['WEBGL_MAX_TEXTURE_SIZE'];
afterEach(() => {
  if (saved === undefined) delete tf.env().getFlags()['WEBGL_MAX_TEXTURE_SIZE'];
  else tf.env().set('WEBGL_MAX_TEXTURE_SIZE', saved);
});

describe('webgl tile size', () => {
  const lite = generatorPreset('lite');

  it('finds the outer 9×9 conv back to RGB as the largest im2col', () => {
    expect(im2colPerPixel(lite)).toBe(9 * 9 * lite.width);
  });

  it('a 512 tile needed a 9216² texture: over the 8192 limit of SwiftShader (the bench failure)', () => {
    tf.env().set('WEBGL_MAX_TEXTURE_SIZE', 8192);
    expect(Math.max(...im2colTexture(512, im2colPerPixel(lite)))).toBe(9216);
  });

  for (const maxTex of [4096, 8192, 16384]) {
    it(`keeps the im2col texture within a ${maxTex} limit, and is the largest such tile`, () => {
      tf.env().set('WEBGL_MAX_TEXTURE_SIZE', maxTex);
      for (const cfg of [lite, generatorPreset('lite', { widthMultiplier: 2 }), generatorPreset('johnson')]) {
        const per = im2colPerPixel(cfg);
        const t = maxWebglTileSize(cfg, maxTex, Infinity);
        expect(Math.max(...im2colTexture(t, per))).toBeLessThanOrEqual(maxTex);
        expect(Math.max(...im2colTexture(t + 32, per))).toBeGreaterThan(maxTex);
      }
    });
  }

  it('stays within the memory budget on big GPUs', () => {
    tf.env().set('WEBGL_MAX_TEXTURE_SIZE', 16384);
    const t = maxWebglTileSize(lite, 16384);
    expect(t).toBe(224);
    expect(Math.max(...im2colTexture(t, im2colPerPixel(lite)))).toBeLessThanOrEqual(WEBGL_TEXTURE_BUDGET);
  });
});

describe('learning a style on webgl', () => {
  const lite = generatorPreset('lite');
  /** Physical texture of the batched im2col (tfjs: [batch, k²·Cin, outH·outW]). */
  const learnTexture = (size: number, batch: number) =>
    webgl_util.getTextureShapeFromLogicalShape([batch, im2colPerPixel(lite), size * size], true).map((d) => Math.ceil(d / 2));

  it('refuses sizes whose im2col texture is over the device limit, and only those', () => {
    tf.env().set('WEBGL_MAX_TEXTURE_SIZE', 8192);
    for (const size of [128, 256, 384]) {
      const fits = Math.max(...learnTexture(size, 2)) <= 8192;
      expect(webglLearnSizeFits(lite, size, 2, 8192), `${size} px`).toBe(fits);
    }
    expect(webglLearnSizeFits(lite, 256, 2, 8192)).toBe(true);
    expect(webglLearnSizeFits(lite, 384, 2, 8192)).toBe(false);
    expect(webglLearnSizeFits(lite, 384, 2, 16384)).toBe(true);
  });
});

describe('tile size re-aimed from measured tiles', () => {
  it('also from a single-tile image once the model is warm (a slow GPU kept its 512 px tile)', async () => {
    await tf.setBackend('cpu');
    const pack = await makeTestPack({ seed: 4, widthMultiplier: 1 });
    const lib = new PackLibrary();
    await lib.add(pack.bytes, 'builtin');
    const a = lib.vectors(`${pack.id}#0`);
    const engine = new StyleEngine();
    engine.ensureModel(a.baseSha, lib.baseWeights(a.baseSha)!);
    engine.setStyle(a.vectors, null, 0);
    engine.tileSize = 512; // as a GPU backend starts (no calibration)
    const data = new Uint8Array(128 * 128 * 4).fill(200);
    const img = { width: 128, height: 128, data };
    let tiles = 0;
    await engine.stylize(img, { strength: 1, preserveColors: false, onTile: (_d, t) => (tiles = t) });
    expect(tiles).toBe(1);
    expect(engine.tileSize).toBe(512); // the model's first image may include warm-up: not used
    await engine.stylize(img, { strength: 1, preserveColors: false });
    // A 128² lite tile takes far more than 600·(128/512)² ≈ 37 ms on tfjs cpu, so the tile shrinks
    // (before: a single tile never re-aimed, and its time was divided by 512² instead of 128²).
    expect(engine.tileSize).toBeLessThan(512);
    expect(engine.tileSize).toBeGreaterThanOrEqual(96);
    engine.dispose();
  });
});
