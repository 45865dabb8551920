// Pure size arithmetic shared by main (export constraints) and the UI (tiling). No Figma, no DOM.

/** Figma's image limit: createImage refuses images wider or taller than this. */
export const FIGMA_MAX_IMAGE_SIDE = 4096;
/** The generator needs at least this many pixels per side. */
export const MIN_STYLIZE_SIDE = 8;

export interface ExportPlan {
  /** exportAsync constraint value for type 'SCALE'. */
  scale: number;
  /** Expected pixel size of the export (Figma rounds to whole pixels). */
  pixelWidth: number;
  pixelHeight: number;
  /** Human-readable reason when the requested output scale had to be lowered, else null. */
  downscaled: string | null;
}

/**
 * Choose the export scale for a node of `width`×`height` (Figma units) at the requested output
 * scale so that no side exceeds `maxSide` pixels (the result becomes a Figma image, capped at
 * 4096 px), and tiny layers are upscaled to the generator's minimum where possible.
 */
export function planExport(width: number, height: number, outputScale: number, maxSide = FIGMA_MAX_IMAGE_SIDE): ExportPlan {
  if (!(width > 0 && height > 0)) throw new Error(`The layer has no area (${width}×${height}); there is nothing to stylize.`);
  const longest = Math.max(width, height);
  const shortest = Math.min(width, height);
  let scale = outputScale;
  let downscaled: string | null = null;
  if (longest * scale > maxSide) {
    // Floor to 1e-6 so rounding can never take the long side past the cap.
    scale = Math.floor((maxSide / longest) * 1e6) / 1e6;
    const px = `${Math.round(width * scale)}×${Math.round(height * scale)}`;
    downscaled = `${fmt(width)}×${fmt(height)} at ${outputScale}× would exceed Figma's ${maxSide} px image limit; exported at ${px} px instead.`;
  }
  if (shortest * scale < MIN_STYLIZE_SIDE) {
    const up = MIN_STYLIZE_SIDE / shortest;
    if (longest * up > maxSide) {
      throw new Error(
        `The layer is too thin to stylize: ${fmt(width)}×${fmt(height)} would need a ${MIN_STYLIZE_SIDE} px short side but then exceed ${maxSide} px.`,
      );
    }
    scale = up;
  }
  return { scale, pixelWidth: Math.max(1, Math.round(width * scale)), pixelHeight: Math.max(1, Math.round(height * scale)), downscaled };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
