// The Stylize tab's button bar: Stylize / Cancel, why Stylize is disabled, the status line.
import type { UiController } from '../controller.js';

export function StylizeFooter({ c }: { c: UiController }) {
  const { run, status, selection } = c.state;
  const blocker = c.blocker();
  const running = !!run?.active;
  return (
    <footer class="actions">
      {running ? (
        <button class="secondary" data-testid="cancel" disabled={run?.cancelling} onClick={(e) => c.cancel(e.timeStamp)}>
          {run?.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      ) : (
        <button class="primary" data-testid="stylize" disabled={!!blocker} title={blocker ?? ''} onClick={() => void c.stylize()}>
          Stylize {selection.length > 1 ? `${selection.length} layers` : ''}
        </button>
      )}
      {blocker && !running && (
        <p class="hint" data-testid="stylize-hint">
          {blocker}
        </p>
      )}
      {status && (
        <p class={`status ${status.kind}`} data-testid="status" role="status">
          {status.text}
        </p>
      )}
    </footer>
  );
}
