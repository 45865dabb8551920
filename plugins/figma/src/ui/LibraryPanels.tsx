// "Learn a style" and "Pack library" sections of the panel. Renders LibraryController.state;
// every action goes through the controller.
import { useEffect, useState } from 'preact/hooks';
import { HOME_LABELS, type Home, type LibraryEntry, type StoredHome } from '../library-protocol.js';
import type { UiController } from './controller.js';
import type { LibraryController } from './library-controller.js';

function useLib(lib: LibraryController, ui: UiController) {
  const [, force] = useState(0);
  useEffect(() => lib.subscribe(() => force((n) => n + 1)), [lib]);
  useEffect(() => ui.subscribe(() => force((n) => n + 1)), [ui]);
  return lib.state;
}

const kb = (n: number) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} kB` : `${(n / 1024 / 1024).toFixed(2)} MB`);

/** A tiny loss chart: per-step style loss (grey) and the probe style loss (blue dots). */
function LossChart({ steps, probe, total }: { steps: number[]; probe: { step: number; value: number }[]; total: number }) {
  const all = [...steps, ...probe.map((p) => p.value)];
  if (all.length < 2) return null;
  const W = 300;
  const H = 48;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const y = (v: number) => H - 4 - ((v - lo) / Math.max(1e-9, hi - lo)) * (H - 8);
  const x = (i: number) => (i / Math.max(1, total)) * W;
  const line = steps.map((v, i) => `${i ? 'L' : 'M'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg class="loss" viewBox={`0 0 ${W} ${H}`} width="100%" height={H} data-testid="learn-chart" aria-label="style loss">
      <path d={line} fill="none" stroke="#bbb" stroke-width="1" />
      {probe.map((p) => (
        <circle key={p.step} cx={x(p.step)} cy={y(p.value)} r="2.5" fill="#0d99ff" />
      ))}
    </svg>
  );
}

function LearnSection({ lib, ui }: { lib: LibraryController; ui: UiController }) {
  const l = lib.state.learn;
  const blocker = lib.learnBlocker();
  const probeFirst = l.probeLosses[0]?.value;
  const probeLast = l.probeLosses.at(-1)?.value;
  return (
    <section class="learn" data-testid="learn">
      <h2>Learn a style</h2>
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

function EntryRow({ lib, home, e }: { lib: LibraryController; home: Home; e: LibraryEntry }) {
  const [confirming, setConfirming] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const busy = !!lib.state.busy;
  const other: StoredHome = home === 'mine' ? 'file' : 'mine';
  return (
    <li data-testid="lib-entry" data-home={home} data-id={e.id}>
      {renaming !== null ? (
        <form
          class="rename"
          onSubmit={(ev) => {
            ev.preventDefault();
            void lib.rename(home as StoredHome, e.id, renaming);
            setRenaming(null);
          }}
        >
          <input type="text" value={renaming} maxLength={100} data-testid="lib-rename-input" onInput={(ev) => setRenaming((ev.currentTarget as HTMLInputElement).value)} />
          <button class="small" type="submit" data-testid="lib-rename-ok">
            OK
          </button>
          <button class="small" type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <span class="name" title={e.id}>
          {e.name}
        </span>
      )}
      <span class="size">{kb(e.byteLength)}</span>
      <span class="actions">
        <button class="small" data-testid="lib-export" disabled={busy} onClick={() => void lib.exportPack(home, e.id)}>
          Export
        </button>
        {home === 'builtin' ? (
          <>
            <button class="small" data-testid="lib-copy-mine" disabled={busy} onClick={() => void lib.copy(home, e.id, 'mine')}>
              Copy to Mine
            </button>
            <button class="small" data-testid="lib-copy-file" disabled={busy} onClick={() => void lib.copy(home, e.id, 'file')}>
              Copy to File
            </button>
          </>
        ) : (
          <>
            <button class="small" data-testid={`lib-copy-${other}`} disabled={busy} onClick={() => void lib.copy(home, e.id, other)}>
              Copy to {other === 'mine' ? 'Mine' : 'File'}
            </button>
            <button class="small" data-testid={`lib-move-${other}`} disabled={busy} onClick={() => void lib.copy(home, e.id, other, true)}>
              Move
            </button>
            <button class="small" data-testid="lib-rename" disabled={busy} onClick={() => setRenaming(e.name)}>
              Rename
            </button>
            {confirming ? (
              <span class="confirm">
                Delete?
                <button class="small danger" data-testid="lib-delete-confirm" onClick={() => (setConfirming(false), void lib.remove(home as StoredHome, e.id))}>
                  Yes
                </button>
                <button class="small" onClick={() => setConfirming(false)}>
                  No
                </button>
              </span>
            ) : (
              <button class="small" data-testid="lib-delete" disabled={busy} onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </>
        )}
      </span>
    </li>
  );
}

function LibrarySection({ lib }: { lib: LibraryController }) {
  const s = lib.state;
  const [importHome, setImportHome] = useState<StoredHome>('mine');
  const [over, setOver] = useState(false);
  const importFiles = async (files: File[]) => {
    for (const f of files) await lib.importBlob(f, importHome);
  };
  const homes: { home: Home; entries: LibraryEntry[]; problems: string[] }[] = [
    { home: 'builtin', entries: s.builtin, problems: [] },
    { home: 'mine', entries: s.listing?.mine.entries ?? [], problems: s.listing?.mine.problems ?? [] },
    { home: 'file', entries: s.listing?.file.entries ?? [], problems: s.listing?.file.problems ?? [] },
  ];
  const mine = s.listing?.mine;
  return (
    <section
      class={`library ${over ? 'drop' : ''}`}
      data-testid="library"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void importFiles(Array.from(e.dataTransfer?.files ?? []));
      }}
    >
      <h2>Pack library</h2>
      {homes.map(({ home, entries, problems }) => (
        <div class="home" key={home} data-testid={`lib-home-${home}`}>
          <h3>
            {HOME_LABELS[home]}
            {home === 'builtin' && <span class="tag">read-only</span>}
            {home === 'mine' && mine && (
              <span class="usage" data-testid="lib-usage" title="figma.clientStorage: 5 MB per plugin">
                {kb(mine.usedBytes)} of {kb(mine.quotaBytes)} used
                <meter min={0} max={mine.quotaBytes} value={mine.usedBytes} high={mine.quotaBytes * 0.9} />
              </span>
            )}
          </h3>
          {entries.length === 0 ? (
            <p class="hint">{home === 'builtin' ? 'No built-in packs in this build.' : home === 'mine' ? 'Packs you keep for yourself, on this computer.' : 'Packs saved here travel with the file: everyone who opens it gets them.'}</p>
          ) : (
            <ul class="entries">
              {entries.map((e) => (
                <EntryRow key={`${home}:${e.id}`} lib={lib} home={home} e={e} />
              ))}
            </ul>
          )}
          {problems.map((p) => (
            <p class="status error" key={p}>
              {p}
            </p>
          ))}
        </div>
      ))}
      <div class="row import-row">
        <label class="import">
          Import .stylepack…
          <input type="file" accept=".stylepack" multiple data-testid="lib-import" onChange={async (e) => {
            const input = e.currentTarget as HTMLInputElement;
            await importFiles(Array.from(input.files ?? []));
            input.value = '';
          }} />
        </label>
        <span>into</span>
        <select data-testid="lib-import-home" value={importHome} onChange={(e) => setImportHome((e.currentTarget as HTMLSelectElement).value as StoredHome)}>
          <option value="mine">Mine</option>
          <option value="file">This file</option>
        </select>
        <span class="hint">or drop files here</span>
      </div>
      {s.busy && <p class="hint" data-testid="lib-busy">{s.busy}</p>}
      {s.message && (
        <p class={`status ${s.message.kind}`} data-testid="lib-message" role="status">
          {s.message.text}
        </p>
      )}
    </section>
  );
}

export function LibraryPanels({ lib, ui }: { lib: LibraryController; ui: UiController }) {
  useLib(lib, ui);
  return (
    <div class="app library-panels">
      <LearnSection lib={lib} ui={ui} />
      <LibrarySection lib={lib} />
    </div>
  );
}
