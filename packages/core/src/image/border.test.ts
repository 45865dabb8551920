import { describe, expect, it } from 'vitest';
import { Rng } from '../model/params.js';
import { cropImage, cropUniformBorder, detectUniformBorder } from './border.js';
import type { RgbaImage } from './convert.js';

/** A w×h "painting" of seeded colour noise, with an optional frame of the given widths. */
function painting(w: number, h: number, frame?: { top: number; bottom: number; left: number; right: number; rgb: [number, number, number]; jitter?: number }): RgbaImage {
  const rng = new Rng(7);
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      const inFrame = frame && (y < frame.top || y >= h - frame.bottom || x < frame.left || x >= w - frame.right);
      for (let c = 0; c < 3; c++) {
        data[p + c] = inFrame ? Math.max(0, Math.min(255, frame.rgb[c] + Math.round((rng.next() - 0.5) * 2 * (frame.jitter ?? 0)))) : 40 + rng.int(180);
      }
      data[p + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

describe('uniform border (painting frames)', () => {
  it('finds a black frame of uneven widths, with JPEG-like noise, plus the 2-px safety margin', () => {
    const img = painting(60, 40, { top: 3, bottom: 5, left: 2, right: 4, rgb: [2, 1, 2], jitter: 3 });
    expect(detectUniformBorder(img)).toEqual({ top: 5, bottom: 7, left: 4, right: 6 });
    const { image, crop } = cropUniformBorder(img);
    expect([image.width, image.height]).toEqual([60 - 4 - 6, 40 - 5 - 7]);
    // The cropped image holds no frame pixel: every pixel is from the noise (channels ≥ 40).
    let minV = 255;
    for (let i = 0; i < image.data.length; i += 4) minV = Math.min(minV, image.data[i], image.data[i + 1], image.data[i + 2]);
    expect(minV).toBeGreaterThanOrEqual(40);
    expect(crop.top).toBe(5);
  });

  it('a light mat on one side only', () => {
    const img = painting(50, 50, { top: 0, bottom: 0, left: 0, right: 6, rgb: [235, 228, 210] });
    expect(detectUniformBorder(img)).toEqual({ top: 0, bottom: 0, left: 0, right: 8 });
  });

  it('leaves unframed paintings, and flat regions wider than 20 % of a side (skies), alone', () => {
    const plain = painting(40, 30);
    const r = cropUniformBorder(plain);
    expect(r.crop).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
    expect(r.image).toBe(plain);
    const sky = painting(40, 30, { top: 12, bottom: 0, left: 0, right: 0, rgb: [120, 160, 220] });
    expect(detectUniformBorder(sky).top).toBe(0);
    const flat = painting(20, 20, { top: 20, bottom: 0, left: 0, right: 0, rgb: [9, 9, 9] });
    expect(detectUniformBorder(flat)).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
  });

  it('cropImage copies the inside rows exactly and refuses an empty result', () => {
    const img = painting(5, 4);
    const c = cropImage(img, { top: 1, bottom: 1, left: 2, right: 1 });
    expect([c.width, c.height]).toEqual([2, 2]);
    expect(Array.from(c.data.subarray(0, 8))).toEqual(Array.from(img.data.subarray((1 * 5 + 2) * 4, (1 * 5 + 4) * 4)));
    expect(() => cropImage(img, { top: 2, bottom: 2, left: 0, right: 0 })).toThrow(/leaves nothing/);
  });
});
