// An emulated Figma host for tests: the parts of the plugin API the stylepack plugin uses, with
// Figma's documented limits and errors (see README.md for what is modelled and what is not).
// It holds no plugin logic: it is a small fake document plus the API surface around it.
//
// The plugin's built code.js runs in a Node `vm` context whose only globals are `figma`,
// `__html__`, `console` and timers — like Figma's sandbox, there is no DOM, fetch or window.
import vm from 'node:vm';
import { decodePng, encodePng, resize, sha1Hex, sniffImage, solid, type Rgba } from './images.js';
import type { FigmaTheme } from './theme.js';

export { decodePng, encodePng, resize, sniffImage, solid, type Rgba } from './images.js';

export type Transform = [[number, number, number], [number, number, number]];

/** A node of the fixture document. `pixels` is how it renders (stretched to its size on export). */
export interface FixtureNode {
  id?: string;
  name: string;
  type?: 'FRAME' | 'RECTANGLE';
  x?: number;
  y?: number;
  width: number;
  height: number;
  pixels?: Rgba;
  layoutMode?: 'NONE' | 'HORIZONTAL' | 'VERTICAL';
  children?: FixtureNode[];
}

export interface HostOptions {
  documentAccess?: 'dynamic-page' | 'static';
  pages?: { name: string; children: FixtureNode[] }[];
  /** clientStorage contents at start (simulating a previous session). */
  clientStorage?: Record<string, unknown>;
  /** The editor's theme, which a UI shown with themeColors: true gets (theme.ts). Default light. */
  theme?: FigmaTheme;
}

export const CLIENT_STORAGE_QUOTA = 5 * 1024 * 1024;
export const PLUGIN_DATA_ENTRY_LIMIT = 100 * 1024;
export const MAX_IMAGE_SIDE = 4096;
/** showUI's documented defaults and minimums (also figma.ui.resize's minimum: 70×0). */
export const UI_DEFAULT_SIZE = { width: 300, height: 200 };
export const UI_MIN_SIZE = { width: 70, height: 0 };

const IDENTITY: Transform = [
  [1, 0, 0],
  [0, 1, 0],
];

function multiply(a: Transform, b: Transform): Transform {
  return [
    [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1], a[0][0] * b[0][2] + a[0][1] * b[1][2] + a[0][2]],
    [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1], a[1][0] * b[0][2] + a[1][1] * b[1][2] + a[1][2]],
  ];
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

function checkTransform(t: unknown): Transform {
  const ok =
    Array.isArray(t) &&
    t.length === 2 &&
    t.every((row) => Array.isArray(row) && row.length === 3 && row.every((n) => typeof n === 'number' && Number.isFinite(n)));
  if (!ok) throw new Error('in set_relativeTransform: Expected a 2x3 transform matrix of finite numbers');
  return [[...(t as number[][])[0]!], [...(t as number[][])[1]!]] as Transform;
}

const PAINT_TYPES = new Set(['SOLID', 'GRADIENT_LINEAR', 'GRADIENT_RADIAL', 'GRADIENT_ANGULAR', 'GRADIENT_DIAMOND', 'IMAGE', 'VIDEO']);
const SCALE_MODES = new Set(['FILL', 'FIT', 'CROP', 'TILE']);

export class FigmaHost {
  readonly documentAccess: 'dynamic-page' | 'static';
  readonly theme: FigmaTheme;
  readonly root: EmuNode;
  currentPage: EmuNode;
  readonly images = new Map<string, { bytes: Uint8Array; width: number; height: number }>();
  readonly notifications: { message: string; options?: { timeout?: number; error?: boolean } }[] = [];
  /** Committed undo steps, each the list of document changes it holds. */
  readonly undoSteps: string[][] = [];
  /** Changes since the last commitUndo. */
  pendingChanges: string[] = [];
  readonly storage = new Map<string, unknown>();
  /** The plugin's UI window: its HTML, showUI options, visibility and current size. */
  ui: { html: string; options: Record<string, unknown>; visible: boolean; width: number; height: number } | null = null;
  /** Every figma.ui.resize, as applied (after Figma's minimum). */
  readonly uiResizes: { width: number; height: number }[] = [];
  closed = false;
  /** Every message main posted to the UI (clones), in order. */
  readonly sentToUi: unknown[] = [];
  readonly figma: Record<string, unknown>;
  private nextId = 1;
  private listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  private onmessage: ((msg: unknown, props: { origin: string }) => void) | null = null;
  private messageListeners = new Set<(msg: unknown, props: { origin: string }) => void>();
  private uiSink: ((msg: unknown) => void) | null = null;
  private uiQueue: unknown[] = [];
  private selectionByPage = new Map<EmuNode, EmuNode[]>();
  private building = true;
  private uiResizeListeners = new Set<(size: { width: number; height: number }) => void>();

  constructor(opts: HostOptions = {}) {
    this.documentAccess = opts.documentAccess ?? 'dynamic-page';
    this.theme = opts.theme ?? 'light';
    this.root = new EmuNode(this, '0:0', 'DOCUMENT', 'Document');
    const pages = opts.pages ?? [{ name: 'Page 1', children: [] }];
    for (const p of pages) {
      const page = new EmuNode(this, `0:${this.nextId++}`, 'PAGE', p.name);
      this.root.attach(page, this.root.children.length);
      for (const c of p.children) this.build(c, page);
    }
    this.currentPage = this.root.children[0]!;
    for (const [k, v] of Object.entries(opts.clientStorage ?? {})) this.storage.set(k, structuredClone(v));
    this.building = false;
    this.figma = this.makeApi();
  }

  private build(spec: FixtureNode, parent: EmuNode): EmuNode {
    const n = new EmuNode(this, spec.id ?? this.newId(), spec.type ?? 'FRAME', spec.name);
    n.fixturePixels = spec.pixels ?? null;
    n.width = spec.width;
    n.height = spec.height;
    n.rel = [
      [1, 0, spec.x ?? 0],
      [0, 1, spec.y ?? 0],
    ];
    if (n.type === 'FRAME') n.layoutMode = spec.layoutMode ?? 'NONE';
    n.fillsValue = deepFreeze([{ type: 'SOLID', visible: true, opacity: 1, blendMode: 'NORMAL', color: { r: 1, g: 1, b: 1 } }]);
    parent.attach(n, parent.children.length);
    for (const c of spec.children ?? []) this.build(c, n);
    return n;
  }

  newId(): string {
    return `1:${this.nextId++}`;
  }

  /** Record a document change for the undo model (fixture construction is not a change). */
  change(what: string): void {
    if (!this.building) this.pendingChanges.push(what);
  }

  // ------------------------------------------------------------ test-facing helpers

  node(id: string): EmuNode {
    const n = this.find(id);
    if (!n) throw new Error(`figma-host: no node ${id}`);
    return n;
  }

  find(id: string): EmuNode | null {
    const walk = (n: EmuNode): EmuNode | null => {
      if (n.id === id) return n;
      for (const c of n.children) {
        const r = walk(c);
        if (r) return r;
      }
      return null;
    };
    return walk(this.root);
  }

  /** The user changes the selection on the canvas. */
  select(ids: string[]): void {
    this.setSelection(this.currentPage, ids.map((id) => this.node(id)));
  }

  selection(page = this.currentPage): EmuNode[] {
    return this.selectionByPage.get(page) ?? [];
  }

  setSelection(page: EmuNode, nodes: EmuNode[]): void {
    for (const n of nodes) {
      if (n.removed || n.pageOf() !== page) throw new Error('in set_selection: Node is not on this page or has been removed');
    }
    this.selectionByPage.set(page, [...new Set(nodes)]);
    setTimeout(() => this.emit('selectionchange'), 0);
  }

  /** Run the plugin's main code as Figma would: in a sandbox with `figma` and `__html__`. */
  runPlugin(code: string, html: string): void {
    const context = vm.createContext({
      figma: this.figma,
      __html__: html,
      console,
      setTimeout,
      clearTimeout,
    });
    vm.runInContext(code, context, { filename: 'code.js' });
  }

  /**
   * Connect the UI: `sink` receives every pluginMessage main posts (already cloned), in order.
   * Messages posted before the UI is connected are delivered on connect.
   */
  connectUi(sink: (msg: unknown) => void): void {
    this.uiSink = sink;
    for (const m of this.uiQueue.splice(0)) sink(m);
  }

  /** Called on every figma.ui.resize (the browser side resizes the iframe). */
  onUiResize(fn: (size: { width: number; height: number }) => void): () => void {
    this.uiResizeListeners.add(fn);
    return () => this.uiResizeListeners.delete(fn);
  }

  /** A message from the UI: `parent.postMessage({ pluginMessage }, '*')` arrives here. */
  fromUi(envelope: unknown): void {
    if (!envelope || typeof envelope !== 'object' || !('pluginMessage' in envelope)) return; // Figma ignores other messages
    const msg = structuredClone((envelope as { pluginMessage: unknown }).pluginMessage);
    setTimeout(() => {
      this.onmessage?.(msg, { origin: 'null' });
      for (const l of this.messageListeners) l(msg, { origin: 'null' });
    }, 0);
  }

  /** Bytes of an image created by the plugin. */
  imageBytes(hash: string): Uint8Array {
    const img = this.images.get(hash);
    if (!img) throw new Error(`figma-host: no image ${hash}`);
    return img.bytes;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args);
  }

  /** Pixels of a node as exportAsync renders it, at `scale`. */
  render(n: EmuNode, scale: number): Rgba {
    const w = Math.max(1, Math.round(n.width * scale));
    const h = Math.max(1, Math.round(n.height * scale));
    let src: Rgba | null = n.fixturePixels;
    const fill = n.fillsValue.find((p) => p.visible !== false);
    if (!src && fill?.type === 'IMAGE' && fill.imageHash) src = decodeAny(this.imageBytes(fill.imageHash as string));
    if (!src && fill?.type === 'SOLID') {
      const c = fill.color as { r: number; g: number; b: number };
      src = solid(1, 1, [Math.round(c.r * 255), Math.round(c.g * 255), Math.round(c.b * 255), Math.round(((fill.opacity as number) ?? 1) * 255)]);
    }
    return resize(src ?? solid(1, 1, [0, 0, 0, 0]), w, h);
  }

  // ------------------------------------------------------------ the plugin-facing API

  private makeApi(): Record<string, unknown> {
    const host = this;
    const mixed = Symbol('figma.mixed');
    const ui = {
      postMessage(msg: unknown) {
        if (!host.ui) throw new Error('Cannot post a message to the UI: call figma.showUI() first');
        const clone = structuredClone(msg); // Figma clones; functions etc. throw a DataCloneError
        host.sentToUi.push(clone);
        if (host.uiSink) host.uiSink(clone);
        else host.uiQueue.push(clone);
      },
      get onmessage() {
        return host.onmessage ?? undefined;
      },
      set onmessage(fn: ((msg: unknown, props: { origin: string }) => void) | undefined) {
        host.onmessage = fn ?? null;
      },
      on(type: string, cb: (msg: unknown, props: { origin: string }) => void) {
        if (type === 'message') host.messageListeners.add(cb);
      },
      once(type: string, cb: (msg: unknown, props: { origin: string }) => void) {
        if (type !== 'message') return;
        const w = (m: unknown, p: { origin: string }) => {
          host.messageListeners.delete(w);
          cb(m, p);
        };
        host.messageListeners.add(w);
      },
      off(type: string, cb: (msg: unknown, props: { origin: string }) => void) {
        if (type === 'message') host.messageListeners.delete(cb);
      },
      show() {
        if (host.ui) host.ui.visible = true;
      },
      hide() {
        if (host.ui) host.ui.visible = false;
      },
      resize(width: number, height: number) {
        const size = checkUiSize('resize', width, height);
        if (!host.ui) return;
        host.ui.width = size.width;
        host.ui.height = size.height;
        host.uiResizes.push(size);
        for (const l of host.uiResizeListeners) l(size);
      },
      close() {
        host.ui = null;
      },
    };
    const clientStorage = {
      async getAsync(key: string) {
        if (typeof key !== 'string') throw new Error('in getAsync: Expected "key" to be a string');
        return host.storage.has(key) ? structuredClone(host.storage.get(key)) : undefined;
      },
      async setAsync(key: string, value: unknown) {
        if (typeof key !== 'string') throw new Error('in setAsync: Expected "key" to be a string');
        checkStorable(value);
        const next = new Map(host.storage);
        next.set(key, structuredClone(value));
        const used = storageBytes(next);
        if (used > CLIENT_STORAGE_QUOTA) {
          throw new Error(`in setAsync: Client storage quota exceeded (${used} bytes would be stored; each plugin may store ${CLIENT_STORAGE_QUOTA} bytes)`);
        }
        host.storage.set(key, structuredClone(value));
      },
      async deleteAsync(key: string) {
        host.storage.delete(key);
      },
      async keysAsync() {
        return [...host.storage.keys()];
      },
    };
    return {
      apiVersion: '1.0.0',
      editorType: 'figma',
      mixed,
      ui,
      clientStorage,
      get root() {
        return host.root.api;
      },
      get currentPage() {
        return host.currentPage.api;
      },
      set currentPage(_p: unknown) {
        if (host.documentAccess === 'dynamic-page') {
          throw new Error('Cannot set currentPage with "documentAccess": "dynamic-page". Use figma.setCurrentPageAsync instead.');
        }
        throw new Error('figma-host: switching pages is not modelled');
      },
      showUI(html: string, options: Record<string, unknown> = {}) {
        if (typeof html !== 'string') throw new Error('in showUI: Expected "html" to be a string');
        const size = checkUiSize('showUI', options.width ?? UI_DEFAULT_SIZE.width, options.height ?? UI_DEFAULT_SIZE.height);
        host.ui = { html, options, visible: options.visible !== false, ...size };
      },
      on(type: string, cb: (...a: unknown[]) => void) {
        if (!host.listeners.has(type)) host.listeners.set(type, new Set());
        host.listeners.get(type)!.add(cb);
      },
      once(type: string, cb: (...a: unknown[]) => void) {
        const w = (...a: unknown[]) => {
          host.listeners.get(type)?.delete(w);
          cb(...a);
        };
        (this as { on: (t: string, c: (...a: unknown[]) => void) => void }).on(type, w);
      },
      off(type: string, cb: (...a: unknown[]) => void) {
        host.listeners.get(type)?.delete(cb);
      },
      notify(message: string, options?: { timeout?: number; error?: boolean }) {
        host.notifications.push({ message: String(message), options });
        return { cancel() {} };
      },
      commitUndo() {
        if (host.pendingChanges.length) host.undoSteps.push(host.pendingChanges);
        host.pendingChanges = [];
      },
      closePlugin() {
        host.closed = true;
        host.ui = null;
        host.emit('close');
      },
      getNodeById(id: string) {
        if (host.documentAccess === 'dynamic-page') {
          throw new Error('Cannot call getNodeById with "documentAccess": "dynamic-page". Use figma.getNodeByIdAsync instead.');
        }
        const n = host.find(id);
        return n && !n.removed ? n.api : null;
      },
      async getNodeByIdAsync(id: string) {
        const n = host.find(id);
        return n && !n.removed ? n.api : null;
      },
      createRectangle() {
        const page = host.currentPage;
        const n = new EmuNode(host, host.newId(), 'RECTANGLE', 'Rectangle');
        n.width = 100;
        n.height = 100;
        n.fillsValue = deepFreeze([{ type: 'SOLID', visible: true, opacity: 1, blendMode: 'NORMAL', color: { r: 0.85, g: 0.85, b: 0.85 } }]);
        page.attach(n, page.children.length);
        host.change(`create ${n.id}`);
        return n.api;
      },
      createImage(data: Uint8Array) {
        if (!ArrayBuffer.isView(data) || !(Object.prototype.toString.call(data) === '[object Uint8Array]')) {
          throw new Error('in createImage: Expected "data" to be a Uint8Array');
        }
        const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
        const info = sniffImage(bytes);
        if (!info) throw new Error('Image type is unsupported');
        if (info.width < 1 || info.height < 1) throw new Error('Image is too small');
        if (info.width > MAX_IMAGE_SIDE || info.height > MAX_IMAGE_SIDE) throw new Error('Image is too large');
        const hash = sha1Hex(bytes);
        host.images.set(hash, { bytes, width: info.width, height: info.height });
        return imageHandle(host, hash);
      },
      getImageByHash(hash: string) {
        return host.images.has(hash) ? imageHandle(host, hash) : null;
      },
      // Documented only as "a base64-encoded string from the Uint8Array" and back. Modelled as the
      // web's btoa/atob: standard alphabet with padding; decoding follows WHATWG forgiving-base64
      // (whitespace skipped, padding optional) and throws on anything else.
      base64Encode(data: Uint8Array) {
        if (Object.prototype.toString.call(data) !== '[object Uint8Array]') throw new Error('in base64Encode: Expected "data" to be a Uint8Array');
        return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
      },
      base64Decode(data: string) {
        if (typeof data !== 'string') throw new Error('in base64Decode: Expected "data" to be a string');
        let bin: string;
        try {
          bin = atob(data);
        } catch {
          throw new Error('in base64Decode: The string is not valid base64');
        }
        return Uint8Array.from(bin, (c) => c.charCodeAt(0));
      },
    };
  }
}

/** Window sizes are numbers; below Figma's documented minimum (70×0) they are raised to it. */
function checkUiSize(where: string, width: unknown, height: unknown): { width: number; height: number } {
  if (typeof width !== 'number' || typeof height !== 'number' || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new Error(`in ${where}: Expected "width" and "height" to be finite numbers`);
  }
  return { width: Math.max(UI_MIN_SIZE.width, width), height: Math.max(UI_MIN_SIZE.height, height) };
}

function imageHandle(host: FigmaHost, hash: string) {
  return Object.freeze({
    hash,
    async getBytesAsync() {
      return host.imageBytes(hash).slice();
    },
    async getSizeAsync() {
      const i = host.images.get(hash)!;
      return { width: i.width, height: i.height };
    },
  });
}

function decodeAny(bytes: Uint8Array): Rgba {
  const info = sniffImage(bytes);
  if (info?.kind === 'png') return decodePng(bytes);
  // JPEG/GIF image fills render as mid-grey: decoding them is not modelled.
  return solid(1, 1, [128, 128, 128, 255]);
}

function checkStorable(v: unknown, path = 'value'): void {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return;
  if (v instanceof Uint8Array || Object.prototype.toString.call(v) === '[object Uint8Array]') return;
  if (Array.isArray(v)) return v.forEach((x, i) => checkStorable(x, `${path}[${i}]`));
  // Plain objects from any realm (the plugin runs in its own vm context).
  const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  if (typeof v === 'object' && (proto === null || Object.getPrototypeOf(proto) === null)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) checkStorable(x, `${path}.${k}`);
    return;
  }
  throw new Error(`in setAsync: ${path} cannot be stored (clientStorage takes objects, arrays, strings, numbers, booleans, null, undefined and Uint8Array)`);
}

/** Quota accounting as documented: key size + JSON size of the value; Uint8Array counts its bytes. */
function storageBytes(m: Map<string, unknown>): number {
  let n = 0;
  const size = (v: unknown): number => {
    if (v instanceof Uint8Array || Object.prototype.toString.call(v) === '[object Uint8Array]') return (v as Uint8Array).byteLength;
    if (v === undefined) return 0;
    if (Array.isArray(v)) return 2 + v.reduce((s: number, x) => s + size(x) + 1, 0);
    if (v && typeof v === 'object') return 2 + Object.entries(v).reduce((s, [k, x]) => s + k.length + 3 + size(x) + 1, 0);
    return JSON.stringify(v).length;
  };
  for (const [k, v] of m) n += k.length + size(v);
  return n;
}

const CONTAINERS = new Set(['DOCUMENT', 'PAGE', 'FRAME', 'GROUP']);

/** One node of the emulated document; `api` is the object the plugin sees. */
export class EmuNode {
  parent: EmuNode | null = null;
  children: EmuNode[] = [];
  removed = false;
  width = 0;
  height = 0;
  rel: Transform = IDENTITY;
  fillsValue: readonly Record<string, unknown>[] = Object.freeze([]);
  fixturePixels: Rgba | null = null;
  layoutMode: 'NONE' | 'HORIZONTAL' | 'VERTICAL' | undefined;
  layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  pluginData = new Map<string, string>();
  sharedPluginData = new Map<string, Map<string, string>>();
  readonly api: Record<string, unknown>;

  constructor(
    private host: FigmaHost,
    readonly id: string,
    readonly type: string,
    public name: string,
  ) {
    this.api = makeNodeApi(host, this);
  }

  attach(child: EmuNode, index: number): void {
    if (!CONTAINERS.has(this.type)) throw new Error(`in insertChild: Cannot add children to a ${this.type} node`);
    if (child.parent) child.parent.children.splice(child.parent.children.indexOf(child), 1);
    this.children.splice(index, 0, child);
    child.parent = this;
  }

  absoluteTransform(): Transform {
    if (!this.parent || this.parent.type === 'PAGE' || this.parent.type === 'DOCUMENT') return this.rel;
    return multiply(this.parent.absoluteTransform(), this.rel);
  }

  pageOf(): EmuNode | null {
    let n: EmuNode | null = this;
    while (n && n.type !== 'PAGE') n = n.parent;
    return n;
  }

  assertAlive(what: string): void {
    if (this.removed) throw new Error(`in ${what}: The node with id "${this.id}" does not exist`);
  }
}

function makeNodeApi(host: FigmaHost, n: EmuNode): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  const def = (name: string, get: () => unknown, set?: (v: never) => void) =>
    Object.defineProperty(api, name, {
      get,
      set:
        set ??
        (() => {
          throw new Error(`Cannot set property ${name} on ${n.type} node: it is read-only`);
        }),
      enumerable: true,
    });
  def('id', () => n.id);
  def('type', () => n.type);
  def('removed', () => n.removed);
  def('name', () => n.name, (v: string) => {
    n.assertAlive('set_name');
    n.name = String(v);
    host.change(`name ${n.id}`);
  });
  def('parent', () => n.parent?.api ?? null);
  api.getPluginData = (key: string) => n.pluginData.get(key) ?? '';
  api.setPluginData = (key: string, value: string) => {
    n.assertAlive('setPluginData');
    if (typeof key !== 'string' || typeof value !== 'string') throw new Error('in setPluginData: Expected "key" and "value" to be strings');
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > PLUGIN_DATA_ENTRY_LIMIT) throw new Error(`in setPluginData: Plugin data entry exceeds the ${PLUGIN_DATA_ENTRY_LIMIT / 1024} kB limit (${bytes} bytes)`);
    if (value === '') n.pluginData.delete(key);
    else n.pluginData.set(key, value);
    host.change(`pluginData ${n.id}`);
  };
  api.getPluginDataKeys = () => [...n.pluginData.keys()];
  api.getSharedPluginData = (ns: string, key: string) => n.sharedPluginData.get(ns)?.get(key) ?? '';
  api.setSharedPluginData = (ns: string, key: string, value: string) => {
    n.assertAlive('setSharedPluginData');
    if (typeof ns !== 'string' || !/^[A-Za-z0-9_.]{3,}$/.test(ns)) {
      throw new Error('in setSharedPluginData: namespace must be at least 3 characters of letters, numbers, "_" or "."');
    }
    if (typeof key !== 'string' || typeof value !== 'string') throw new Error('in setSharedPluginData: Expected "key" and "value" to be strings');
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > PLUGIN_DATA_ENTRY_LIMIT) throw new Error(`in setSharedPluginData: Shared plugin data entry exceeds the ${PLUGIN_DATA_ENTRY_LIMIT / 1024} kB limit (${bytes} bytes)`);
    if (!n.sharedPluginData.has(ns)) n.sharedPluginData.set(ns, new Map());
    if (value === '') n.sharedPluginData.get(ns)!.delete(key);
    else n.sharedPluginData.get(ns)!.set(key, value);
    host.change(`sharedPluginData ${n.id}`);
  };
  api.getSharedPluginDataKeys = (ns: string) => [...(n.sharedPluginData.get(ns)?.keys() ?? [])];

  if (CONTAINERS.has(n.type)) {
    def('children', () => Object.freeze(n.children.map((c) => c.api)));
    const insert = (index: number, child: Record<string, unknown>) => {
      n.assertAlive('insertChild');
      const c = [...allNodes(host.root)].find((x) => x.api === child);
      if (!c || c.removed) throw new Error('in insertChild: Expected "child" to be a live node');
      const existing = c.parent === n ? 1 : 0;
      if (!Number.isInteger(index) || index < 0 || index > n.children.length - existing) {
        throw new Error(`in insertChild: index ${index} is out of range (0..${n.children.length - existing})`);
      }
      n.attach(c, index);
      host.change(`insert ${c.id} into ${n.id}`);
    };
    api.insertChild = insert;
    api.appendChild = (child: Record<string, unknown>) => insert(n.children.length - (n.children.some((c) => c.api === child) ? 1 : 0), child);
  }
  if (n.type === 'PAGE') {
    def('selection', () => Object.freeze(host.selection(n).filter((x) => !x.removed).map((x) => x.api)), (v: never) => {
      const arr = v as unknown as Record<string, unknown>[];
      if (!Array.isArray(arr)) throw new Error('in set_selection: Expected an array of nodes');
      const nodes = arr.map((a) => [...allNodes(host.root)].find((x) => x.api === a)!);
      if (nodes.some((x) => !x)) throw new Error('in set_selection: Expected an array of nodes');
      host.setSelection(n, nodes);
    });
  }
  if (n.type !== 'PAGE' && n.type !== 'DOCUMENT') {
    def('width', () => n.width);
    def('height', () => n.height);
    def('x', () => n.rel[0][2], (v: number) => {
      n.rel = [[n.rel[0][0], n.rel[0][1], v], n.rel[1]];
      host.change(`move ${n.id}`);
    });
    def('y', () => n.rel[1][2], (v: number) => {
      n.rel = [n.rel[0], [n.rel[1][0], n.rel[1][1], v]];
      host.change(`move ${n.id}`);
    });
    def('rotation', () => (Math.atan2(-n.rel[1][0], n.rel[0][0]) * 180) / Math.PI);
    def('relativeTransform', () => deepFreeze(checkTransform(n.rel)), (v: never) => {
      n.assertAlive('set_relativeTransform');
      n.rel = checkTransform(v);
      host.change(`transform ${n.id}`);
    });
    def('absoluteTransform', () => deepFreeze(checkTransform(n.absoluteTransform())));
    def('absoluteBoundingBox', () => {
      const t = n.absoluteTransform();
      const xs = [0, n.width].flatMap((x) => [0, n.height].map((y) => t[0][0] * x + t[0][1] * y + t[0][2]));
      const ys = [0, n.width].flatMap((x) => [0, n.height].map((y) => t[1][0] * x + t[1][1] * y + t[1][2]));
      return { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
    });
    def('fills', () => n.fillsValue, (v: never) => {
      n.assertAlive('set_fills');
      n.fillsValue = deepFreeze(checkPaints(host, v));
      host.change(`fills ${n.id}`);
    });
    def('layoutPositioning', () => n.layoutPositioning, (v: never) => {
      if (v !== 'AUTO' && v !== 'ABSOLUTE') throw new Error('in set_layoutPositioning: Expected "AUTO" or "ABSOLUTE"');
      n.layoutPositioning = v;
      host.change(`layoutPositioning ${n.id}`);
    });
    if (n.type === 'FRAME') def('layoutMode', () => n.layoutMode ?? 'NONE');
    api.resize = (w: number, h: number) => {
      n.assertAlive('resize');
      if (!(typeof w === 'number' && typeof h === 'number' && w >= 0.01 && h >= 0.01)) {
        throw new Error('in resize: Expected width and height to be numbers >= 0.01');
      }
      n.width = w;
      n.height = h;
      host.change(`resize ${n.id}`);
    };
    api.remove = () => {
      n.assertAlive('remove');
      n.parent?.children.splice(n.parent.children.indexOf(n), 1);
      n.removed = true;
      host.change(`remove ${n.id}`);
    };
    api.exportAsync = async (settings: { format?: string; constraint?: { type: string; value: number }; useAbsoluteBounds?: boolean } = {}) => {
      n.assertAlive('exportAsync');
      const format = settings.format ?? 'PNG';
      if (format !== 'PNG') throw new Error(`figma-host: exportAsync format ${format} is not modelled (only PNG)`);
      const c = settings.constraint ?? { type: 'SCALE', value: 1 };
      if (!(typeof c.value === 'number' && c.value > 0 && Number.isFinite(c.value))) throw new Error('in exportAsync: constraint value must be a positive number');
      let scale: number;
      if (c.type === 'SCALE') scale = c.value;
      else if (c.type === 'WIDTH') scale = c.value / n.width;
      else if (c.type === 'HEIGHT') scale = c.value / n.height;
      else throw new Error(`in exportAsync: Invalid constraint type "${c.type}"`);
      await new Promise((r) => setTimeout(r, 0));
      return encodePng(host.render(n, scale));
    };
  }
  return api;
}

function* allNodes(n: EmuNode): Generator<EmuNode> {
  yield n;
  for (const c of n.children) yield* allNodes(c);
}

function checkPaints(host: FigmaHost, v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) throw new Error('in set_fills: Expected "fills" to be an array of Paint');
  return v.map((p, i) => {
    if (!p || typeof p !== 'object' || !PAINT_TYPES.has((p as { type?: string }).type ?? '')) {
      throw new Error(`in set_fills: fills[${i}] is not a valid Paint (unknown "type")`);
    }
    const paint = { visible: true, opacity: 1, blendMode: 'NORMAL', ...structuredClone(p as Record<string, unknown>) };
    if (paint.type === 'IMAGE') {
      if (!SCALE_MODES.has(paint.scaleMode as string)) throw new Error(`in set_fills: fills[${i}].scaleMode must be FILL, FIT, CROP or TILE`);
      if (paint.imageHash !== null && !host.images.has(paint.imageHash as string)) throw new Error(`in set_fills: fills[${i}].imageHash does not refer to an image`);
    }
    return paint;
  });
}
