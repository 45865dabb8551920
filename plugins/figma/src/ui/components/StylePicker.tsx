// The style grid (one button per style, with its preview) and "Import pack…".
import { useMemo } from 'preact/hooks';
import type { UiController } from '../controller.js';
import { pngUrl } from '../image.js';

/**
 * `onImportFiles`: the pack library's import (validate, store in "Mine", add to the picker), so a
 * pack imported here survives a reload like one imported in the library panel.
 */
export function StylePicker({ c, onImportFiles }: { c: UiController; onImportFiles: (files: File[]) => Promise<void> }) {
  const { styles, settings, run } = c.state;
  const running = !!run?.active;
  const previews = useMemo(() => {
    const m: Record<string, string> = {};
    for (const st of styles) if (st.preview) m[st.key] = pngUrl(st.preview);
    return m;
  }, [styles]);
  return (
    <section>
      <h2>Style</h2>
      {styles.length === 0 ? (
        <p class="hint">No style packs are built in yet. Import a .stylepack file.</p>
      ) : (
        <div class="styles" role="radiogroup">
          {styles.map((st) => (
            <button
              key={st.key}
              class={`style ${settings.packId === st.key ? 'on' : ''}`}
              data-testid="style-option"
              data-key={st.key}
              role="radio"
              aria-checked={settings.packId === st.key}
              disabled={!!st.problem || running}
              title={st.problem ?? st.label}
              onClick={() => c.updateSettings({ packId: st.key })}
            >
              {previews[st.key] ? <img src={previews[st.key]} alt="" /> : <span class="thumb-empty" />}
              <span>{st.label}</span>
            </button>
          ))}
        </div>
      )}
      <label class="import" title="Checks the file and saves it to your packs (Mine)">
        Import pack…
        <input
          type="file"
          accept=".stylepack"
          data-testid="import-pack"
          onChange={async (e) => {
            const input = e.currentTarget as HTMLInputElement;
            const files = Array.from(input.files ?? []);
            input.value = '';
            await onImportFiles(files);
          }}
        />
      </label>
    </section>
  );
}
