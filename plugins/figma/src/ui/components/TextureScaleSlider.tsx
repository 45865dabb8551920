// Texture scale ("brush size"), relative to the layer: 25 %–400 % on a log scale, so each step
// of the slider multiplies the stroke size by the same factor.
import { LAYER_TEXTURE_MAX, LAYER_TEXTURE_MIN } from '@stylepack/core';
import type { UiController } from '../controller.js';

export function TextureScaleSlider({ c }: { c: UiController }) {
  const { settings, run } = c.state;
  const stops = Math.log2(settings.textureScale);
  return (
    <label title="Size of the style's strokes relative to the layer (the preview shows the same)">
      Texture <output data-testid="texture-scale-value">{Math.round(settings.textureScale * 100)}%</output>
      <input
        type="range"
        min={Math.log2(LAYER_TEXTURE_MIN)}
        max={Math.log2(LAYER_TEXTURE_MAX)}
        step="0.25"
        value={stops}
        data-testid="texture-scale"
        disabled={!!run?.active}
        onInput={(e) => c.updateSettings({ textureScale: 2 ** Number((e.currentTarget as HTMLInputElement).value) })}
      />
    </label>
  );
}
