// The UI's state and its side of the protocol. The Preact view only renders `state` and calls
// the methods here; everything that talks to main or to the model lives in this file.
import * as tf from '@tensorflow/tfjs';
import { BUILTIN_PACKS } from 'stylepack:packs';
import { DEFAULT_SETTINGS, type MainToUi, type MessageOf, type NodeInfo, type NodeRunStatus, type Settings, type UiToMain } from '../protocol.js';
import { ensureBackend } from './backend.js';
import { base64ToBytes } from './base64.js';
import { CancelledError, PackLibrary, StyleEngine, type StyleOption } from './engine.js';
import { decodePng, encodePng, pngUrl } from './image.js';

export interface RunNode {
  id: string;
  name: string;
  status: NodeRunStatus;
  message?: string;
  tilesDone: number;
  tilesTotal: number;
  downscaled?: string | null;
}

export interface RunState {
  id: number;
  styleName: string;
  nodes: RunNode[];
  active: boolean;
  cancelling: boolean;
  cancelled: boolean;
  /** performance.now() of the Cancel click (its event timestamp), and how long stopping took. */
  cancelRequestedAt?: number;
  cancelLatencyMs?: number;
  /** Longest single tile so far: a click waits at most this long before it is handled. */
  maxTileMs: number;
}

export interface UiState {
  connected: boolean;
  settings: Settings;
  selection: NodeInfo[];
  thumbs: Record<string, string>;
  styles: StyleOption[];
  backend: { name: string | null; description: string; busy: boolean; error: string | null };
  run: RunState | null;
  status: { text: string; kind: 'info' | 'error' } | null;
}

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

const msgOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class UiController {
  state: UiState = {
    connected: false,
    settings: { ...DEFAULT_SETTINGS },
    selection: [],
    thumbs: {},
    styles: [],
    backend: { name: null, description: '', busy: false, error: null },
    run: null,
    status: null,
  };
  readonly library = new PackLibrary();
  readonly engine = new StyleEngine();
  readonly timings: NodeTiming[] = [];
  private listeners = new Set<() => void>();
  private nextRunId = 1;
  private queue: Promise<void> = Promise.resolve();
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private post: Post) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<UiState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  private updateRun(fn: (run: RunState) => RunState): void {
    if (this.state.run) this.set({ run: fn(this.state.run) });
  }

  private updateNode(runId: number, nodeId: string, patch: Partial<RunNode>): void {
    this.updateRun((run) => (run.id !== runId ? run : { ...run, nodes: run.nodes.map((n) => (n.id === nodeId ? { ...n, ...patch } : n)) }));
  }

  /** Load built-in packs, then tell main we are listening. */
  async start(): Promise<void> {
    const problems: string[] = [];
    for (const { file, base64 } of BUILTIN_PACKS) {
      try {
        await this.library.add(base64ToBytes(base64), 'builtin');
      } catch (e) {
        problems.push(`${file}: ${msgOf(e)}`);
      }
    }
    this.set({ styles: this.library.styles() });
    if (problems.length) this.set({ status: { kind: 'error', text: `Some built-in packs could not be loaded: ${problems.join('; ')}` } });
    this.post({ type: 'ui-ready' });
  }

  handle(msg: MainToUi): void {
    switch (msg.type) {
      case 'init':
        this.set({ connected: true, settings: { ...DEFAULT_SETTINGS, ...msg.settings } });
        this.fixStyleChoice();
        this.setSelection(msg.selection);
        void this.initBackend();
        return;
      case 'selection':
        this.setSelection(msg.nodes);
        return;
      case 'thumbnail': {
        if (!this.state.selection.some((n) => n.id === msg.nodeId)) return;
        const old = this.state.thumbs[msg.nodeId];
        if (old) URL.revokeObjectURL(old);
        this.set({ thumbs: { ...this.state.thumbs, [msg.nodeId]: pngUrl(msg.png) } });
        return;
      }
      case 'run-node-input':
        this.queue = this.queue.then(() => this.processNode(msg));
        return;
      case 'run-node-status':
        this.updateNode(msg.runId, msg.nodeId, { status: msg.status, message: msg.message });
        return;
      case 'run-done': {
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
        return;
      }
      default: {
        const never: never = msg;
        void never;
      }
    }
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
    const s = this.state.settings;
    if (!s.packId || !usable.some((u) => u.key === s.packId)) {
      this.state = { ...this.state, settings: { ...s, packId: usable[0]?.key ?? null } };
    }
    if (s.mixPackId && !usable.some((u) => u.key === s.mixPackId)) {
      this.state = { ...this.state, settings: { ...this.state.settings, mixPackId: null } };
    }
    this.set({});
  }

  async initBackend(): Promise<void> {
    this.set({ backend: { ...this.state.backend, busy: true, error: null } });
    try {
      const active = await ensureBackend(this.state.settings.backend, (line) => console.info(`[stylepack] ${line}`));
      this.set({ backend: { name: active.name, description: active.description, busy: false, error: null } });
    } catch (e) {
      this.set({ backend: { name: null, description: '', busy: false, error: msgOf(e) } });
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
    try {
      const active = await ensureBackend(settings.backend);
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
      this.set({ run: { ...this.state.run!, active: false }, status: { kind: 'error', text: `Could not start: ${msgOf(e)}` } });
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
        backend: tf.getBackend(),
      },
    });
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
    const cancelled = () => this.state.run?.id !== msg.runId || !!this.state.run?.cancelling;
    if (cancelled()) return;
    this.updateNode(msg.runId, msg.nodeId, { status: 'stylizing', downscaled: msg.downscaled });
    try {
      const t0 = performance.now();
      const img = await decodePng(msg.png);
      const t1 = performance.now();
      let tiles = 0;
      let tileStart = performance.now();
      const { strength, preserveColors } = this.state.settings;
      const out = await this.engine.stylize(img, {
        strength,
        preserveColors,
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
        backend: tf.getBackend(),
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
      const message = msgOf(e);
      this.updateNode(msg.runId, msg.nodeId, { status: 'failed', message });
      this.post({ type: 'run-node-error', runId: msg.runId, nodeId: msg.nodeId, message });
    }
  }
}

function isFinal(s: NodeRunStatus): boolean {
  return s === 'done' || s === 'failed' || s === 'cancelled';
}
