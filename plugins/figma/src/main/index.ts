// Main-thread entry (Figma's sandbox: document access, no DOM). Shows the UI and answers its
// messages (protocol.ts: one handler per message type); the model runs in the UI.
import { listenToUi, postToUi } from '../protocol.js';
import { LibraryHandler } from './library/handler.js';
import { Run } from './run.js';
import { describeSelection, sendThumbnails } from './selection.js';
import { loadSettings, saveSettings } from './storage.js';
import { resizeWindow, showWindow } from './window.js';
import { writeResult } from './write.js';
import { errText } from '../shared/errors.js';

void showWindow();

let uiReady = false;
let run: Run | null = null;
const library = new LibraryHandler(postToUi);

const thumbnails = () => sendThumbnails((nodeId, png) => postToUi({ type: 'thumbnail', nodeId, png }));

function selectionChanged(): void {
  if (!uiReady) return;
  postToUi({ type: 'selection', nodes: describeSelection() });
  void thumbnails();
}

figma.on('selectionchange', selectionChanged);

listenToUi({
  'ui-ready': async () => {
    uiReady = true;
    postToUi({ type: 'init', settings: await loadSettings(), selection: describeSelection() });
    void thumbnails();
  },
  'save-settings': async (msg) => {
    try {
      await saveSettings(msg.settings);
    } catch (e) {
      console.warn('stylepack: could not save settings', e);
    }
  },
  'run-start': async (msg) => {
    if (run) {
      postToUi({ type: 'run-done', runId: msg.runId, created: 0, failed: 0, cancelled: true, message: 'Another run is still in progress.' });
      return;
    }
    const current = new Run(msg, postToUi);
    run = current;
    try {
      await current.execute();
    } finally {
      if (run === current) run = null;
    }
  },
  'run-node-result': (msg) => {
    if (run && run.req.runId === msg.runId) run.reply(msg.nodeId, { kind: 'result', png: msg.png });
  },
  'run-node-error': (msg) => {
    if (run && run.req.runId === msg.runId) run.reply(msg.nodeId, { kind: 'error', message: msg.message });
  },
  'run-cancel': (msg) => {
    if (run && run.req.runId === msg.runId) run.cancel();
  },
  notify: (msg) => {
    figma.notify(msg.message, { error: msg.error });
  },
  'refine-write': async (msg) => {
    try {
      const node = (await figma.getNodeByIdAsync(msg.nodeId)) as SceneNode | null;
      if (!node || node.removed) throw new Error('The layer was deleted while it was being refined.');
      const rect = writeResult(node, msg.png, msg.styleName, msg.meta, { name: msg.name, source: msg.sourceId });
      figma.commitUndo();
      figma.notify(`Created "${rect.name}".`);
      postToUi({ type: 'refine-written', reqId: msg.reqId, ok: true, newNodeId: rect.id, name: rect.name });
    } catch (e) {
      figma.notify(`Refine: ${errText(e)}`, { error: true });
      postToUi({ type: 'refine-written', reqId: msg.reqId, ok: false, error: errText(e) });
    }
  },
  lib: (msg) => library.handle(msg),
  'resize-window': (msg) => resizeWindow(msg.width, msg.height, msg.save),
});
