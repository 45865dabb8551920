// Unit tests of the plugin's pure parts and its model engine (Node, tfjs cpu backend).
import * as tf from '@tensorflow/tfjs';
import { generatorConfigFromWeights, resampleRgb } from '@stylepack/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sanitize } from './main/storage.js';
import { DEFAULT_SETTINGS } from './protocol.js';
import { planExport } from './shared/geometry.js';
import { makeTestPack, referenceStylize, type TestPack } from './testing/make-pack.js';
import { PackLibrary, StyleEngine, TARGET_TILE_MS, tileSizeForSpeed } from './ui/engine.js';

function pattern(width: number, height: number, seed = 3): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = ((x + y + seed) % 16) * 16;
      data[i + 3] = 255;
    }
  return { width, height, data };
}

describe('planExport', () => {
  it('keeps the requested scale when it fits', () => {
    expect(planExport(64, 48, 2)).toEqual({ scale: 2, pixelWidth: 128, pixelHeight: 96, downscaled: null });
  });
  it('caps the long side at 4096 px and says so', () => {
    const p = planExport(4800, 48, 1);
    expect(p.pixelWidth).toBe(4096);
    expect(p.pixelWidth * 1).toBeLessThanOrEqual(4096);
    expect(p.downscaled).toMatch(/4096 px/);
    const q = planExport(3000, 3000, 2);
    expect(Math.max(q.pixelWidth, q.pixelHeight)).toBe(4096);
    expect(q.downscaled).toMatch(/at 2×/);
  });
  it('upscales tiny layers to the 8 px minimum, refuses impossible ones', () => {
    expect(planExport(4, 20, 1).pixelWidth).toBe(8);
    expect(() => planExport(1, 5000, 1)).toThrow(/too thin/);
    expect(() => planExport(0, 10, 1)).toThrow(/no area/);
  });
});

describe('tile size from measured speed', () => {
  it('keeps a tile under the target time, within bounds', () => {
    const msPerPixel = TARGET_TILE_MS / (256 * 256);
    expect(tileSizeForSpeed(msPerPixel, 'wasm')).toBe(256);
    const t = tileSizeForSpeed(0.01, 'cpu');
    expect(t * t * 0.01).toBeLessThanOrEqual(TARGET_TILE_MS);
    expect(tileSizeForSpeed(1e-7, 'webgpu')).toBe(1024);
    expect(tileSizeForSpeed(1e-7, 'wasm')).toBe(512);
    expect(tileSizeForSpeed(10, 'cpu')).toBe(96);
  });
});

describe('settings sanitizing', () => {
  it('drops unknown or invalid fields', () => {
    expect(sanitize(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(sanitize({ strength: 5, outputScale: 3, backend: 'x', preserveColors: true, mix: 0.5, evil: 1 })).toEqual({
      ...DEFAULT_SETTINGS,
      preserveColors: true,
      mix: 0.5,
    });
  });
  it('keeps a positive finite texture scale (the panel clamps it to its range), else the default', () => {
    expect(DEFAULT_SETTINGS.textureScale).toBe(1);
    expect(sanitize({ textureScale: 2 }).textureScale).toBe(2);
    for (const bad of [0, -1, Infinity, NaN, '2', null]) expect(sanitize({ textureScale: bad }).textureScale).toBe(1);
  });
});

describe('StyleEngine (cpu)', () => {
  let pack: TestPack;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    pack = await makeTestPack({ seed: 5, styleNames: ['A', 'B'] });
  });

  it('infers the generator from the weights', () => {
    expect(generatorConfigFromWeights(pack.weights)).toEqual({ width: 8, outerKernel: 9, resBlocks: 3, numStyles: 1 });
  });

  it('matches @stylepack/core run directly, loads the model once and leaks no tensors', async () => {
    const lib = new PackLibrary();
    await lib.add(pack.bytes, 'builtin');
    expect(lib.styles().map((s) => s.label)).toEqual([`${pack.name} / A`, `${pack.name} / B`]);
    const engine = new StyleEngine();
    const img = pattern(40, 36);
    const run = async (key: string) => {
      const a = lib.vectors(key);
      engine.ensureModel(a.baseSha, lib.baseWeights(a.baseSha)!);
      engine.setStyle(a.vectors, null, 0);
      return engine.stylize(img, { strength: 1, preserveColors: false });
    };
    const first = await run(`${pack.id}#1`);
    expect(await engine.calibrate()).toBeGreaterThanOrEqual(96);
    const ref = await referenceStylize(pack, 1, img);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - first[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run(`${pack.id}#${i % 2}`);
    expect(tf.memory().numTensors).toBe(before);
    expect(engine.loads).toBe(1);
    engine.dispose();
  });

  it('texture scale: at scale 2 the engine runs the model on the image at half size and enlarges the result', async () => {
    const lib = new PackLibrary();
    await lib.add(pack.bytes, 'builtin');
    const engine = new StyleEngine();
    const a = lib.vectors(`${pack.id}#0`);
    engine.ensureModel(a.baseSha, lib.baseWeights(a.baseSha)!);
    engine.setStyle(a.vectors, null, 0);
    const img = pattern(64, 48);
    const scaled = await engine.stylize(img, { strength: 1, preserveColors: false, scale: 2 });
    const plain = await engine.stylize(img, { strength: 1, preserveColors: false });
    // Reference: core's resampler down to 32×24, the model there, and back up.
    const toRgb = (d: ArrayLike<number>, n: number) => Float32Array.from({ length: n * 3 }, (_, i) => d[Math.floor(i / 3) * 4 + (i % 3)]! / 255);
    const toRgba = (rgb: Float32Array) => Uint8Array.from({ length: (rgb.length / 3) * 4 }, (_, i) => (i % 4 === 3 ? 255 : Math.round(rgb[Math.floor(i / 4) * 3 + (i % 4)]! * 255)));
    const small = toRgba(resampleRgb(toRgb(img.data, 64 * 48), 64, 48, 32, 24));
    const ref = resampleRgb(toRgb(await referenceStylize(pack, 0, { width: 32, height: 24, data: small }), 32 * 24), 32, 24, 64, 48);
    let maxDiff = 0;
    let vsPlain = 0;
    for (let i = 0; i < ref.length; i++) {
      const p = Math.floor(i / 3) * 4 + (i % 3);
      maxDiff = Math.max(maxDiff, Math.abs(ref[i]! * 255 - scaled[p]!));
      vsPlain += Math.abs(plain[p]! - scaled[p]!);
    }
    expect(maxDiff).toBeLessThanOrEqual(3); // byte rounding of the reference's half-size input and output
    expect(vsPlain / ref.length).toBeGreaterThan(3); // and it is not the unscaled result
    engine.dispose();
  });

  it('mixes two styles and tiles large images without seams or leaks', async () => {
    const lib = new PackLibrary();
    await lib.add(pack.bytes, 'builtin');
    const engine = new StyleEngine();
    const a = lib.vectors(`${pack.id}#0`);
    const b = lib.vectors(`${pack.id}#1`);
    engine.ensureModel(a.baseSha, lib.baseWeights(a.baseSha)!);
    // mix = 1 must equal style B alone
    engine.setStyle(a.vectors, b.vectors, 1);
    const img = pattern(40, 36);
    const mixed = await engine.stylize(img, { strength: 1, preserveColors: false });
    const refB = await referenceStylize(pack, 1, img);
    expect(Math.max(...mixed.map((v, i) => Math.abs(v - refB[i]!)))).toBeLessThanOrEqual(1);
    // tiled: 200×150 with 64 px tiles → 4×3 tiles; no hard seam at tile borders
    engine.setStyle(a.vectors, null, 0);
    const big = pattern(200, 150);
    const before = tf.memory().numTensors;
    let tiles = 0;
    let cancelChecks = 0;
    const out = await engine.stylize(big, {
      strength: 1,
      preserveColors: true,
      tileSize: 64,
      overlap: 16,
      onTile: (_d, total) => (tiles = total),
      isCancelled: () => (cancelChecks++, false),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tiles).toBeGreaterThan(1);
    expect(cancelChecks).toBe(tiles);
    expect(out.length).toBe(200 * 150 * 4);
    // Largest jump between neighbouring columns should not be at a tile border only.
    const colDiff = (x: number) => {
      let s = 0;
      for (let y = 0; y < 150; y++) for (let c = 0; c < 3; c++) s += Math.abs(out[(y * 200 + x + 1) * 4 + c]! - out[(y * 200 + x) * 4 + c]!);
      return s / (150 * 3);
    };
    const diffs = Array.from({ length: 199 }, (_, x) => colDiff(x));
    const median = [...diffs].sort((p, q) => p - q)[99]!;
    expect(Math.max(...diffs)).toBeLessThan(median * 4 + 8);
    engine.dispose();
  });

  it('stops between tiles when cancelled', async () => {
    const lib = new PackLibrary();
    await lib.add(pack.bytes, 'builtin');
    const engine = new StyleEngine();
    const a = lib.vectors(`${pack.id}#0`);
    engine.ensureModel(a.baseSha, lib.baseWeights(a.baseSha)!);
    engine.setStyle(a.vectors, null, 0);
    const before = tf.memory().numTensors;
    let done = 0;
    await expect(
      engine.stylize(pattern(160, 160), { strength: 1, preserveColors: false, tileSize: 64, overlap: 16, onTile: (d) => (done = d), isCancelled: () => done >= 2 }),
    ).rejects.toThrow(/Cancelled/);
    expect(done).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    engine.dispose();
  });

  it('rejects a vectors-only pack until its base model is installed', async () => {
    const lib = new PackLibrary();
    const other = await makeTestPack({ seed: 9, baseSeed: 5, withWeights: false, id: 'vec-only' });
    await lib.add(other.bytes, 'builtin');
    expect(lib.styles()[0]!.problem).toMatch(/not installed/);
    await lib.add(pack.bytes, 'builtin');
    expect(lib.styles().find((s) => s.packId === 'vec-only')!.problem).toBeNull();
  });
});
