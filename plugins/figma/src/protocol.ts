// The one message protocol between the plugin's main thread (Figma sandbox: document access,
// no DOM) and its UI (iframe: DOM, GPU, the model). Every message is a plain object with a
// `type` discriminant, so both sides switch exhaustively and TypeScript checks each payload.
// Figma carries messages by structured clone: Uint8Array travels as is.

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
  outputScale: OutputScale;
  backend: BackendPreference;
}

export const DEFAULT_SETTINGS: Settings = {
  packId: null,
  mixPackId: null,
  mix: 0,
  strength: 1,
  preserveColors: false,
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
}

/** Per-node state of a run, as the UI lists it. */
export type NodeRunStatus = 'queued' | 'exporting' | 'stylizing' | 'writing' | 'done' | 'failed' | 'cancelled';

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
  | { type: 'notify'; message: string; error?: boolean };

/** What a run used; stored as plugin data on every layer it creates. */
export interface RunMeta {
  packId: string;
  mixPackId: string | null;
  mix: number;
  strength: number;
  preserveColors: boolean;
  backend: string;
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
  | { type: 'run-done'; runId: number; created: number; failed: number; cancelled: boolean; message: string };

export type MessageOf<U, T> = Extract<U, { type: T }>;

/** Figma's envelope on the UI side: window.onmessage gets { data: { pluginMessage } }. */
export interface PluginMessageEvent<T> {
  data: { pluginMessage?: T } | null;
}
