// IEEE 754 binary16 conversion in plain TypeScript (no Float16Array, which Node 20 lacks).
// toFloat16 rounds straight from the float64 value with round-to-nearest, ties-to-even, so
// there is no double rounding; overflow goes to ±Infinity, NaN to the canonical quiet NaN.

const scratch = new DataView(new ArrayBuffer(8));

function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/** The binary16 bit pattern (0..0xffff) nearest to `value`. */
export function toFloat16(value: number): number {
  const x = +value;
  if (x !== x) return 0x7e00;
  const sign = x < 0 || (x === 0 && 1 / x < 0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between 65504 (max finite, odd mantissa) and 65536: ties go to Infinity.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 6.103515625e-5) {
    // Subnormal (or zero): units of 2^-24. A result of 1024 is the smallest normal, 0x0400.
    return sign | roundHalfEven(a * 16777216);
  }
  scratch.setFloat64(0, a);
  const e = ((scratch.getUint32(0) >>> 20) & 0x7ff) - 1023; // -14..15
  const r = roundHalfEven((a / 2 ** e - 1) * 1024); // 0..1024; 1024 carries into the exponent
  return sign | (((e + 15) << 10) + r);
}

/** The number a binary16 bit pattern stands for. */
export function fromFloat16(bits: number): number {
  const h = bits & 0xffff;
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1024 + f) * 2 ** (e - 25);
}

/** Whether a binary16 bit pattern is Infinity or NaN. */
export function isFloat16NonFinite(bits: number): boolean {
  return (bits & 0x7c00) === 0x7c00;
}

/** Element-wise toFloat16. */
export function float32ToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16(values[i]!);
  return out;
}

let table: Float32Array | undefined;

/** Element-wise fromFloat16 (through a 256 KiB table built on first use). */
export function float16BitsToFloat32(bits: ArrayLike<number>): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = fromFloat16(i);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]! & 0xffff]!;
  return out;
}
