// The one message protocol between the plugin's main thread (Figma sandbox: document access,
// no DOM) and its UI (iframe: DOM, GPU, the model). Every message is a plain object with a
// `type` discriminant; each side has one post function (postToUi / postToMain) and one
// dispatcher (listenToUi / listenToMain) that takes a handler per message type, so TypeScript
// checks each payload and that no message type is left unhandled (as create-figma-plugin's
// emit/on, but with the exhaustiveness check). Figma carries messages by structured clone:
// Uint8Array travels as is.

/** Output scale relative to the node's size in Figma (1× or 2×), before the 4096 px cap. */
export type OutputScale = 1 | 2;

export type BackendPreference = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the user set in the panel; persisted in figma.clientStorage by main. */
export interface Settings {
  /** Selected pack ids: one, or two when `mix` blends two styles. */
  packId: string | null;
  mixPackId: string | null;
  /** 0 = only `packId`, 1 = only `mixPackId`. */
  mix: number;
  /** 0..1: 1 = full style, 0 = input unchanged. */
  strength: number;
  preserveColors: boolean;
  /**
   * Texture scale ("brush size") relative to the layer: 1 = 100 %, 2 = strokes twice as large.
   * @stylepack/core's layerTextureScale turns it into the model's scale, for runs and previews.
   */
  textureScale: number;
  outputScale: OutputScale;
  backend: BackendPreference;
}

export const DEFAULT_SETTINGS: Settings = {
  packId: null,
  mixPackId: null,
  mix: 0,
  strength: 1,
  preserveColors: false,
  textureScale: 1,
  outputScale: 1,
  backend: 'auto',
};

/** A selected layer as the UI shows it. */
export interface NodeInfo {
  id: string;
  name: string;
  type: string;
  width: number;
  height: number;
  /** False for node types that cannot be exported (e.g. slices are fine; widgets are not). */
  exportable: boolean;
  /** Set when the layer is a stylepack result (its plugin data): what it was made from. */
  stylized?: StylizedFrom;
}

/** What a stylepack result layer was made from (read from its plugin data). */
export interface StylizedFrom {
  /** The layer it was made from (the photo); it may since have been deleted. */
  sourceId: string;
  /** The style's name as the layer shows it, and the style key it ran with. */
  style: string;
  packId: string;
}

/** Per-node state of a run, as the UI lists it. */
export type NodeRunStatus = 'queued' | 'exporting' | 'stylizing' | 'writing' | 'done' | 'failed' | 'cancelled';

// ---------------------------------------------------------------- pack library + style learning
// The UI sends `lib` requests; main answers each with one `lib-reply` carrying the same reqId.

/** Where a pack lives: shipped in the plugin (read-only), this user's clientStorage, or the document. */
export type Home = 'builtin' | 'mine' | 'file';
export type StoredHome = Exclude<Home, 'builtin'>;

export const HOME_LABELS: Record<Home, string> = {
  builtin: 'Built-in',
  mine: 'Mine (this computer)',
  file: 'This file (shared)',
};

export interface LibraryEntry {
  /** The pack's manifest id; unique within a home. */
  id: string;
  name: string;
  byteLength: number;
  savedAt: string;
}

export interface HomeListing {
  entries: LibraryEntry[];
  /** Problems found while listing (damaged index etc.); the listing still shows what is readable. */
  problems: string[];
}

export interface LibraryListing {
  mine: HomeListing & { usedBytes: number; quotaBytes: number };
  file: HomeListing;
}

export type LibRequest =
  | { op: 'list' }
  | { op: 'load'; home: StoredHome; id: string }
  | { op: 'save'; home: StoredHome; id: string; name: string; bytes: Uint8Array }
  | { op: 'delete'; home: StoredHome; id: string }
  /** PNG exports of nodes for style learning, longest side = maxSide. */
  | { op: 'export-nodes'; nodeIds: string[]; maxSide: number };

export interface ExportedNode {
  nodeId: string;
  name: string;
  png: Uint8Array;
  width: number;
  height: number;
}

export type LibResult =
  | { op: 'list'; listing: LibraryListing }
  | { op: 'load'; bytes: Uint8Array }
  | { op: 'save'; entry: LibraryEntry; listing: LibraryListing }
  | { op: 'delete'; listing: LibraryListing }
  | { op: 'export-nodes'; images: ExportedNode[] };

// ---------------------------------------------------------------- UI → main

export type UiToMain =
  | { type: 'ui-ready' }
  | { type: 'save-settings'; settings: Settings }
  /** Start a run on these nodes (the selection when the user clicked Stylize). */
  | { type: 'run-start'; runId: number; nodeIds: string[]; outputScale: OutputScale; styleName: string; meta: RunMeta }
  /** The stylized PNG for one node of the run. */
  | { type: 'run-node-result'; runId: number; nodeId: string; png: Uint8Array; width: number; height: number }
  | { type: 'run-node-error'; runId: number; nodeId: string; message: string }
  | { type: 'run-cancel'; runId: number }
  | { type: 'notify'; message: string; error?: boolean }
  | { type: 'lib'; reqId: number; req: LibRequest }
  /**
   * Refine: write the refined picture as a new layer `name` directly above `nodeId` (the layer it
   * refined), recording `sourceId` (the photo) as its source. Answered by refine-written.
   */
  | { type: 'refine-write'; reqId: number; nodeId: string; sourceId: string; name: string; png: Uint8Array; styleName: string; meta: RunMeta }
  /** The resize handle: live while dragging, `save` on release (main keeps the size). */
  | { type: 'resize-window'; width: number; height: number; save: boolean };

/** What a run used; stored as plugin data on every layer it creates. */
export interface RunMeta {
  packId: string;
  mixPackId: string | null;
  mix: number;
  strength: number;
  preserveColors: boolean;
  textureScale: number;
  backend: string;
  /** Set on layers made by Refine. */
  refine?: RefineMeta;
}

export interface RefineMeta {
  steps: number;
  /** Working size (px) the optimisation ran at. */
  work: [width: number, height: number];
  /** The style target: the painting layer's name, or "pack preview". */
  target: string;
  styleLossStart: number;
  styleLossEnd: number;
}

// ---------------------------------------------------------------- main → UI

export type MainToUi =
  | { type: 'init'; settings: Settings; selection: NodeInfo[] }
  | { type: 'selection'; nodes: NodeInfo[] }
  | { type: 'thumbnail'; nodeId: string; png: Uint8Array }
  /** Main exported one node of the run: the UI stylizes it and answers run-node-result/-error. */
  | {
      type: 'run-node-input';
      runId: number;
      nodeId: string;
      index: number;
      total: number;
      png: Uint8Array;
      /** Pixel size of `png`. */
      width: number;
      height: number;
      /** Set when the export was capped to Figma's 4096 px image limit. */
      downscaled: string | null;
    }
  | { type: 'run-node-status'; runId: number; nodeId: string; status: NodeRunStatus; message?: string; newNodeId?: string }
  | { type: 'run-done'; runId: number; created: number; failed: number; cancelled: boolean; message: string }
  | { type: 'refine-written'; reqId: number; ok: true; newNodeId: string; name: string }
  | { type: 'refine-written'; reqId: number; ok: false; error: string }
  | { type: 'lib-reply'; reqId: number; ok: true; result: LibResult }
  | { type: 'lib-reply'; reqId: number; ok: false; error: string };

export type MessageOf<U, T> = Extract<U, { type: T }>;

// ---------------------------------------------------------------- posting and dispatching

/** One handler per message type: leaving one out is a type error. */
export type Handlers<U extends { type: string }> = { [K in U['type']]: (msg: MessageOf<U, K>) => unknown };

/** Calls the handler for `msg.type`; anything that is not a message of this protocol is ignored. */
export function dispatch<U extends { type: string }>(handlers: Handlers<U>, msg: unknown): unknown {
  if (!msg || typeof msg !== 'object') return undefined;
  const type = (msg as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(handlers, type)) return undefined;
  return (handlers as unknown as Record<string, (m: unknown) => unknown>)[type]!(msg);
}

/** Main → UI (main thread only). */
export function postToUi(msg: MainToUi): void {
  figma.ui.postMessage(msg);
}

/** The main thread's one dispatcher for messages from the UI. */
export function listenToUi(handlers: Handlers<UiToMain>): void {
  figma.ui.onmessage = (msg: unknown) => dispatch(handlers, msg);
}

/** UI → main (UI iframe only), in Figma's { pluginMessage } envelope. */
export function postToMain(msg: UiToMain): void {
  parent.postMessage({ pluginMessage: msg, pluginId: '*' }, '*');
}

/** The UI's one dispatcher for messages from main (window.onmessage gets { data: { pluginMessage } }). */
export function listenToMain(handlers: Handlers<MainToUi>): void {
  window.onmessage = (event: MessageEvent) => dispatch(handlers, (event.data as { pluginMessage?: unknown } | null)?.pluginMessage);
}
