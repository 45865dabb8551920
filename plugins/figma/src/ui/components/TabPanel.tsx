// One tab's content. Every panel stays mounted (hidden when not shown), so what is typed or
// chosen in one tab survives a visit to another.
import type { ComponentChildren } from 'preact';
import type { Tab } from '../store.js';

export function TabPanel({ id, active, children }: { id: Tab; active: Tab; children: ComponentChildren }) {
  return (
    <div class="tab-panel" role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} data-testid={`panel-${id}`} hidden={id !== active}>
      {children}
    </div>
  );
}
