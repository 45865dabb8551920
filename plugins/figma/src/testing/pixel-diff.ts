// Test-only: how far apart two pictures are, per 8-bit channel. Used by the plugin's unit tests
// and the e2e suite (test/e2e), as make-pack.ts is.

/** Largest and mean absolute difference of two equally long pixel buffers (0-255 per channel). */
export function pixelDiff(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}
