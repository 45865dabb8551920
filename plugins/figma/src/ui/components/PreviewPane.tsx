// The live preview of the first selected layer with a before/after toggle. The last preview
// stays on show (dimmed) while the next one is made.
import type { PreviewController } from '../preview-controller.js';
import { PREVIEW_SIDE } from '../preview-controller.js';
import { store } from '../store.js';

export function PreviewPane({ p }: { p: PreviewController }) {
  const { nodeId, sourceUrl, result, pending, error, showBefore } = store.preview.value;
  if (!nodeId) return null;
  const url = showBefore ? sourceUrl : result?.url ?? null;
  return (
    <section class="preview" data-testid="preview" data-pending={pending ? 'true' : 'false'} data-key={showBefore ? 'before' : store.preview.value.resultKey ?? ''}>
      <h2>
        Preview
        <button
          class="small"
          data-testid="preview-toggle"
          aria-pressed={showBefore}
          disabled={!sourceUrl}
          title="Show the layer before / after stylizing"
          onClick={() => p.toggleBefore()}
        >
          {showBefore ? 'Before' : 'After'}
        </button>
      </h2>
      <div class={`preview-frame ${pending && !showBefore ? 'pending' : ''}`} style={{ maxWidth: `${PREVIEW_SIDE}px`, maxHeight: `${PREVIEW_SIDE}px` }}>
        {url ? <img data-testid="preview-img" src={url} alt={showBefore ? 'The layer before stylizing' : 'Preview of the stylized layer'} /> : <span class="hint">{error ? '' : 'Making a preview…'}</span>}
      </div>
      {pending && !showBefore && result && <span class="hint">Updating…</span>}
      {error && (
        <p class="error" data-testid="preview-error">
          Preview failed: {error}
        </p>
      )}
      {result && !pending && <span class="hint" data-testid="preview-ms">{Math.round(result.ms)} ms</span>}
    </section>
  );
}
