// The model side of the UI: style packs, the one cached generator, stylizing an RGBA image.
// No DOM here (images come in and go out as RGBA bytes), so the same code runs under vitest in
// Node on the cpu backend and in the plugin iframe on webgpu/webgl/wasm.
import * as tf from '@tensorflow/tfjs';
import {
  CancelledError,
  Generator,
  blendStyles,
  generatorConfigFromWeights,
  generatorFor,
  generatorLayers,
  hasAlpha,
  rgbToRgba,
  rgbaToTensor,
  styleShapes,
  stylizeAtScale,
  stylizeTiled,
  type GeneratorConfig,
  type PackTensor,
  type RgbaImage,
} from '@stylepack/core';

export { CancelledError };

export { PackLibrary, type StyleOption } from './pack-library.js';

export interface StylizeOptions {
  strength: number;
  preserveColors: boolean;
  /** Absolute texture scale (core's layerTextureScale maps the panel's control to it); default 1. */
  scale?: number;
  tileSize?: number;
  overlap?: number;
  onTile?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
  /** Awaited between tiles. Default: an 8 ms timer, so clicks and repaints get through. */
  yieldBetweenTiles?: () => Promise<void>;
}

const breathe = () => new Promise<void>((r) => setTimeout(r, 8));

/** Tile size before calibration: GPU backends take big tiles, CPU-bound ones small ones. */
export function tileSizeFor(backend: string): number {
  if (backend === 'webgpu' || backend === 'webgl' || backend === 'tensorflow') return 512;
  if (backend === 'wasm') return 256;
  return 128;
}

/** Cancel is checked between tiles, so one tile should take at most about this long. */
export const TARGET_TILE_MS = 600;

/** Largest tile (multiple of 32, clamped) whose estimated time stays under TARGET_TILE_MS. */
export function tileSizeForSpeed(msPerPixel: number, backend: string, overheadMs = 0): number {
  const gpu = backend === 'webgpu' || backend === 'webgl' || backend === 'tensorflow';
  const side = Math.sqrt(Math.max(0, TARGET_TILE_MS - overheadMs) / Math.max(msPerPixel, 1e-9));
  return Math.min(gpu ? 1024 : 512, Math.max(96, Math.floor(side / 32) * 32));
}

/**
 * Largest conv im2col matrix of the generator per tile pixel. tfjs-backend-webgl runs a k×k
 * conv as im2col + matmul and materialises the [k²·Cin, outH·outW] matrix as one texture;
 * for the outer 9×9 conv back to RGB (k²·Cin = 81·16 = 1296 in the lite model) that is by far
 * the largest tensor of a tile.
 */
export function im2colPerPixel(cfg: GeneratorConfig): number {
  let scale = 1; // output side of the layer / tile side
  let worst = 0;
  for (const l of generatorLayers(cfg)) {
    if (l.name.startsWith('u')) scale *= 2; // upsample ×2, then conv
    scale /= l.stride;
    if (l.k > 1) worst = Math.max(worst, l.k * l.k * l.cin * scale * scale);
  }
  return worst;
}

/**
 * Texture side (texels) the largest im2col texture may take on webgl: 4096² RGBA32F texels =
 * 256 MiB. tfjs keeps freed textures pooled for reuse, so this is GPU memory held for as long
 * as the panel is open; the device's WEBGL_MAX_TEXTURE_SIZE lowers it further.
 */
export const WEBGL_TEXTURE_BUDGET = 4096;

/**
 * Largest tile side (multiple of 32, at least 96) whose im2col texture fits on webgl. tfjs packs
 * 2×2 values per texel and squarifies a matrix too long for one texture side, so the texture
 * is about sqrt(elements / 4) texels square; a bigger one fails with "Requested texture size
 * [N×N] greater than WebGL maximum" (8192 on SwiftShader and many integrated/mobile GPUs; the
 * old fixed 512 tile needed 9216, and re-aiming to 1024 needed 18432, over every GPU's limit).
 */
export function maxWebglTileSize(cfg: GeneratorConfig, maxTextureSize: number, budget = WEBGL_TEXTURE_BUDGET): number {
  const side = Math.min(maxTextureSize, budget);
  const maxTile = (2 * side) / Math.sqrt(im2colPerPixel(cfg));
  return Math.max(96, Math.floor(maxTile / 32) * 32);
}

/**
 * Whether learning a style at `size` px (a batch of `batch` crops) fits webgl's texture limit:
 * the generator's largest im2col matrix for the whole batch is one texture, as in inference.
 */
export function webglLearnSizeFits(cfg: GeneratorConfig, size: number, batch: number, maxTextureSize: number): boolean {
  return Math.sqrt((batch * size * size * im2colPerPixel(cfg)) / 4) <= maxTextureSize;
}

/**
 * Holds one generator (numStyles = 1) for the current base model and backend; a style is
 * written into its [1, C] gamma/beta tables before a run. The generator is built once and
 * reused until the base model or the tf backend changes.
 */
export class StyleEngine {
  private model: { sha: string; backend: string; g: Generator } | null = null;
  /** How many times a generator was built (tests assert the model loads once). */
  loads = 0;
  /** Tile side chosen by calibrate() for the current model and backend. */
  tileSize: number | null = null;
  /** Upper bound on the tile side for the current model and backend (webgl: texture limits). */
  maxTileSize = Infinity;
  private overheadMs = 0;
  /** Images stylized since the model was built (the first one includes shader compilation). */
  private imagesSinceLoad = 0;

  /** Make sure the generator for `sha` exists on the current backend. */
  ensureModel(sha: string, weights: Record<string, PackTensor>): Generator {
    const backend = tf.getBackend();
    if (this.model && this.model.sha === sha && this.model.backend === backend) return this.model.g;
    this.dispose();
    const cfg = generatorConfigFromWeights(weights);
    // One neutral style (γ = 1, β = 0); setStyle writes the chosen one.
    const g = generatorFor(weights, [], cfg);
    this.model = { sha, backend, g };
    this.loads++;
    this.tileSize = null;
    this.imagesSinceLoad = 0;
    this.maxTileSize = backend === 'webgl' ? maxWebglTileSize(cfg, tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE')) : Infinity;
    return g;
  }

  /**
   * Time a small warm-up image (also compiles GPU shaders) and pick the tile size from it, so a
   * tile takes about TARGET_TILE_MS whatever the model and device. Once per model and backend.
   */
  async calibrate(): Promise<number> {
    if (this.tileSize) return this.tileSize;
    const backend = tf.getBackend();
    if (backend === 'webgpu' || backend === 'webgl') {
      // GPUs: start from big tiles (probing costs shader compilations); adaptTileSize re-aims
      // after the first image from its measured tile times.
      this.tileSize = Math.min(tileSizeFor(backend), this.maxTileSize);
      return this.tileSize;
    }
    const g = this.requireModel();
    const timeAt = async (side: number) => {
      const t0 = performance.now();
      const y = tf.tidy(() => g.stylize(tf.zeros([1, side, side, 3]) as tf.Tensor4D, g.styleVectors(tf.ones([1, 1]) as tf.Tensor2D), 1));
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    await timeAt(32); // warm-up: shader compilation, wasm kernels
    // time(p) ≈ overhead + perPixel·p, fitted from two sizes (a small probe alone overstates
    // the per-pixel cost with its fixed per-op overhead, which would make tiles needlessly small).
    const tSmall = await timeAt(32);
    const tLarge = await timeAt(64);
    let perPixel = (tLarge - tSmall) / (64 * 64 - 32 * 32);
    const overhead = Math.max(0, tSmall - perPixel * 32 * 32);
    if (!(perPixel > 0)) perPixel = tLarge / (64 * 64);
    this.overheadMs = overhead;
    this.tileSize = Math.min(tileSizeForSpeed(perPixel, tf.getBackend(), overhead), this.maxTileSize);
    return this.tileSize;
  }

  /** Write a style (or a blend of two: (1-mix)·a + mix·b, core's blendStyles) into the generator's norm tables. */
  setStyle(a: Record<string, PackTensor>, b: Record<string, PackTensor> | null, mix: number): void {
    const g = this.requireModel();
    const parts = [{ tables: a, weight: b && mix > 0 ? 1 - mix : 1 }];
    if (b && mix > 0) parts.push({ tables: b, weight: mix });
    const blended = blendStyles(parts, styleShapes(g.config));
    for (const [key, v] of Object.entries(blended)) tf.tidy(() => g.params[key]!.assign(tf.tensor2d(v.data, [1, v.data.length])));
  }

  /** Stylize an RGBA image with the current style; returns RGBA bytes of the same size. */
  async stylize(img: RgbaImage, opts: StylizeOptions): Promise<Uint8ClampedArray> {
    const g = this.requireModel();
    const x = rgbaToTensor(img);
    // [1, 1] rather than [1]: styleVectors reshapes a rank-1 input outside a tidy (leaks a tensor).
    const w = tf.ones([1, 1]) as tf.Tensor2D;
    const style = g.styleVectors(w);
    const tileSize = Math.min(opts.tileSize ?? this.tileSize ?? tileSizeFor(tf.getBackend()), this.maxTileSize);
    const tileMs: number[] = [];
    let last = performance.now();
    let tilePixels = 0;
    try {
      // Tiles are cut at the model's resolution (the image at 1/scale); strength and colours
      // are applied at full size by stylizeAtScale.
      const rgb = await stylizeAtScale(
        x,
        (working) => {
          last = performance.now(); // the first tile's time starts after the resampling
          tilePixels = Math.min(tileSize, working.shape[1]) * Math.min(tileSize, working.shape[2]);
          return stylizeTiled(g, working, style, {
            tileSize,
            overlap: opts.overlap ?? Math.max(16, Math.min(32, tileSize >> 2)),
            onTile: (done, total) => {
              const now = performance.now();
              tileMs.push(now - last);
              last = now;
              opts.onTile?.(done, total);
            },
            isCancelled: opts.isCancelled,
            yieldBetweenTiles: opts.yieldBetweenTiles ?? breathe,
          });
        },
        { scale: opts.scale ?? 1, strength: opts.strength, preserveColors: opts.preserveColors },
      );
      return rgbToRgba(rgb, img.width, img.height, hasAlpha(img) ? img : undefined);
    } finally {
      this.adaptTileSize(tileMs, tilePixels, opts.tileSize !== undefined, this.imagesSinceLoad++ > 0);
      x.dispose();
      w.dispose();
      for (const v of Object.values(style)) {
        v.gamma.dispose();
        v.beta.dispose();
      }
    }
  }

  /**
   * Re-aim the tile size from the tiles just run (the device may be busier or idler than at
   * calibration), so the next image's tiles again take about TARGET_TILE_MS.
   */
  private adaptTileSize(tileMs: number[], tilePixels: number, fixed: boolean, warm: boolean): void {
    // The first tile may include warm-up work (shader compilation) when it is the model's first
    // image; on later images a single-tile image is a fair measurement too (without it a slow
    // GPU kept a 512 px tile that took minutes, with no chance to Cancel in between).
    const usable = tileMs.length >= 2 ? tileMs.slice(1) : warm ? tileMs : [];
    if (fixed || !this.tileSize || usable.length === 0) return;
    const sorted = [...usable].sort((p, q) => p - q);
    const typical = sorted[Math.floor(sorted.length / 2)]!;
    // tilePixels: the tiles' real area (an image smaller than the tile makes smaller tiles).
    const perPixel = Math.max(1e-9, (typical - this.overheadMs) / tilePixels);
    this.tileSize = Math.min(tileSizeForSpeed(perPixel, tf.getBackend(), this.overheadMs), this.maxTileSize);
  }

  get backend(): string | null {
    return this.model?.backend ?? null;
  }

  private requireModel(): Generator {
    if (!this.model) throw new Error('No model loaded.');
    return this.model.g;
  }

  dispose(): void {
    this.model?.g.dispose();
    this.model = null;
  }
}
