// The live preview on the Stylize tab: the first selected layer, stylized with the panel's
// current settings through the same engine and texture-scale mapping as a run, so the preview
// matches the full result. Scheduling (latest wins, stale work dropped, the last preview kept
// until the next is ready) is PreviewScheduler's (preview.ts); this file supplies what to render.
import { effect } from '@preact/signals';
import { layerTextureScale, previewImageSide, type RgbaImage } from '@stylepack/core';
import type { ExportedNode, NodeInfo, Settings } from '../protocol.js';
import { planExport } from '../shared/geometry.js';
import type { UiController } from './controller.js';
import { CancelledError } from './engine.js';
import { decodePng, encodePng, pngUrl } from './image.js';
import { PreviewScheduler } from './preview.js';
import { patchPreview, store } from './store.js';

/** Longest side of the preview as shown (px); the model may work larger (previewImageSide). */
export const PREVIEW_SIDE = 256;

interface PreviewInput {
  node: NodeInfo;
  settings: Settings;
}

export interface PreviewResult {
  url: string;
  width: number;
  height: number;
  /** Time to make it: export (if not cached), model, encode. */
  ms: number;
}

/** Everything that changes the picture; equal keys = the same preview. */
function keyOf({ node, settings: s }: PreviewInput): string {
  return JSON.stringify([node.id, node.width, node.height, s.packId, s.mix > 0 ? s.mixPackId : null, s.mixPackId ? s.mix : 0, s.strength, s.preserveColors, s.textureScale, s.outputScale, s.backend]);
}

export class PreviewController {
  readonly scheduler: PreviewScheduler<PreviewInput, PreviewResult>;
  /** The last exported source (re-exported when the layer, its size or the needed side change). */
  private source: { key: string; img: RgbaImage; url: string } | null = null;
  private stopEffect: (() => void) | null = null;

  constructor(
    private readonly ui: UiController,
    private readonly exportNode: (nodeId: string, maxSide: number) => Promise<ExportedNode>,
  ) {
    this.scheduler = new PreviewScheduler<PreviewInput, PreviewResult>({
      keyOf,
      render: (input, stale) => this.render(input, stale),
      release: (r) => URL.revokeObjectURL(r.url),
      onChange: (s) => patchPreview({ result: s.result, pending: s.pending, error: s.error, resultKey: s.resultKey }),
    });
    ui.previewHold = this.scheduler;
  }

  /** Follow the store: every change of selection, settings or runtime asks for a preview. */
  start(): void {
    this.stopEffect = effect(() => {
      const { connected, selection, settings, styles, backend, tab } = store.ui.value;
      const node = selection.find((n) => n.exportable) ?? null;
      const style = styles.find((st) => st.key === settings.packId);
      if (!connected || !node) {
        this.dropSource();
        if (store.preview.peek().nodeId !== null) patchPreview({ nodeId: null, sourceUrl: null });
        this.scheduler.request(null);
        return;
      }
      if (store.preview.peek().nodeId !== node.id) patchPreview({ nodeId: node.id });
      // Only on the Stylize tab: frames picked for Learn are not worth a model run beside it.
      if (tab !== 'stylize') return;
      if (!style || style.problem) {
        this.scheduler.request(null); // the Stylize button says why
        return;
      }
      if (backend.busy || backend.error || !backend.name) return; // asked again when it is ready
      this.scheduler.request({ node, settings });
    });
  }

  stop(): void {
    this.stopEffect?.();
    this.scheduler.suspend();
  }

  toggleBefore(): void {
    patchPreview({ showBefore: !store.preview.value.showBefore });
  }

  private dropSource(): void {
    if (this.source) URL.revokeObjectURL(this.source.url);
    this.source = null;
  }

  private async sourceFor(node: NodeInfo, side: number): Promise<RgbaImage> {
    const key = `${node.id}|${node.width}|${node.height}|${side}`;
    if (this.source?.key !== key) {
      const exported = await this.exportNode(node.id, side);
      const img = await decodePng(exported.png);
      this.dropSource();
      this.source = { key, img, url: pngUrl(exported.png) };
    }
    patchPreview({ sourceUrl: this.source.url });
    return this.source.img;
  }

  private async render({ node, settings }: PreviewInput, stale: () => boolean): Promise<PreviewResult> {
    const t0 = performance.now();
    // The full run's output size (output scale, Figma's 4096 px cap): the layer side the
    // texture scale is relative to.
    const plan = planExport(node.width, node.height, settings.outputScale);
    const layerSide = Math.max(plan.pixelWidth, plan.pixelHeight);
    const img = await this.sourceFor(node, previewImageSide(settings.textureScale, layerSide, PREVIEW_SIDE));
    const { library, engine } = this.ui;
    await engine.ensureBackend(settings.backend);
    const a = library.vectors(settings.packId!);
    const weights = library.baseWeights(a.baseSha);
    if (!weights) throw new Error(`The base model for "${a.label}" is not installed.`);
    const b = settings.mixPackId && settings.mix > 0 ? library.vectors(settings.mixPackId) : null;
    if (b && b.baseSha !== a.baseSha) throw new Error(`"${a.label}" and "${b.label}" were trained for different base models and cannot be mixed.`);
    // A run shares the engine: it suspends the scheduler first (stale() turns true), then sets
    // its own style. Checked right before setStyle (no await in between), so a render overtaken
    // by a run never overwrites the run's style; its later tiles are skipped (isCancelled).
    if (stale()) throw new CancelledError();
    engine.ensureModel(a.baseSha, weights);
    engine.setStyle(a.vectors, b?.vectors ?? null, settings.mix);
    const rgba = await engine.stylize(img, {
      strength: settings.strength,
      preserveColors: settings.preserveColors,
      scale: layerTextureScale(settings.textureScale, layerSide, Math.max(img.width, img.height)),
      isCancelled: stale,
    });
    if (stale()) throw new CancelledError();
    const png = await encodePng({ width: img.width, height: img.height, data: rgba });
    return { url: pngUrl(png), width: img.width, height: img.height, ms: performance.now() - t0 };
  }
}
