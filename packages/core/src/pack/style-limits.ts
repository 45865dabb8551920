// What a style's vectors may hold (docs/pack-format.md, "Value limits"). A pack can be valid as a
// container (checksum recomputed by whoever edited it) and still make a flat image (every gamma
// of a layer zero) or a saturated one (±65504). Training never produces either: built-in styles
// hold gamma in -1.7..4.6 and beta in -1.4..1.5, so the limits below leave a wide margin.

/** |gamma| and |beta| above this are refused. */
export const STYLE_VALUE_LIMIT = 32;
/** A gamma vector whose mean |value| is below this zeroes its layer's features: refused. */
export const MIN_GAMMA_MEAN_ABS = 0.01;

/** Why a style tensor ("<layer>/gamma" or "<layer>/beta") is outside the limits, or null. */
export function styleTensorProblem(name: string, data: Float32Array): string | null {
  let sumAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Math.abs(v) > STYLE_VALUE_LIMIT) return `holds ${v} at index ${i}, outside ±${STYLE_VALUE_LIMIT}`;
    sumAbs += Math.abs(v);
  }
  const meanAbs = data.length ? sumAbs / data.length : 0;
  if (name.endsWith('/gamma') && meanAbs < MIN_GAMMA_MEAN_ABS) return `is all but zero (mean |value| ${+meanAbs.toPrecision(2)}), which would make a flat image`;
  return null;
}
