// The panel's window size: its default and the range the resize handle allows. Used by main
// (figma.ui.resize, the size kept in clientStorage) and the UI (the handle stops at the limits).

export interface WindowSize {
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_SIZE: WindowSize = { width: 340, height: 620 };
/** Small enough for a laptop screen, large enough for the tabs and the Stylize button. */
export const MIN_WINDOW_SIZE: WindowSize = { width: 300, height: 360 };
/** Figma caps the window at the editor's viewport anyway; this keeps a stale value sane. */
export const MAX_WINDOW_SIZE: WindowSize = { width: 1200, height: 1600 };

/** Whole pixels within the limits; anything that is not a finite number becomes the default. */
export function clampWindowSize(width: unknown, height: unknown): WindowSize {
  const clamp = (v: unknown, lo: number, hi: number, dflt: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(Math.min(hi, Math.max(lo, v))) : dflt);
  return {
    width: clamp(width, MIN_WINDOW_SIZE.width, MAX_WINDOW_SIZE.width, DEFAULT_WINDOW_SIZE.width),
    height: clamp(height, MIN_WINDOW_SIZE.height, MAX_WINDOW_SIZE.height, DEFAULT_WINDOW_SIZE.height),
  };
}
