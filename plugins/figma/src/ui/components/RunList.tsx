// Per-layer progress of the current (or last) run.
import type { RunState } from '../store.js';

const STATUS_TEXT: Record<string, string> = {
  queued: 'Queued',
  exporting: 'Exporting…',
  stylizing: 'Stylizing…',
  writing: 'Writing…',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function RunList({ run }: { run: RunState }) {
  return (
    <ul class="run" data-testid="run-list">
      {run.nodes.map((n) => (
        <li key={n.id} data-testid="run-item" data-node-id={n.id} data-status={n.status}>
          <span class="name">{n.name}</span>
          <span class="state">
            {STATUS_TEXT[n.status]}
            {n.status === 'stylizing' && n.tilesTotal > 1 ? ` ${n.tilesDone}/${n.tilesTotal}` : ''}
          </span>
          {n.status === 'stylizing' && <progress max={Math.max(1, n.tilesTotal)} value={n.tilesDone} />}
          {n.downscaled && (
            <span class="note" data-testid="downscaled">
              {n.downscaled}
            </span>
          )}
          {n.message && <span class="error">{n.message}</span>}
        </li>
      ))}
    </ul>
  );
}
