// Refine one layer (refine-controller.ts): the style target, steps and size, progress with
// steps/s, Cancel (Esc too), and what the last refine wrote.
import type { RefineController } from '../refine-controller.js';
import { REFINE_SIZES, REFINE_STEPS } from '../refine.js';

export function RefinePanel({ r }: { r: RefineController }) {
  const s = r.state;
  const blocker = r.blocker();
  const done = s.result;
  return (
    <details class="refine" data-testid="refine">
      <summary>Refine (best quality, one layer)</summary>
      <p class="hint">
        Optimises the stylized picture itself towards the style for a number of steps (slow: seconds per step), and adds the result as a new layer above it.
      </p>
      <p class="hint">
        Style target: <span data-testid="refine-target">{r.targetText()}</span>
      </p>
      <div class="row">
        <button class="small" data-testid="refine-mark-painting" disabled={s.running} onClick={() => r.markPainting()}>
          Use selection as painting
        </button>
        {s.painting && (
          <button class="small" data-testid="refine-use-preview" disabled={s.running} onClick={() => r.clearPainting()}>
            Use pack preview
          </button>
        )}
      </div>
      <div class="row">
        <label>
          Steps
          <input type="number" min={REFINE_STEPS.min} max={REFINE_STEPS.max} value={s.steps} data-testid="refine-steps" disabled={s.running} onChange={(e) => r.setSteps(Number((e.currentTarget as HTMLInputElement).value))} />
        </label>
        <label title="Longest side the picture is refined at; the result keeps the layer's size">
          Work size
          <select data-testid="refine-size" value={String(s.size)} disabled={s.running} onChange={(e) => r.setSize(Number((e.currentTarget as HTMLSelectElement).value))}>
            {REFINE_SIZES.map((px) => (
              <option key={px} value={String(px)}>
                {px} px
              </option>
            ))}
          </select>
        </label>
      </div>
      {s.running ? (
        <button class="secondary" data-testid="refine-cancel" disabled={s.cancelling} onClick={() => r.cancel()}>
          {s.cancelling ? 'Stopping…' : 'Cancel'}
        </button>
      ) : (
        <button class="primary" data-testid="refine-start" disabled={!!blocker} title={blocker ?? ''} onClick={() => void r.run()}>
          Refine
        </button>
      )}
      {blocker && !s.running && (
        <p class="hint" data-testid="refine-hint">
          {blocker}
        </p>
      )}
      {s.running && (
        <div class="progress" data-testid="refine-progress">
          <p class="hint" data-testid="refine-phase">{s.phase}</p>
          <p>
            Step <span data-testid="refine-step">{s.step}</span>/{s.stepsTotal}
            {s.stepsPerSec !== null && <span data-testid="refine-rate"> · {s.stepsPerSec.toFixed(2)} steps/s</span>}
          </p>
          <progress max={s.stepsTotal} value={s.step} />
        </div>
      )}
      {s.cancelled && !s.running && (
        <p class="status info" data-testid="refine-cancelled">
          Refine cancelled; no layer was added.
        </p>
      )}
      {s.error && (
        <p class="status error" data-testid="refine-error" role="alert">
          {s.error}
        </p>
      )}
      {done && !s.running && (
        <p class="status info" data-testid="refine-done">
          Added “{done.name}”: {done.steps} steps at {done.work.width}×{done.work.height} in {done.seconds.toFixed(1)} s
          {done.stepsPerSec !== null ? ` (${done.stepsPerSec.toFixed(2)} steps/s)` : ''}; style loss {done.styleLossStart.toFixed(3)} → {done.styleLossEnd.toFixed(3)}.
        </p>
      )}
    </details>
  );
}
