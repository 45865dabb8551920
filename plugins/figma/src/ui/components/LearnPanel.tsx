// Learn a style: mark the style frame and content, choose quality, watch progress, save the pack.
import type { UiController } from '../controller.js';
import type { LibraryController } from '../library-controller.js';
import { LossChart } from './LossChart.js';

export function LearnPanel({ lib, ui }: { lib: LibraryController; ui: UiController }) {
  const l = lib.state.learn;
  const blocker = lib.learnBlocker();
  const probeFirst = l.probeLosses[0]?.value;
  const probeLast = l.probeLosses.at(-1)?.value;
  const selected = ui.state.selection.filter((n) => n.exportable);
  return (
    <section class="learn" data-testid="learn">
      <h2>Learn a style</h2>
      <p class="hint" data-testid="learn-selection">
        {selected.length ? `Selected: ${selected.map((n) => n.name).join(', ')}` : 'Select a frame on the canvas, then choose "Use selection".'}
      </p>
      <div class="row">
        <span class="label">Style</span>
        <span class="name" data-testid="learn-style-node">{l.styleNode ? l.styleNode.name : '—'}</span>
        <button class="small" data-testid="learn-mark-style" disabled={l.running || ui.state.selection.length === 0} onClick={() => lib.markStyle()}>
          Use selection
        </button>
      </div>
      <div class="row">
        <span class="label">Content</span>
        <span class="name" data-testid="learn-samples">
          {l.sampleNodes.length ? l.sampleNodes.map((n) => n.name).join(', ') : 'built-in sample photos'}
        </span>
        <button class="small" data-testid="learn-mark-samples" disabled={l.running || ui.state.selection.length === 0} onClick={() => lib.markSamples()}>
          Use selection
        </button>
        {l.sampleNodes.length > 0 && (
          <button class="small" disabled={l.running} onClick={() => lib.clearSamples()}>
            Built-in
          </button>
        )}
      </div>
      <div class="row" role="radiogroup" aria-label="Quality">
        <span class="label">Quality</span>
        {(['quick', 'fine'] as const).map((q) => (
          <label key={q}>
            <input type="radio" name="learn-quality" data-testid={`learn-${q}`} checked={l.quality === q} disabled={l.running} onChange={() => lib.setQuality(q)} />
            {q === 'quick' ? 'Quick (~100 steps)' : 'Fine (~500 steps)'}
          </label>
        ))}
      </div>
      <details class="advanced">
        <summary>Advanced</summary>
        <label>
          Steps
          <input type="number" min="1" max="5000" value={l.steps} data-testid="learn-steps" disabled={l.running} onChange={(e) => lib.setLearnOptions({ steps: Math.max(1, Math.round(Number((e.currentTarget as HTMLInputElement).value) || 1)) })} />
        </label>
        <label>
          Size (px)
          <input type="number" min="32" max="512" step="4" value={l.size} data-testid="learn-size" disabled={l.running} onChange={(e) => lib.setLearnOptions({ size: Math.max(32, Math.round((Number((e.currentTarget as HTMLInputElement).value) || 256) / 4) * 4) })} />
        </label>
      </details>
      {l.running ? (
        <button class="secondary" data-testid="learn-cancel" disabled={l.cancelling} onClick={() => lib.cancelLearn()}>
          {l.cancelling ? 'Stopping…' : 'Cancel'}
        </button>
      ) : (
        <button class="primary" data-testid="learn-start" disabled={!!blocker} title={blocker ?? ''} onClick={() => void lib.learn()}>
          Learn style
        </button>
      )}
      {blocker && !l.running && <p class="hint" data-testid="learn-hint">{blocker}</p>}
      {(l.running || l.result) && (
        <div class="progress" data-testid="learn-progress">
          <p class="hint" data-testid="learn-phase">{l.phase}</p>
          <p>
            Step <span data-testid="learn-step">{l.step}</span>/{l.steps}
            {l.stepsPerSec !== null && <span data-testid="learn-rate"> · {l.stepsPerSec.toFixed(2)} steps/s</span>}
            {l.backend && <span> · {l.backend}</span>}
            {probeFirst !== undefined && probeLast !== undefined && l.probeLosses.length > 1 && (
              <span data-testid="learn-loss"> · style loss {probeFirst.toFixed(2)} → {probeLast.toFixed(2)}</span>
            )}
          </p>
          {l.running && <progress max={l.steps} value={l.step} />}
          <LossChart steps={l.styleLosses} probe={l.probeLosses} total={l.steps} />
          {l.previewUrl && <img class="learn-preview" src={l.previewUrl} alt="preview of the learned style" data-testid="learn-preview" />}
        </div>
      )}
      {l.result && !l.running && (
        <div class="save">
          <label>
            Name
            <input type="text" value={l.name} maxLength={100} data-testid="learn-name" onInput={(e) => lib.setLearnOptions({ name: (e.currentTarget as HTMLInputElement).value })} />
          </label>
          <div class="row">
            <span class="label">Save as pack</span>
            <button class="small" data-testid="learn-save-mine" disabled={!!lib.state.busy} onClick={() => void lib.saveLearned('mine')}>
              to Mine
            </button>
            <button class="small" data-testid="learn-save-file" disabled={!!lib.state.busy} onClick={() => void lib.saveLearned('file')}>
              to This file
            </button>
          </div>
        </div>
      )}
      {l.error && (
        <p class="status error" data-testid="learn-error">
          {l.error}
        </p>
      )}
    </section>
  );
}
