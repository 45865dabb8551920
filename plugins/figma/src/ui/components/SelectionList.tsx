// The selected layers, with thumbnails and sizes.
import type { UiController } from '../controller.js';

export function SelectionList({ c }: { c: UiController }) {
  const { selection, thumbs } = c.state;
  return (
    <section>
      <h2>Selection</h2>
      {selection.length === 0 ? (
        <p class="hint" data-testid="selection-hint">
          Select one or more layers on the canvas to stylize them.
        </p>
      ) : (
        <ul class="selection" data-testid="selection-list">
          {selection.map((n) => (
            <li key={n.id} data-testid="sel-item" data-node-id={n.id}>
              {thumbs[n.id] ? <img src={thumbs[n.id]} alt="" /> : <span class="thumb-empty" />}
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
  );
}
