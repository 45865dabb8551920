// The runtime the model runs on (webgpu / webgl / wasm / cpu), or why there is none.
import type { UiController } from '../controller.js';

export function BackendBadge({ c }: { c: UiController }) {
  const { backend } = c.state;
  return (
    <span class={`backend ${backend.error ? 'bad' : ''}`} data-testid="backend" title={backend.description || backend.error || ''}>
      {backend.busy ? 'starting…' : backend.error ? 'no runtime' : backend.name ?? '—'}
    </span>
  );
}
