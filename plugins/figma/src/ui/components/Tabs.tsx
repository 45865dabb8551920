// Stylize / Learn / Library: the panel's tabs (ARIA tabs; arrow keys move between them).
import type { UiController } from '../controller.js';
import type { Tab } from '../store.js';

export const TABS: { id: Tab; label: string }[] = [
  { id: 'stylize', label: 'Stylize' },
  { id: 'learn', label: 'Learn' },
  { id: 'library', label: 'Library' },
];

export function Tabs({ c }: { c: UiController }) {
  const { tab } = c.state;
  const move = (step: number) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + step + TABS.length) % TABS.length]!;
    c.showTab(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <nav class="tabs" role="tablist" aria-label="Stylepack">
      {TABS.map((t) => (
        <button
          key={t.id}
          id={`tab-${t.id}`}
          class="tab"
          role="tab"
          type="button"
          aria-selected={tab === t.id}
          aria-controls={`panel-${t.id}`}
          tabIndex={tab === t.id ? 0 : -1}
          data-testid={`tab-${t.id}`}
          onClick={() => c.showTab(t.id)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight') move(1);
            else if (e.key === 'ArrowLeft') move(-1);
          }}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
