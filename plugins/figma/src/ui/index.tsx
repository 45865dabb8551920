// UI entry: the one dispatcher for messages from main (protocol.ts), the test hook, the panel.
import * as tf from '@tensorflow/tfjs';
import { render } from 'preact';
import { listenToMain, postToMain } from '../protocol.js';
import { App } from './App.js';
import { UiController } from './controller.js';
import { LibraryController } from './library-controller.js';
import { PreviewController } from './preview-controller.js';
import { RefineController } from './refine-controller.js';
import { store } from './store.js';

const controller = new UiController(postToMain);
const library = new LibraryController(controller, postToMain);
const preview = new PreviewController(controller, (id, side) => library.exportNode(id, side));
const refine = new RefineController(controller, (id, side) => library.exportNode(id, side), postToMain);

listenToMain({
  init: (m) => controller.onInit(m),
  selection: (m) => controller.onSelection(m),
  thumbnail: (m) => controller.onThumbnail(m),
  'run-node-input': (m) => controller.onNodeInput(m),
  'run-node-status': (m) => controller.onNodeStatus(m),
  'run-done': (m) => controller.onRunDone(m),
  'lib-reply': (m) => library.onReply(m),
  'refine-written': (m) => refine.onWritten(m),
});

// Read-only hook for tests and the bench (state, per-node timings, tf memory).
(window as unknown as { __stylepack: unknown }).__stylepack = {
  get state() {
    return store.ui.value;
  },
  timings: controller.timings,
  /** tf.memory() where the model runs (the worker's, after its last call). */
  memory: () => controller.engine.memory(),
  /** Where the model runs: "worker", or why it runs on the panel thread. */
  engineWhere: () => controller.engine.where,
  /** ms from the panel's cancel to the worker stopping the last cancelled stylize. */
  cancelStopMs: () => (controller.engine as { lastCancelStopMs?: number | null }).lastCancelStopMs ?? null,
  modelLoads: () => controller.engine.loads,
  tileSize: () => controller.engine.tileSize,
  /** stylepack's wasm kernels: installed, calls served (fast / fallback / Winograd). */
  fastKernels: () => controller.engine.fastKernels(),
  get library() {
    return store.lib.value;
  },
  get preview() {
    return store.preview.value;
  },
  get refine() {
    return store.refine.value;
  },
  /** tfjs itself, for backend diagnostics in tests and benches. */
  tf,
};

render(<App c={controller} lib={library} preview={preview} refine={refine} />, document.getElementById('app')!);
void controller.start().then(() => library.start()).then(() => preview.start());
