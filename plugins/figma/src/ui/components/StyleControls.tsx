// Strength, mix, colour, texture scale, output scale and runtime: the settings of a stylize run.
import type { BackendPreference, OutputScale } from '../../protocol.js';
import type { UiController } from '../controller.js';
import { Slider } from './Slider.js';
import { TextureScaleSlider } from './TextureScaleSlider.js';

export function StyleControls({ c }: { c: UiController }) {
  const { settings, styles, run } = c.state;
  const running = !!run?.active;
  const usable = styles.filter((st) => !st.problem && st.key !== settings.packId);
  return (
    <section class="controls">
      <Slider label="Strength" value={settings.strength} testId="strength" disabled={running} onInput={(strength) => c.updateSettings({ strength })} />
      <label>
        Mix with
        <select
          data-testid="mix-style"
          value={settings.mixPackId ?? ''}
          disabled={running}
          onChange={(e) => c.updateSettings({ mixPackId: (e.currentTarget as HTMLSelectElement).value || null })}
        >
          <option value="">— none —</option>
          {usable.map((st) => (
            <option key={st.key} value={st.key}>
              {st.label}
            </option>
          ))}
        </select>
      </label>
      {settings.mixPackId && <Slider label="Mix" value={settings.mix} testId="mix" disabled={running} onInput={(mix) => c.updateSettings({ mix })} />}
      <label class="check">
        <input
          type="checkbox"
          checked={settings.preserveColors}
          data-testid="preserve-colors"
          disabled={running}
          onChange={(e) => c.updateSettings({ preserveColors: (e.currentTarget as HTMLInputElement).checked })}
        />
        Preserve colours
      </label>
      <TextureScaleSlider c={c} />
      <div class="scale" role="radiogroup" aria-label="Output scale">
        Output
        {([1, 2] as OutputScale[]).map((k) => (
          <label key={k}>
            <input type="radio" name="scale" data-testid={`scale-${k}`} checked={settings.outputScale === k} disabled={running} onChange={() => c.updateSettings({ outputScale: k })} />
            {k}×
          </label>
        ))}
      </div>
      <label>
        Runtime
        <select
          data-testid="backend-pref"
          value={settings.backend}
          disabled={running}
          onChange={(e) => c.updateSettings({ backend: (e.currentTarget as HTMLSelectElement).value as BackendPreference })}
        >
          <option value="auto">Auto (fastest available)</option>
          <option value="webgpu">WebGPU</option>
          <option value="webgl">WebGL</option>
          <option value="wasm">WebAssembly</option>
          <option value="cpu">CPU (slow)</option>
        </select>
      </label>
    </section>
  );
}
