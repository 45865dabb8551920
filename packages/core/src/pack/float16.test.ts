import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16, isFloat16NonFinite, toFloat16 } from './float16.js';

describe('float16', () => {
  it('encodes the landmark values exactly', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // max finite
      [2 ** -14, 0x0400], // min normal
      [2 ** -24, 0x0001], // min subnormal
      [1023 * 2 ** -24, 0x03ff], // max subnormal
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1 / 3, 0x3555],
    ];
    for (const [v, bits] of cases) expect(toFloat16(v), `toFloat16(${v})`).toBe(bits);
    expect(toFloat16(NaN)).toBe(0x7e00);
    expect(Number.isNaN(fromFloat16(0x7e00))).toBe(true);
    expect(Number.isNaN(fromFloat16(0xfd01))).toBe(true);
    expect(fromFloat16(0x7c00)).toBe(Infinity);
    expect(fromFloat16(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromFloat16(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest, ties to even', () => {
    expect(toFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 (even) and 1+2^-10 -> 1
    expect(toFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between ...01 and ...10 (even) -> up
    expect(toFloat16(1 + 2 ** -11 + 2 ** -30)).toBe(0x3c01); // just above the tie -> up
    expect(toFloat16(2 ** -25)).toBe(0x0000); // subnormal tie -> 0 (even)
    expect(toFloat16(3 * 2 ** -25)).toBe(0x0002); // subnormal tie 1.5 -> 2 (even)
    expect(toFloat16(2 ** -25 + 2 ** -40)).toBe(0x0001);
    expect(toFloat16(-(2 ** -26))).toBe(0x8000); // underflow keeps the sign
    expect(toFloat16(2047 * 2 ** -25)).toBe(0x0400); // rounds up from max subnormal into min normal
    expect(toFloat16(65519.99)).toBe(0x7bff);
    expect(toFloat16(65520)).toBe(0x7c00); // tie between 65504 (odd) and 65536 -> overflow
    expect(toFloat16(-1e6)).toBe(0xfc00);
    expect(toFloat16(2047.5)).toBe(toFloat16(2048)); // tie -> even (2048)
    expect(toFloat16(2046.5)).toBe(toFloat16(2046));
  });

  it('round-trips every finite bit pattern and agrees with the array helpers', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f32 = float16BitsToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      if (isFloat16NonFinite(h) && h & 0x3ff) {
        expect(Number.isNaN(f32[h]!)).toBe(true);
        continue;
      }
      if (!Object.is(f32[h], fromFloat16(h))) throw new Error(`table differs for 0x${h.toString(16)}`);
      if (toFloat16(fromFloat16(h)) !== h) throw new Error(`round trip failed for 0x${h.toString(16)}`);
    }
    const back = float32ToFloat16Bits(f32);
    for (let h = 0; h < 65536; h++) {
      if (!(isFloat16NonFinite(h) && h & 0x3ff) && back[h] !== h) throw new Error(`array round trip failed for 0x${h.toString(16)}`);
    }
  });

  it('is within half an ulp on random values', () => {
    let s = 12345;
    for (let i = 0; i < 5000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const v = ((s / 2 ** 32) * 2 - 1) * 2 ** ((i % 30) - 15);
      const r = fromFloat16(toFloat16(v));
      const a = Math.abs(v);
      const ulp = a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
      expect(Math.abs(r - v)).toBeLessThanOrEqual(ulp / 2 + 1e-30);
    }
  });
});
