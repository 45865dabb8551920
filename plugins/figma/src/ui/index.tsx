// UI entry: wires window messages (Figma's { pluginMessage } envelopes) to the controller and
// renders the panel.
import * as tf from '@tensorflow/tfjs';
import { render } from 'preact';
import type { MainToUi, UiToMain } from '../protocol.js';
import { App } from './App.js';
import { UiController } from './controller.js';
import { isLibToUi, type LibToMain } from '../library-protocol.js';
import { LibraryController } from './library-controller.js';
import { LibraryPanels } from './LibraryPanels.js';

const post = (msg: UiToMain) => parent.postMessage({ pluginMessage: msg, pluginId: '*' }, '*');
const controller = new UiController(post);
const library = new LibraryController(controller, (msg: LibToMain) => parent.postMessage({ pluginMessage: msg, pluginId: '*' }, '*'));

window.onmessage = (event: MessageEvent) => {
  const msg = (event.data as { pluginMessage?: MainToUi } | null)?.pluginMessage;
  if (isLibToUi(msg)) return library.handle(msg);
  if (msg && typeof msg === 'object' && 'type' in msg) controller.handle(msg);
};

// Read-only hook for tests and the bench (state, per-node timings, tf memory).
(window as unknown as { __stylepack: unknown }).__stylepack = {
  get state() {
    return controller.state;
  },
  timings: controller.timings,
  memory: () => tf.memory(),
  modelLoads: () => controller.engine.loads,
  tileSize: () => controller.engine.tileSize,
  get library() {
    return library.state;
  },
  /** tfjs itself, for backend diagnostics in tests and benches. */
  tf,
};

render(
  <>
    <App
      controller={controller}
      onImportFiles={async (files) => {
        for (const f of files) await library.importBlob(f, 'mine');
      }}
    />
    <LibraryPanels lib={library} ui={controller} />
  </>,
  document.getElementById('app')!,
);
void controller.start().then(() => library.start());
