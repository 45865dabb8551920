// The panel. Renders UiController.state; every action goes through the controller.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { BackendPreference, OutputScale } from '../protocol.js';
import type { UiController } from './controller.js';
import { pngUrl } from './image.js';

function useControllerState(c: UiController) {
  const [, force] = useState(0);
  useEffect(() => c.subscribe(() => force((n) => n + 1)), [c]);
  return c.state;
}

const STATUS_TEXT: Record<string, string> = {
  queued: 'Queued',
  exporting: 'Exporting…',
  stylizing: 'Stylizing…',
  writing: 'Writing…',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * `onImportFiles`: the pack library's import (validate, store in "Mine", add to the picker), so a
 * pack imported here survives a reload like one imported in the library panel.
 */
export function App({ controller: c, onImportFiles }: { controller: UiController; onImportFiles: (files: File[]) => Promise<void> }) {
  const s = useControllerState(c);
  const { settings } = s;
  const blocker = c.blocker();
  const running = !!s.run?.active;
  const previews = useMemo(() => {
    const m: Record<string, string> = {};
    for (const st of s.styles) if (st.preview) m[st.key] = pngUrl(st.preview);
    return m;
  }, [s.styles]);
  const usable = s.styles.filter((st) => !st.problem);

  return (
    <div class="app">
      <header>
        <h1>Stylepack</h1>
        <span class={`backend ${s.backend.error ? 'bad' : ''}`} data-testid="backend" title={s.backend.description || s.backend.error || ''}>
          {s.backend.busy ? 'starting…' : s.backend.error ? 'no runtime' : s.backend.name ?? '—'}
        </span>
      </header>

      <section>
        <h2>Selection</h2>
        {s.selection.length === 0 ? (
          <p class="hint" data-testid="selection-hint">
            Select one or more layers on the canvas to stylize them.
          </p>
        ) : (
          <ul class="selection" data-testid="selection-list">
            {s.selection.map((n) => (
              <li key={n.id} data-testid="sel-item" data-node-id={n.id}>
                {s.thumbs[n.id] ? <img src={s.thumbs[n.id]} alt="" /> : <span class="thumb-empty" />}
                <span class="name">{n.name}</span>
                <span class="size">
                  {Math.round(n.width)}×{Math.round(n.height)}
                </span>
                {!n.exportable && <span class="warn">not exportable</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section>
        <h2>Style</h2>
        {s.styles.length === 0 ? (
          <p class="hint">No style packs are built in yet. Import a .stylepack file.</p>
        ) : (
          <div class="styles" role="radiogroup">
            {s.styles.map((st) => (
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

      <section class="controls">
        <label>
          Strength <output>{Math.round(settings.strength * 100)}%</output>
          <input
            type="range"
            min="0"
            max="1"
            step="0.05"
            value={settings.strength}
            data-testid="strength"
            disabled={running}
            onInput={(e) => c.updateSettings({ strength: Number((e.currentTarget as HTMLInputElement).value) })}
          />
        </label>
        <label>
          Mix with
          <select
            data-testid="mix-style"
            value={settings.mixPackId ?? ''}
            disabled={running}
            onChange={(e) => c.updateSettings({ mixPackId: (e.currentTarget as HTMLSelectElement).value || null })}
          >
            <option value="">— none —</option>
            {usable
              .filter((st) => st.key !== settings.packId)
              .map((st) => (
                <option key={st.key} value={st.key}>
                  {st.label}
                </option>
              ))}
          </select>
        </label>
        {settings.mixPackId && (
          <label>
            Mix <output>{Math.round(settings.mix * 100)}%</output>
            <input
              type="range"
              min="0"
              max="1"
              step="0.05"
              value={settings.mix}
              data-testid="mix"
              disabled={running}
              onInput={(e) => c.updateSettings({ mix: Number((e.currentTarget as HTMLInputElement).value) })}
            />
          </label>
        )}
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
        <div class="scale" role="radiogroup" aria-label="Output scale">
          Output
          {([1, 2] as OutputScale[]).map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="scale"
                data-testid={`scale-${k}`}
                checked={settings.outputScale === k}
                disabled={running}
                onChange={() => c.updateSettings({ outputScale: k })}
              />
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

      <footer>
        {running ? (
          <button class="secondary" data-testid="cancel" disabled={s.run?.cancelling} onClick={(e) => c.cancel(e.timeStamp)}>
            {s.run?.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button class="primary" data-testid="stylize" disabled={!!blocker} title={blocker ?? ''} onClick={() => void c.stylize()}>
            Stylize {s.selection.length > 1 ? `${s.selection.length} layers` : ''}
          </button>
        )}
        {blocker && !running && (
          <p class="hint" data-testid="stylize-hint">
            {blocker}
          </p>
        )}
        {s.status && (
          <p class={`status ${s.status.kind}`} data-testid="status" role="status">
            {s.status.text}
          </p>
        )}
        {s.run && (
          <ul class="run" data-testid="run-list">
            {s.run.nodes.map((n) => (
              <li key={n.id} data-testid="run-item" data-node-id={n.id} data-status={n.status}>
                <span class="name">{n.name}</span>
                <span class="state">
                  {STATUS_TEXT[n.status]}
                  {n.status === 'stylizing' && n.tilesTotal > 1 ? ` ${n.tilesDone}/${n.tilesTotal}` : ''}
                </span>
                {n.status === 'stylizing' && <progress max={Math.max(1, n.tilesTotal)} value={n.tilesDone} />}
                {n.downscaled && <span class="note" data-testid="downscaled">{n.downscaled}</span>}
                {n.message && <span class="error">{n.message}</span>}
              </li>
            ))}
          </ul>
        )}
      </footer>
    </div>
  );
}
