// Stylize: the UI's side of the stylize messages and the actions behind the Stylize tab. It
// writes the store's `ui` slice (store.ts); the components render it and call the methods here.
import { LAYER_TEXTURE_MAX, LAYER_TEXTURE_MIN, layerTextureScale } from '@stylepack/core';
import { BUILTIN_PACKS } from 'stylepack:packs';
import { DEFAULT_SETTINGS, type MainToUi, type MessageOf, type NodeInfo, type NodeRunStatus, type Settings, type UiToMain } from '../protocol.js';
import { errText } from '../shared/errors.js';
import { base64ToBytes } from './base64.js';
import { loadBuiltinBase } from './builtin-base.js';
import { CancelledError, PackLibrary } from './engine.js';
import { decodePng, encodePng, pngUrl } from './image.js';
import type { ModelEngine } from './model-engine.js';
import { patchUi, store, type RunNode, type RunState, type Tab, type UiState } from './store.js';
import { createModelEngine } from './worker-engine.js';

/** Per-node timings of the last run, for the bench and for debugging. */
export interface NodeTiming {
  nodeId: string;
  width: number;
  height: number;
  backend: string;
  decodeMs: number;
  stylizeMs: number;
  encodeMs: number;
  tiles: number;
  tileSize: number;
}

export type Post = (msg: UiToMain) => void;

/**
 * What a run needs from the live preview: it shares the one model, so it starts no work during
 * runs. A preview step already under way may finish (its tensors are its own; the style it set
 * was read when its ops were queued); the run sets its own style after suspend().
 */
export interface PreviewHold {
  suspend(): void;
  resume(): void;
}

export class UiController {
  readonly library = new PackLibrary();
  /** The model, in a Worker when one can start (worker-engine.ts), so the panel never freezes. */
  readonly engine: ModelEngine = createModelEngine();
  readonly timings: NodeTiming[] = [];
  private nextRunId = 1;
  private queue: Promise<void> = Promise.resolve();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by the preview (index.tsx); suspended from a run's start to its end. */
  previewHold: PreviewHold | null = null;
  private previewHeld = false;

  constructor(private post: Post) {}

  private holdPreview(): void {
    if (this.previewHeld || !this.previewHold) return;
    this.previewHeld = true;
    this.previewHold.suspend();
  }

  private releasePreview(): void {
    if (!this.previewHeld) return;
    this.previewHeld = false;
    this.previewHold?.resume();
  }

  /** The store's stylize slice (reading it in a component subscribes the component). */
  get state(): UiState {
    return store.ui.value;
  }

  private set(patch: Partial<UiState>): void {
    patchUi(patch);
  }

  private updateRun(fn: (run: RunState) => RunState): void {
    if (this.state.run) this.set({ run: fn(this.state.run) });
  }

  private updateNode(runId: number, nodeId: string, patch: Partial<RunNode>): void {
    this.updateRun((run) => (run.id !== runId ? run : { ...run, nodes: run.nodes.map((n) => (n.id === nodeId ? { ...n, ...patch } : n)) }));
  }

  /** Load the built-in base model and packs, then tell main we are listening. */
  async start(): Promise<void> {
    const baseProblem = await loadBuiltinBase(this.library);
    const problems: string[] = baseProblem ? [baseProblem] : [];
    for (const { file, base64 } of BUILTIN_PACKS) {
      try {
        await this.library.add(base64ToBytes(base64), 'builtin');
      } catch (e) {
        problems.push(`${file}: ${errText(e)}`);
      }
    }
    this.set({ styles: this.library.styles() });
    if (problems.length) this.set({ status: { kind: 'error', text: `Some built-in packs could not be loaded: ${problems.join('; ')}` } });
    this.post({ type: 'ui-ready' });
  }

  // ------------------------------------------------------------ messages from main (index.tsx dispatches)

  onInit(msg: MessageOf<MainToUi, 'init'>): void {
    const settings = { ...DEFAULT_SETTINGS, ...msg.settings };
    settings.textureScale = Math.min(LAYER_TEXTURE_MAX, Math.max(LAYER_TEXTURE_MIN, settings.textureScale));
    this.set({ connected: true, settings });
    this.fixStyleChoice();
    this.setSelection(msg.selection);
    void this.initBackend();
  }

  onSelection(msg: MessageOf<MainToUi, 'selection'>): void {
    this.setSelection(msg.nodes);
  }

  onThumbnail(msg: MessageOf<MainToUi, 'thumbnail'>): void {
    if (!this.state.selection.some((n) => n.id === msg.nodeId)) return;
    const old = this.state.thumbs[msg.nodeId];
    if (old) URL.revokeObjectURL(old);
    this.set({ thumbs: { ...this.state.thumbs, [msg.nodeId]: pngUrl(msg.png) } });
  }

  onNodeInput(msg: MessageOf<MainToUi, 'run-node-input'>): void {
    this.queue = this.queue.then(() => this.processNode(msg));
  }

  onNodeStatus(msg: MessageOf<MainToUi, 'run-node-status'>): void {
    this.updateNode(msg.runId, msg.nodeId, { status: msg.status, message: msg.message });
  }

  onRunDone(msg: MessageOf<MainToUi, 'run-done'>): void {
    const run = this.state.run;
    if (!run || run.id !== msg.runId) return;
    this.set({
      run: {
        ...run,
        active: false,
        cancelling: false,
        cancelled: msg.cancelled,
        ...(run.cancelRequestedAt !== undefined ? { cancelLatencyMs: performance.now() - run.cancelRequestedAt } : {}),
        nodes: run.nodes.map((n) => (isFinal(n.status) ? n : { ...n, status: 'cancelled' })),
      },
      status: { kind: msg.failed > 0 ? 'error' : 'info', text: msg.message },
    });
    this.releasePreview();
  }

  private setSelection(nodes: NodeInfo[]): void {
    const keep: Record<string, string> = {};
    for (const [id, url] of Object.entries(this.state.thumbs)) {
      if (nodes.some((n) => n.id === id)) keep[id] = url;
      else URL.revokeObjectURL(url);
    }
    this.set({ selection: nodes, thumbs: keep });
  }

  /** The pack library changed (library-controller.ts added or removed packs): re-read the styles. */
  refreshStyles(): void {
    this.set({ styles: this.library.styles() });
    if (this.state.connected) this.fixStyleChoice();
  }

  /** Select a usable style when the saved one is gone (e.g. first run). */
  private fixStyleChoice(): void {
    const usable = this.state.styles.filter((s) => !s.problem);
    let settings = this.state.settings;
    if (!settings.packId || !usable.some((u) => u.key === settings.packId)) settings = { ...settings, packId: usable[0]?.key ?? null };
    if (settings.mixPackId && !usable.some((u) => u.key === settings.mixPackId)) settings = { ...settings, mixPackId: null };
    if (settings !== this.state.settings) this.set({ settings });
  }

  async initBackend(): Promise<void> {
    this.set({ backend: { ...this.state.backend, busy: true, error: null } });
    try {
      const active = await this.engine.ensureBackend(this.state.settings.backend, (line) => console.info(`[stylepack] ${line}`));
      this.set({ backend: { name: active.name, description: active.description, busy: false, error: null } });
    } catch (e) {
      this.set({ backend: { name: null, description: '', busy: false, error: errText(e) } });
    }
  }

  updateSettings(patch: Partial<Settings>): void {
    const before = this.state.settings;
    this.set({ settings: { ...before, ...patch } });
    if (patch.backend && patch.backend !== before.backend) void this.initBackend();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.post({ type: 'save-settings', settings: this.state.settings }), 250);
  }

  /** Why Stylize is disabled, or null when it can run. */
  blocker(): string | null {
    const { selection, settings, run, styles, backend } = this.state;
    if (!this.state.connected) return 'Connecting to Figma…';
    if (run?.active) return 'A run is in progress.';
    if (store.refine.value.running) return 'Refine is running (it shares the model); wait or cancel it.';
    if (selection.length === 0) return 'Select one or more layers to stylize.';
    if (!selection.some((n) => n.exportable)) return 'None of the selected layers can be exported as an image.';
    if (styles.length === 0) return 'No style packs yet: import a .stylepack file.';
    const style = styles.find((s) => s.key === settings.packId);
    if (!style) return 'Choose a style.';
    if (style.problem) return style.problem;
    if (backend.busy) return 'Starting the model runtime…';
    if (backend.error) return `No usable runtime: ${backend.error}`;
    return null;
  }

  styleName(): string {
    const { settings, styles } = this.state;
    const a = styles.find((s) => s.key === settings.packId)?.name ?? '?';
    const b = settings.mixPackId ? styles.find((s) => s.key === settings.mixPackId)?.name : null;
    if (!b || settings.mix <= 0) return a;
    if (settings.mix >= 1) return b;
    return `${a} + ${b} ${Math.round(settings.mix * 100)}%`;
  }

  async stylize(): Promise<void> {
    if (this.blocker()) return;
    const { settings } = this.state;
    const nodes = this.state.selection.filter((n) => n.exportable);
    const runId = this.nextRunId++;
    const styleName = this.styleName();
    this.set({
      run: {
        id: runId,
        styleName,
        active: true,
        cancelling: false,
        cancelled: false,
        nodes: nodes.map((n) => ({ id: n.id, name: n.name, status: 'queued', tilesDone: 0, tilesTotal: 0 })),
        maxTileMs: 0,
      },
      status: { kind: 'info', text: 'Loading the model…' },
    });
    this.holdPreview(); // the preview shares the model: it starts nothing until the run ends
    try {
      const active = await this.engine.ensureBackend(settings.backend);
      this.set({ backend: { name: active.name, description: active.description, busy: false, error: null } });
      const a = this.library.vectors(settings.packId!);
      const weights = this.library.baseWeights(a.baseSha);
      if (!weights) throw new Error(`The base model for "${a.label}" is not installed.`);
      let b = null;
      if (settings.mixPackId && settings.mix > 0) {
        b = this.library.vectors(settings.mixPackId);
        if (b.baseSha !== a.baseSha) throw new Error(`"${a.label}" and "${b.label}" were trained for different base models and cannot be mixed.`);
      }
      this.engine.ensureModel(a.baseSha, weights);
      this.engine.setStyle(a.vectors, b?.vectors ?? null, settings.mix);
      await this.engine.calibrate();
    } catch (e) {
      this.set({ run: { ...this.state.run!, active: false }, status: { kind: 'error', text: `Could not start: ${errText(e)}` } });
      this.releasePreview();
      return;
    }
    this.set({ status: { kind: 'info', text: `Stylizing ${nodes.length} layer${nodes.length === 1 ? '' : 's'} with ${styleName}…` } });
    this.post({
      type: 'run-start',
      runId,
      nodeIds: nodes.map((n) => n.id),
      outputScale: settings.outputScale,
      styleName,
      meta: {
        packId: settings.packId!,
        mixPackId: settings.mixPackId,
        mix: settings.mix,
        strength: settings.strength,
        preserveColors: settings.preserveColors,
        textureScale: settings.textureScale,
        backend: this.engine.backendName ?? '?',
      },
    });
  }

  showTab(tab: Tab): void {
    this.set({ tab });
  }

  /** The resize handle: live while dragging, `save` when it is released. */
  resizeWindow(width: number, height: number, save: boolean): void {
    this.post({ type: 'resize-window', width, height, save });
  }

  /** `at`: the click's event.timeStamp, so the measured latency includes waiting for a tile. */
  cancel(at = performance.now()): void {
    const run = this.state.run;
    if (!run?.active || run.cancelling) return;
    this.set({ run: { ...run, cancelling: true, cancelRequestedAt: at }, status: { kind: 'info', text: 'Cancelling…' } });
    this.post({ type: 'run-cancel', runId: run.id });
  }

  private async processNode(msg: MessageOf<MainToUi, 'run-node-input'>): Promise<void> {
    const run = this.state.run;
    if (!run || run.id !== msg.runId || !run.active) return;
    // Also once the run is over: main's run-done can arrive (and clear `cancelling`) while the
    // model worker is still on this node; it must still be told to stop.
    const cancelled = () => this.state.run?.id !== msg.runId || !!this.state.run?.cancelling || !this.state.run?.active;
    if (cancelled()) return;
    this.updateNode(msg.runId, msg.nodeId, { status: 'stylizing', downscaled: msg.downscaled });
    try {
      const t0 = performance.now();
      const img = await decodePng(msg.png);
      const t1 = performance.now();
      let tiles = 0;
      let tileStart = performance.now();
      const { strength, preserveColors, textureScale } = this.state.settings;
      const side = Math.max(img.width, img.height);
      const out = await this.engine.stylize(img, {
        strength,
        preserveColors,
        scale: layerTextureScale(textureScale, side, side),
        isCancelled: cancelled,
        onTile: (done, total) => {
          tiles = total;
          const now = performance.now();
          const tileMs = now - tileStart;
          this.updateRun((r) => (r.id === msg.runId && tileMs > r.maxTileMs ? { ...r, maxTileMs: tileMs } : r));
          this.updateNode(msg.runId, msg.nodeId, { tilesDone: done, tilesTotal: total });
          tileStart = now;
        },
      });
      const t2 = performance.now();
      if (cancelled()) throw new CancelledError();
      const png = await encodePng({ width: img.width, height: img.height, data: out });
      const t3 = performance.now();
      this.timings.push({
        nodeId: msg.nodeId,
        width: img.width,
        height: img.height,
        backend: this.engine.backendName ?? '?',
        decodeMs: t1 - t0,
        stylizeMs: t2 - t1,
        encodeMs: t3 - t2,
        tiles,
        tileSize: this.engine.tileSize ?? 0,
      });
      this.updateNode(msg.runId, msg.nodeId, { status: 'writing' });
      this.post({ type: 'run-node-result', runId: msg.runId, nodeId: msg.nodeId, png, width: img.width, height: img.height });
    } catch (e) {
      if (e instanceof CancelledError || cancelled()) {
        this.updateNode(msg.runId, msg.nodeId, { status: 'cancelled' });
        return; // main already knows (run-cancel) and ends the run
      }
      const message = errText(e);
      this.updateNode(msg.runId, msg.nodeId, { status: 'failed', message });
      this.post({ type: 'run-node-error', runId: msg.runId, nodeId: msg.nodeId, message });
    }
  }
}

function isFinal(s: NodeRunStatus): boolean {
  return s === 'done' || s === 'failed' || s === 'cancelled';
}
