// The UI side of the pack library (three homes: built-in, mine, this file) and of Learn style.
// Writes the store's `lib` slice (store.ts; rendered by the Learn and Library components) and
// talks to main through the `lib` request/reply messages (protocol.ts). Packs it loads go into
// the stylize controller's PackLibrary, so they appear in the style picker.
import * as tf from '@tensorflow/tfjs';
import { decodePack, encodePack, generatorConfigFromWeights, readPackManifest, slug, type PackDtype, type RgbaImage, type StylePack } from '@stylepack/core';
import { BUILTIN_PACKS } from 'stylepack:packs';
import { SAMPLE_IMAGES } from 'stylepack:samples';
import type { ExportedNode, Home, LibRequest, LibResult, LibraryEntry, MainToUi, MessageOf, StoredHome, UiToMain } from '../protocol.js';
import { errText } from '../shared/errors.js';
import { webglLearnSizeFits } from './engine.js';
import { base64ToBytes } from './base64.js';
import type { UiController } from './controller.js';
import { decodePng, encodePng, pngUrl } from './image.js';
import { QUALITY_STEPS, encodeLearnedPack, type LearnQuality } from './learn.js';
import type { LearnHandle } from './model-engine.js';
import { readPackFile, validatePack, type InstalledBase } from './pack-import.js';
import { patchLearn, patchLib, store, type LearnState, type LibState } from './store.js';

export const LEARN_SIZES = [128, 256, 384] as const;

export class LibraryController {
  private nextReq = 1;
  private pending = new Map<number, { resolve: (r: LibResult) => void; reject: (e: Error) => void }>();
  private learner: LearnHandle | null = null;
  private builtinBytes = new Map<string, Uint8Array>();
  /** Where each loaded pack id came from (a pack can live in several homes). */
  private homesOf = new Map<string, Set<Home>>();

  constructor(
    private readonly ui: UiController,
    private readonly post: (msg: UiToMain) => void,
  ) {}

  /** The store's library slice (reading it in a component subscribes the component). */
  get state(): LibState {
    return store.lib.value;
  }

  private set(patch: Partial<LibState>): void {
    patchLib(patch);
  }

  private setLearn(patch: Partial<LearnState>): void {
    patchLearn(patch);
  }

  private info(text: string): void {
    this.set({ message: { kind: 'info', text } });
  }

  private error(text: string): void {
    this.set({ message: { kind: 'error', text } });
  }

  // ------------------------------------------------------------ protocol

  /** A `lib-reply` from main (index.tsx dispatches): settles the request with its reqId. */
  onReply(msg: MessageOf<MainToUi, 'lib-reply'>): void {
    const p = this.pending.get(msg.reqId);
    if (!p) return;
    this.pending.delete(msg.reqId);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error));
  }

  /** One layer exported as PNG with its longest side = maxSide (the live preview's source). */
  async exportNode(nodeId: string, maxSide: number): Promise<ExportedNode> {
    const { images } = await this.request({ op: 'export-nodes', nodeIds: [nodeId], maxSide });
    return images[0]!;
  }

  private request<T extends LibResult['op']>(req: LibRequest & { op: T }): Promise<Extract<LibResult, { op: T }>> {
    const reqId = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.pending.set(reqId, { resolve: resolve as (r: LibResult) => void, reject });
      this.post({ type: 'lib', reqId, req });
    });
  }

  // ------------------------------------------------------------ library

  /** Installed base models: packs in the picker that carry full weights. */
  bases(): InstalledBase[] {
    const out: InstalledBase[] = [];
    const seen = new Set<string>();
    for (const s of this.ui.state.styles) {
      if (seen.has(s.baseSha)) continue;
      const weights = this.ui.library.baseWeights(s.baseSha);
      const pack = this.ui.library.get(s.packId, s.home);
      if (!weights || !pack) continue;
      seen.add(s.baseSha);
      out.push({ id: pack.manifest.baseModel.id, sha256: s.baseSha, weights });
    }
    return out;
  }

  /** After the stylize controller loaded the built-in packs: list the homes and load their packs. */
  async start(): Promise<void> {
    const builtin: LibraryEntry[] = [];
    for (const { file, base64 } of BUILTIN_PACKS) {
      try {
        const bytes = base64ToBytes(base64);
        const pack = await decodePack(bytes);
        this.builtinBytes.set(pack.manifest.id, bytes);
        this.noteHome(pack.manifest.id, 'builtin');
        builtin.push({ id: pack.manifest.id, name: pack.manifest.name, byteLength: bytes.byteLength, savedAt: pack.manifest.created });
      } catch {
        /* the stylize controller already reports broken built-ins */ void file;
      }
    }
    this.set({ builtin });
    await this.refresh(true);
  }

  private noteHome(id: string, home: Home): void {
    if (!this.homesOf.has(id)) this.homesOf.set(id, new Set());
    this.homesOf.get(id)!.add(home);
  }

  /** Re-list the homes; with `loadAll`, also load every stored pack into the picker. */
  async refresh(loadAll = false): Promise<void> {
    try {
      const { listing } = await this.request({ op: 'list' });
      this.set({ listing });
      const problems = [...listing.mine.problems, ...listing.file.problems];
      if (loadAll) {
        // Base models first, so the style packs made for them validate.
        const all = (['mine', 'file'] as StoredHome[]).flatMap((home) => listing[home].entries.map((e) => ({ home, e })));
        const loaded: { home: StoredHome; e: LibraryEntry; bytes: Uint8Array }[] = [];
        for (const { home, e } of all) {
          try {
            loaded.push({ home, e, bytes: (await this.request({ op: 'load', home, id: e.id })).bytes });
          } catch (err) {
            problems.push(errText(err));
          }
        }
        const order = (b: Uint8Array) => (hasWeights(b) ? 0 : 1);
        loaded.sort((a, b) => order(a.bytes) - order(b.bytes));
        for (const { home, e, bytes } of loaded) {
          try {
            await this.addToPicker(bytes, `"${e.name}" (${home === 'mine' ? 'Mine' : 'this file'})`, home);
            this.noteHome(e.id, home);
          } catch (err) {
            problems.push(errText(err));
          }
        }
      }
      if (problems.length) this.error(problems.join(' '));
    } catch (e) {
      this.error(`Could not read the library: ${errText(e)}`);
    }
  }

  private async addToPicker(bytes: Uint8Array, what: string, home: StoredHome): Promise<StylePack> {
    const pack = await validatePack(bytes, this.bases(), what);
    await this.ui.library.add(bytes, home);
    this.ui.refreshStyles();
    return pack;
  }

  private async bytesOf(home: Home, id: string): Promise<Uint8Array> {
    if (home === 'builtin') {
      const b = this.builtinBytes.get(id);
      if (!b) throw new Error(`No built-in pack "${id}".`);
      return b;
    }
    return (await this.request({ op: 'load', home, id })).bytes;
  }

  private async busy<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.set({ busy: what, message: null });
    try {
      return await fn();
    } catch (e) {
      this.error(errText(e));
      return undefined;
    } finally {
      this.set({ busy: null });
    }
  }

  private homeName(h: Home): string {
    return h === 'builtin' ? 'Built-in' : h === 'mine' ? 'Mine' : 'This file';
  }

  /** Import a picked or dropped file: refused by its size before it is read. */
  async importBlob(file: File, home: StoredHome = 'mine'): Promise<boolean> {
    let bytes: Uint8Array;
    try {
      bytes = await readPackFile(file);
    } catch (e) {
      this.error(errText(e));
      return false;
    }
    return this.importFile(bytes, file.name, home);
  }

  /** Import a .stylepack (file picker or drop): validate, store in `home`, add to the picker. */
  async importFile(bytes: Uint8Array, fileName: string, home: StoredHome = 'mine'): Promise<boolean> {
    const ok = await this.busy(`Importing ${fileName}…`, async () => {
      const pack = await validatePack(bytes, this.bases(), fileName);
      const { listing } = await this.request({ op: 'save', home, id: pack.manifest.id, name: pack.manifest.name, bytes });
      this.set({ listing });
      this.noteHome(pack.manifest.id, home);
      await this.ui.library.add(bytes, home);
      this.ui.refreshStyles();
      const first = this.ui.state.styles.find((s) => s.packId === pack.manifest.id && s.home === home && !s.problem);
      if (first) this.ui.updateSettings({ packId: first.key });
      this.info(`Imported "${pack.manifest.name}" into ${this.homeName(home)}.`);
      return true;
    });
    return ok === true;
  }

  async copy(from: Home, id: string, to: StoredHome, move = false): Promise<void> {
    await this.busy(move ? 'Moving…' : 'Copying…', async () => {
      const bytes = await this.bytesOf(from, id);
      const pack = await validatePack(bytes, this.bases(), `"${id}"`);
      const { listing } = await this.request({ op: 'save', home: to, id, name: pack.manifest.name, bytes });
      this.noteHome(id, to);
      this.set({ listing });
      await this.ui.library.add(bytes, to);
      if (move && from !== 'builtin') {
        const r = await this.request({ op: 'delete', home: from, id });
        this.homesOf.get(id)?.delete(from);
        this.ui.library.remove(from, id);
        this.set({ listing: r.listing });
      }
      this.ui.refreshStyles();
      this.info(`${move ? 'Moved' : 'Copied'} "${pack.manifest.name}" to ${this.homeName(to)}.`);
    });
  }

  async rename(home: StoredHome, id: string, name: string): Promise<void> {
    const clean = name.trim();
    if (!clean) return this.error('A pack needs a name.');
    await this.busy('Renaming…', async () => {
      const bytes = await this.bytesOf(home, id);
      const renamed = await reencode(await decodePack(bytes), { name: clean });
      await validatePack(renamed, this.bases(), `"${clean}"`);
      const { listing } = await this.request({ op: 'save', home, id, name: clean, bytes: renamed });
      this.set({ listing });
      await this.ui.library.add(renamed, home);
      this.ui.refreshStyles();
      this.info(`Renamed to "${clean}".`);
    });
  }

  async remove(home: StoredHome, id: string): Promise<void> {
    await this.busy('Deleting…', async () => {
      const { listing } = await this.request({ op: 'delete', home, id });
      this.set({ listing });
      this.homesOf.get(id)?.delete(home);
      this.ui.library.remove(home, id);
      this.ui.refreshStyles();
      this.info(`Deleted "${id}" from ${this.homeName(home)}.`);
    });
  }

  /** Download as <id>.stylepack. */
  async exportPack(home: Home, id: string): Promise<void> {
    await this.busy('Exporting…', async () => {
      const bytes = await this.bytesOf(home, id);
      const fileName = `${id}.stylepack`;
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.set({ lastExport: { fileName, byteLength: bytes.byteLength } });
      this.info(`Exported ${fileName} (${(bytes.byteLength / 1024).toFixed(0)} kB).`);
    });
  }

  // ------------------------------------------------------------ learn style

  markStyle(): void {
    const n = this.ui.state.selection.find((x) => x.exportable);
    if (!n) return this.setLearn({ error: 'Select the frame that shows the style (a painting, a texture…) first.' });
    this.setLearn({ styleNode: { id: n.id, name: n.name }, sampleNodes: this.state.learn.sampleNodes.filter((s) => s.id !== n.id), error: null, name: this.state.learn.name || n.name });
  }

  markSamples(): void {
    const style = this.state.learn.styleNode?.id;
    const nodes = this.ui.state.selection.filter((x) => x.exportable && x.id !== style).map((x) => ({ id: x.id, name: x.name }));
    this.setLearn({ sampleNodes: nodes, error: null });
  }

  clearSamples(): void {
    this.setLearn({ sampleNodes: [] });
  }

  setQuality(q: LearnQuality): void {
    this.setLearn({ quality: q, steps: QUALITY_STEPS[q] });
  }

  setLearnOptions(patch: Partial<Pick<LearnState, 'steps' | 'size' | 'name'>>): void {
    this.setLearn(patch);
  }

  learnBlocker(): string | null {
    const l = this.state.learn;
    if (l.running) return 'Learning…';
    if (!l.styleNode) return 'Mark a selected frame as the style first.';
    if (this.bases().length === 0) return 'No base model is installed: import a pack that includes the base model.';
    return null;
  }

  async learn(): Promise<void> {
    if (this.learnBlocker()) return;
    const l = this.state.learn;
    if (l.previewUrl) URL.revokeObjectURL(l.previewUrl);
    this.setLearn({ running: true, cancelling: false, phase: 'Starting…', step: 0, stepsPerSec: null, styleLosses: [], gradNorms: [], probeLosses: [], previewUrl: null, result: null, error: null });
    try {
      const active = await this.ui.engine.ensureBackend(this.ui.state.settings.backend);
      this.setLearn({ backend: active.name });
      // The base: that of the selected style if it has one, else the first installed.
      const bases = this.bases();
      const sel = this.ui.state.styles.find((s) => s.key === this.ui.state.settings.packId);
      const base = bases.find((b) => b.sha256 === sel?.baseSha) ?? bases[0]!;
      const candidates = this.ui.state.styles
        .filter((s) => s.baseSha === base.sha256 && !s.problem)
        .map((s) => ({ label: s.name, vectors: this.ui.library.vectors(s.key).vectors }));
      const size = l.size;
      if (active.name === 'webgl') {
        const maxTex = tf.env().getNumber('WEBGL_MAX_TEXTURE_SIZE');
        if (!webglLearnSizeFits(generatorConfigFromWeights(base.weights), size, 2, maxTex)) {
          throw new Error(`Learning at ${size} px needs a larger GPU texture than WebGL allows on this device (${maxTex} px). Choose a smaller size, or the WebAssembly runtime.`);
        }
      }
      this.setLearn({ phase: 'Exporting the frames…' });
      const ids = [l.styleNode!.id, ...l.sampleNodes.map((n) => n.id)];
      const { images } = await this.request({ op: 'export-nodes', nodeIds: ids, maxSide: Math.max(64, 2 * size) });
      const decoded = await Promise.all(images.map((i) => decodePng(i.png)));
      const content = decoded.length > 1 ? decoded.slice(1) : await builtinSamples();
      // In the model worker when there is one (ui.engine), so learning does not freeze the panel.
      this.learner = this.ui.engine.learn(
        { baseWeights: base.weights, style: decoded[0]!, content, candidates, steps: l.steps, size, batch: 2, previewEvery: size >= 256 ? 10 : 5 },
        async (p) => {
          const patch: Partial<LearnState> = { step: p.step, stepsPerSec: p.stepsPerSec, styleLosses: [...this.state.learn.styleLosses, p.losses.style], gradNorms: [...this.state.learn.gradNorms, p.gradNorm] };
          if (p.preview) {
            const png = await encodePng(p.preview);
            if (this.state.learn.previewUrl) URL.revokeObjectURL(this.state.learn.previewUrl);
            patch.previewUrl = pngUrl(png);
            patch.probeLosses = [...this.state.learn.probeLosses, { step: p.step, value: p.probeStyle! }];
          }
          this.setLearn(patch);
        },
        (phase) => this.setLearn({ phase }),
      );
      const result = await this.learner.result;
      const png = await encodePng(result.preview);
      if (this.state.learn.previewUrl) URL.revokeObjectURL(this.state.learn.previewUrl);
      this.setLearn({
        result,
        previewUrl: pngUrl(png),
        probeLosses: [{ step: 0, value: result.probeStyleStart }, ...this.state.learn.probeLosses],
        phase: result.cancelled ? `Stopped after ${result.steps} steps.` : `Learned in ${result.steps} steps (${result.seconds.toFixed(1)} s).`,
      });
      this.pendingBase = { id: base.id, sha256: base.sha256 };
      this.pendingPreview = { png, width: result.preview.width, height: result.preview.height };
    } catch (e) {
      console.error('[stylepack] learn failed', e instanceof Error ? e.stack : e);
      this.setLearn({ error: `Learning failed: ${errText(e)}`, phase: '' });
    } finally {
      this.learner = null;
      this.setLearn({ running: false, cancelling: false });
    }
  }

  private pendingBase: { id: string; sha256: string } | null = null;
  private pendingPreview: { png: Uint8Array; width: number; height: number } | null = null;

  cancelLearn(): void {
    if (!this.learner) return;
    this.learner.cancel();
    this.setLearn({ cancelling: true, phase: 'Stopping after this step…' });
  }

  /** Save the learned style as a pack in `home` and select it. */
  async saveLearned(home: StoredHome): Promise<void> {
    const l = this.state.learn;
    const name = l.name.trim() || l.styleNode?.name || 'My style';
    if (!l.result || !this.pendingBase) return;
    await this.busy('Saving…', async () => {
      const bytes = await encodeLearnedPack(l.result!, {
        name,
        id: `${slug(name)}-${Date.now().toString(36)}`,
        baseModel: this.pendingBase!,
        styleImage: l.styleNode?.name,
        preview: this.pendingPreview ?? undefined,
        size: l.size,
        batch: 2,
        backend: l.backend ?? tf.getBackend(),
      });
      const pack = await validatePack(bytes, this.bases(), `"${name}"`);
      const { listing } = await this.request({ op: 'save', home, id: pack.manifest.id, name, bytes });
      this.set({ listing });
      this.noteHome(pack.manifest.id, home);
      await this.ui.library.add(bytes, home);
      this.ui.refreshStyles();
      const opt = this.ui.state.styles.find((s) => s.packId === pack.manifest.id && s.home === home);
      if (opt) this.ui.updateSettings({ packId: opt.key });
      this.info(`Saved "${name}" to ${this.homeName(home)}.`);
    });
  }
}

function hasWeights(bytes: Uint8Array): boolean {
  try {
    // cheap: the manifest only
    return !!readPackManifest(bytes).weights;
  } catch {
    return false;
  }
}


/** Re-encode a decoded pack with changed metadata, keeping the stored dtypes. */
export async function reencode(pack: StylePack, patch: { name?: string }): Promise<Uint8Array> {
  const m = pack.manifest;
  const firstStyleRef = m.styles[0] ? Object.values(m.styles[0].tensors)[0] : undefined;
  const firstWeightRef = m.weights ? Object.values(m.weights)[0] : undefined;
  const styles = pack.styles.map((s, i) => (pack.styles.length === 1 && patch.name && i === 0 ? { ...s, name: patch.name } : s));
  return encodePack(
    {
      meta: {
        id: m.id,
        name: patch.name ?? m.name,
        author: m.author,
        licence: m.licence,
        created: m.created,
        ...(m.description !== undefined ? { description: m.description } : {}),
        baseModel: m.baseModel,
        ...(m.training ? { training: m.training as Record<string, unknown> } : {}),
      },
      styles,
      ...(pack.weights ? { weights: pack.weights } : {}),
      ...(pack.preview && m.preview ? { preview: { png: pack.preview, width: m.preview.width, height: m.preview.height } } : {}),
    },
    { encoding: (firstStyleRef?.dtype ?? 'float16') as PackDtype, weightsEncoding: (firstWeightRef?.dtype ?? 'float32') as PackDtype },
  );
}

let samplesCache: RgbaImage[] | null = null;

/** The built-in sample content photos, decoded (JPEG/PNG via createImageBitmap). */
async function builtinSamples(): Promise<RgbaImage[]> {
  if (samplesCache) return samplesCache;
  const out: RgbaImage[] = [];
  for (const s of SAMPLE_IMAGES) {
    const blob = new Blob([base64ToBytes(s.base64) as BlobPart], { type: s.mime });
    const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(bmp, 0, 0);
    bmp.close();
    out.push({ width: c.width, height: c.height, data: ctx.getImageData(0, 0, c.width, c.height).data });
  }
  if (out.length === 0) throw new Error('No sample content is built in: mark one or more frames as sample content.');
  samplesCache = out;
  return out;
}
