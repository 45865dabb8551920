// Main-thread entry (Figma's sandbox: document access, no DOM). Shows the UI and answers its
// messages; the model runs in the UI.
import type { MainToUi, UiToMain } from '../protocol.js';
import { isLibToMain, type LibToUi } from '../library-protocol.js';
import { LibraryHandler } from './library/handler.js';
import { Run } from './run.js';
import { describeSelection, sendThumbnails } from './selection.js';
import { loadSettings, saveSettings } from './storage.js';

declare const __html__: string;

figma.showUI(__html__, { width: 340, height: 620, themeColors: true, title: 'Stylepack' });

const post = (msg: MainToUi) => figma.ui.postMessage(msg);
let uiReady = false;
let run: Run | null = null;
// Pack library + style-learning exports (library-protocol.ts), beside the stylize protocol.
const library = new LibraryHandler((msg: LibToUi) => figma.ui.postMessage(msg));

function selectionChanged(): void {
  if (!uiReady) return;
  post({ type: 'selection', nodes: describeSelection() });
  void sendThumbnails((nodeId, png) => post({ type: 'thumbnail', nodeId, png }));
}

figma.on('selectionchange', selectionChanged);

figma.ui.onmessage = async (msg: UiToMain) => {
  if (isLibToMain(msg)) return library.handle(msg);
  switch (msg.type) {
    case 'ui-ready': {
      uiReady = true;
      post({ type: 'init', settings: await loadSettings(), selection: describeSelection() });
      void sendThumbnails((nodeId, png) => post({ type: 'thumbnail', nodeId, png }));
      return;
    }
    case 'save-settings':
      try {
        await saveSettings(msg.settings);
      } catch (e) {
        console.warn('stylepack: could not save settings', e);
      }
      return;
    case 'run-start': {
      if (run) {
        post({ type: 'run-done', runId: msg.runId, created: 0, failed: 0, cancelled: true, message: 'Another run is still in progress.' });
        return;
      }
      const current = new Run(msg, post);
      run = current;
      try {
        await current.execute();
      } finally {
        if (run === current) run = null;
      }
      return;
    }
    case 'run-node-result':
      if (run && run.req.runId === msg.runId) run.reply(msg.nodeId, { kind: 'result', png: msg.png });
      return;
    case 'run-node-error':
      if (run && run.req.runId === msg.runId) run.reply(msg.nodeId, { kind: 'error', message: msg.message });
      return;
    case 'run-cancel':
      if (run && run.req.runId === msg.runId) run.cancel();
      return;
    case 'notify':
      figma.notify(msg.message, { error: msg.error });
      return;
    default: {
      const never: never = msg;
      void never;
    }
  }
};
