// Refine, the panel's side: which layer, which style target, the feed-forward start, the run in
// the model engine (refine.ts, in the worker on the best backend), and writing the result as a
// NEW layer directly above the refined one (main's refine-write; the user's layers are never
// changed). It writes the store's `refine` slice; components/RefinePanel.tsx renders it.
//
// The layer: one selected layer. A stylepack result (its plugin data names its source photo and
// style) is refined as it is, with its source as the content to keep; any other layer is first
// stylized with the panel's current style and settings, then refined.
// The style target: the painting layer the user marks (the real strokes and palette), else the
// pack's preview PNG — a 128 px sample of the pack's own output, so refine then strengthens the
// pack's look and brings back the photo's detail, but cannot get closer to the painting than the
// pack is: packs carry no painting (docs/pack-format.md).
import { layerTextureScale, type RgbaImage } from '@stylepack/core';
import type { MainToUi, MessageOf, NodeInfo, RefineMeta, UiToMain } from '../protocol.js';
import { errText } from '../shared/errors.js';
import type { UiController } from './controller.js';
import { CancelledError } from './engine.js';
import { decodePng, encodePng } from './image.js';
import type { RefineHandle } from './model-engine.js';
import { REFINE_SIZES, REFINE_STEPS, refineWorkSize } from './refine.js';
import { patchRefine, store, type RefineState } from './store.js';

/** Figma's image limit: the result is never larger than this a side. */
const MAX_OUTPUT_SIDE = 4096;

export type ExportNode = (nodeId: string, maxSide: number) => Promise<{ png: Uint8Array; width: number; height: number; name: string }>;

export class RefineController {
  private handle: RefineHandle | null = null;
  private nextReq = 1;
  private pending = new Map<number, (m: MessageOf<MainToUi, 'refine-written'>) => void>();

  constructor(
    private readonly ui: UiController,
    private readonly exportNode: ExportNode,
    private readonly post: (msg: UiToMain) => void,
  ) {}

  get state(): RefineState {
    return store.refine.value;
  }

  /** The one selected layer Refine would work on, or null. */
  target(): NodeInfo | null {
    const sel = this.ui.state.selection;
    return sel.length === 1 && sel[0]!.exportable ? sel[0]! : null;
  }

  /** Why Refine cannot run now, or null. */
  blocker(): string | null {
    const { connected, selection, run, backend } = this.ui.state;
    if (!connected) return 'Connecting to Figma…';
    if (this.state.running) return 'Refine is running.';
    if (run?.active) return 'A run is in progress.';
    if (selection.length !== 1) return selection.length ? 'Select one layer to refine (refine works on one picture at a time).' : 'Select a stylized layer (or any image layer) to refine.';
    if (!selection[0]!.exportable) return `A ${selection[0]!.type.toLowerCase()} layer is not an image; select an image layer to refine.`;
    const t = this.target()!;
    if (Math.min(t.width, t.height) < 32) return `The layer is ${Math.round(t.width)}×${Math.round(t.height)} px; refine needs at least 32 px a side.`;
    if (t.id === this.state.painting?.id) return 'The selected layer is the painting; select the layer to refine.';
    if (!t.stylized && !this.state.painting && !this.currentStyle()) return 'Choose a style, or mark a painting as the style target.';
    if (backend.busy) return 'Starting the model runtime…';
    if (backend.error) return `No usable runtime: ${backend.error}`;
    return null;
  }

  /** What the style target will be, for the panel's hint. */
  targetText(): string {
    if (this.state.painting) return `the painting "${this.state.painting.name}"`;
    const t = this.target();
    const key = t?.stylized?.packId ?? this.ui.state.settings.packId;
    const style = this.ui.state.styles.find((s) => s.key === key);
    return style?.preview ? `the preview of "${style.name}" (the pack's own look; mark the painting for its strokes)` : 'none: mark the painting';
  }

  markPainting(): void {
    const sel = this.ui.state.selection;
    if (sel.length !== 1 || !sel[0]!.exportable) {
      patchRefine({ error: 'Select the one painting layer to mark it as the style target.' });
      return;
    }
    patchRefine({ painting: { id: sel[0]!.id, name: sel[0]!.name }, error: null });
  }

  clearPainting(): void {
    patchRefine({ painting: null });
  }

  setSteps(n: number): void {
    if (Number.isFinite(n)) patchRefine({ steps: Math.round(Math.min(REFINE_STEPS.max, Math.max(REFINE_STEPS.min, n))) });
  }

  setSize(n: number): void {
    if ((REFINE_SIZES as readonly number[]).includes(n)) patchRefine({ size: n });
  }

  /** A refine-written reply from main (index.tsx dispatches). */
  onWritten(msg: MessageOf<MainToUi, 'refine-written'>): void {
    const resolve = this.pending.get(msg.reqId);
    this.pending.delete(msg.reqId);
    resolve?.(msg);
  }

  cancel(): void {
    if (!this.state.running || this.state.cancelling) return;
    patchRefine({ cancelling: true, phase: 'Cancelling…' });
    this.handle?.cancel();
  }

  private currentStyle() {
    const key = this.ui.state.settings.packId;
    return this.ui.state.styles.find((s) => s.key === key && !s.problem) ?? null;
  }

  async run(): Promise<void> {
    if (this.blocker()) return;
    const node = this.target()!;
    const { steps, size, painting } = this.state;
    patchRefine({ running: true, cancelling: false, cancelled: false, error: null, result: null, phase: 'Exporting the layer…', step: 0, stepsTotal: steps, stepsPerSec: null });
    this.ui.previewHold?.suspend(); // the preview shares the model: it starts nothing until refine ends
    try {
      // At the panel's output scale (1× or 2×, as Stylize), within Figma's 4096 px image limit.
      const side = Math.min(MAX_OUTPUT_SIDE, Math.max(1, Math.round(Math.max(node.width, node.height) * this.ui.state.settings.outputScale)));
      const startPng = await this.exportNode(node.id, side);
      const startImg = await decodePng(startPng.png);
      const work = refineWorkSize(startImg.width, startImg.height, size);
      const settings = this.ui.state.settings;
      const engine = this.ui.engine;
      await engine.ensureBackend(settings.backend);
      let content: RgbaImage;
      let start: RgbaImage;
      let sourceId: string;
      let styleName: string;
      let packKey: string;
      if (node.stylized) {
        // A stylepack result: keep its source photo's content (the layer itself if the photo is gone).
        start = startImg;
        styleName = node.stylized.style;
        packKey = node.stylized.packId;
        sourceId = node.stylized.sourceId;
        content = await this.exportNode(sourceId, side).then((e) => decodePng(e.png), () => startImg);
      } else {
        const style = this.currentStyle();
        if (!style) throw new Error('Choose a style first.');
        styleName = this.ui.styleName();
        packKey = style.key;
        sourceId = node.id;
        content = startImg;
        patchRefine({ phase: `Stylizing with ${styleName}…` });
        start = { width: startImg.width, height: startImg.height, data: await this.feedForward(startImg) };
      }
      if (this.state.cancelling) throw new CancelledError();
      patchRefine({ phase: 'Reading the style target…' });
      const { image: styleImg, target } = await this.styleTarget(painting, packKey, Math.min(work.width, work.height));
      const handle = engine.refine(
        { content, start, style: styleImg, opts: { steps, size } },
        (p) => patchRefine({ step: p.step, stepsPerSec: p.stepsPerSec }),
        (phase) => patchRefine({ phase }),
      );
      this.handle = handle;
      if (this.state.cancelling) handle.cancel();
      const r = await handle.result;
      if (r.cancelled) throw new CancelledError();
      patchRefine({ phase: 'Writing the new layer…' });
      const png = await encodePng(r.image);
      const meta: RefineMeta = { steps: r.steps, work: [r.work.width, r.work.height], target, styleLossStart: r.styleLossStart, styleLossEnd: r.styleLossEnd };
      const name = refinedLayerName(node.name, node.stylized ? null : styleName, r.steps);
      const reply = await this.write({ nodeId: node.id, sourceId, name, png, styleName, meta: { packId: packKey, mixPackId: null, mix: 0, strength: 1, preserveColors: false, textureScale: settings.textureScale, backend: engine.backendName ?? '?', refine: meta } });
      if (!reply.ok) throw new Error(reply.error);
      patchRefine({
        running: false,
        phase: '',
        result: { nodeId: reply.newNodeId, name: reply.name, steps: r.steps, seconds: r.seconds, stepsPerSec: r.stepsPerSec, work: r.work, styleLossStart: r.styleLossStart, styleLossEnd: r.styleLossEnd, target },
      });
    } catch (e) {
      if (e instanceof CancelledError || this.state.cancelling) patchRefine({ running: false, cancelling: false, cancelled: true, phase: '' });
      else patchRefine({ running: false, cancelling: false, phase: '', error: `Refine failed: ${errText(e)}` });
    } finally {
      this.handle = null;
      this.ui.previewHold?.resume();
    }
  }

  /** The panel's current style on the layer (as Stylize would make it, at 1×). */
  private async feedForward(img: RgbaImage): Promise<Uint8ClampedArray> {
    const { settings } = this.ui.state;
    const engine = this.ui.engine;
    const a = this.ui.library.vectors(settings.packId!);
    const weights = this.ui.library.baseWeights(a.baseSha);
    if (!weights) throw new Error(`The base model for "${a.label}" is not installed.`);
    let b = null;
    if (settings.mixPackId && settings.mix > 0) b = this.ui.library.vectors(settings.mixPackId);
    engine.ensureModel(a.baseSha, weights);
    engine.setStyle(a.vectors, b?.vectors ?? null, settings.mix);
    await engine.calibrate();
    const side = Math.max(img.width, img.height);
    return engine.stylize(img, {
      strength: settings.strength,
      preserveColors: settings.preserveColors,
      scale: layerTextureScale(settings.textureScale, side, side),
      isCancelled: () => this.state.cancelling,
    });
  }

  /** The marked painting (exported so its shorter side covers the working size), else the pack's preview. */
  private async styleTarget(painting: RefineState['painting'], packKey: string, shortSide: number): Promise<{ image: RgbaImage; target: string }> {
    if (painting) {
      let e;
      try {
        // At most 2× the longer side the style is measured at (refine.ts styleTargetSize); the engine resizes.
        e = await this.exportNode(painting.id, Math.min(MAX_OUTPUT_SIDE, 4 * shortSide));
      } catch (err) {
        patchRefine({ painting: null });
        throw new Error(`The painting "${painting.name}" could not be exported (${errText(err)}); mark it again.`);
      }
      return { image: await decodePng(e.png), target: painting.name };
    }
    const style = this.ui.state.styles.find((s) => s.key === packKey);
    if (!style) throw new Error('The style this layer was made with is no longer installed; mark the painting as the style target.');
    if (!style.preview) throw new Error(`"${style.name}" has no preview image to refine towards; mark the painting as the style target.`);
    return { image: await decodePng(style.preview), target: `${style.name} (pack preview)` };
  }

  private write(msg: Omit<MessageOf<UiToMain, 'refine-write'>, 'type' | 'reqId'>): Promise<MessageOf<MainToUi, 'refine-written'>> {
    const reqId = this.nextReq++;
    return new Promise((resolve) => {
      this.pending.set(reqId, resolve);
      this.post({ type: 'refine-write', reqId, ...msg });
    });
  }
}

/** "Photo · Starry Night · refined 60" (a plain layer) or "Photo · Starry Night · refined 60" (its stylized layer). */
export function refinedLayerName(layerName: string, styleName: string | null, steps: number): string {
  return `${styleName ? `${layerName} · ${styleName}` : layerName} · refined ${steps}`;
}
