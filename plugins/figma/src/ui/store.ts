// The UI's one store: Preact signals that the components read (reading `.value` while rendering
// subscribes a component) and the controllers write. The stylize part (`ui`) and the pack
// library + Learn part (`lib`) are two slices of it, each replaced as a whole on change.
import { signal } from '@preact/signals';
import { DEFAULT_SETTINGS, type LibraryEntry, type LibraryListing, type NodeInfo, type NodeRunStatus, type Settings } from '../protocol.js';
import type { StyleOption } from './engine.js';
import { QUALITY_STEPS, type LearnQuality, type LearnResult } from './learn.js';
import { REFINE_DEFAULT_SIZE, REFINE_STEPS } from './refine.js';

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

export interface Status {
  text: string;
  kind: 'info' | 'error';
}

export type Tab = 'stylize' | 'learn' | 'library';

export interface UiState {
  /** The panel's tab. */
  tab: Tab;
  connected: boolean;
  settings: Settings;
  selection: NodeInfo[];
  thumbs: Record<string, string>;
  styles: StyleOption[];
  backend: { name: string | null; description: string; busy: boolean; error: string | null };
  run: RunState | null;
  status: Status | null;
}

/** The live preview (preview-controller.ts). */
export interface PreviewView {
  /** The layer previewed (the first exportable one selected), or null. */
  nodeId: string | null;
  /** The layer as exported for the preview ("before"). */
  sourceUrl: string | null;
  /** The newest finished preview ("after"); kept while a newer one is made. */
  result: { url: string; width: number; height: number; ms: number } | null;
  /** Settings key of `result` (tests compare it across changes). */
  resultKey: string | null;
  pending: boolean;
  error: string | null;
  showBefore: boolean;
}

export interface LearnState {
  styleNode: { id: string; name: string } | null;
  sampleNodes: { id: string; name: string }[];
  quality: LearnQuality;
  steps: number;
  size: number;
  running: boolean;
  cancelling: boolean;
  phase: string;
  step: number;
  stepsPerSec: number | null;
  /** Per-step style loss (random crops) and the probe style loss at preview steps. */
  styleLosses: number[];
  gradNorms: number[];
  probeLosses: { step: number; value: number }[];
  previewUrl: string | null;
  result: LearnResult | null;
  backend: string | null;
  name: string;
  error: string | null;
}

/** Refine (refine-controller.ts): one layer at a time. */
export interface RefineState {
  steps: number;
  /** Longest side of the working picture (refine.ts REFINE_SIZES). */
  size: number;
  /** The painting layer marked as the style target; null = the pack's preview. */
  painting: { id: string; name: string } | null;
  running: boolean;
  cancelling: boolean;
  phase: string;
  step: number;
  stepsTotal: number;
  stepsPerSec: number | null;
  /** The last finished refine: the layer it wrote and the numbers. */
  result: {
    nodeId: string;
    name: string;
    steps: number;
    seconds: number;
    stepsPerSec: number | null;
    work: { width: number; height: number };
    styleLossStart: number;
    styleLossEnd: number;
    target: string;
  } | null;
  /** The last refine was cancelled (nothing written). */
  cancelled: boolean;
  error: string | null;
}

export interface LibState {
  listing: LibraryListing | null;
  builtin: LibraryEntry[];
  busy: string | null;
  message: Status | null;
  learn: LearnState;
  /** Last export (for tests): file name and size. */
  lastExport: { fileName: string; byteLength: number } | null;
}

export const store = {
  refine: signal<RefineState>({
    steps: REFINE_STEPS.default,
    size: REFINE_DEFAULT_SIZE,
    painting: null,
    running: false,
    cancelling: false,
    phase: '',
    step: 0,
    stepsTotal: 0,
    stepsPerSec: null,
    result: null,
    cancelled: false,
    error: null,
  }),
  preview: signal<PreviewView>({ nodeId: null, sourceUrl: null, result: null, resultKey: null, pending: false, error: null, showBefore: false }),
  ui: signal<UiState>({
    tab: 'stylize',
    connected: false,
    settings: { ...DEFAULT_SETTINGS },
    selection: [],
    thumbs: {},
    styles: [],
    backend: { name: null, description: '', busy: false, error: null },
    run: null,
    status: null,
  }),
  lib: signal<LibState>({
    listing: null,
    builtin: [],
    busy: null,
    message: null,
    lastExport: null,
    learn: {
      styleNode: null,
      sampleNodes: [],
      quality: 'quick',
      steps: QUALITY_STEPS.quick,
      size: 256,
      running: false,
      cancelling: false,
      phase: '',
      step: 0,
      stepsPerSec: null,
      styleLosses: [],
      gradNorms: [],
      probeLosses: [],
      previewUrl: null,
      result: null,
      backend: null,
      name: '',
      error: null,
    },
  }),
};

export function patchUi(patch: Partial<UiState>): void {
  store.ui.value = { ...store.ui.value, ...patch };
}

export function patchLib(patch: Partial<LibState>): void {
  store.lib.value = { ...store.lib.value, ...patch };
}

export function patchLearn(patch: Partial<LearnState>): void {
  patchLib({ learn: { ...store.lib.value.learn, ...patch } });
}

export function patchRefine(patch: Partial<RefineState>): void {
  store.refine.value = { ...store.refine.value, ...patch };
}

/** peek(): the preview is patched from inside an effect that must not depend on it. */
export function patchPreview(patch: Partial<PreviewView>): void {
  store.preview.value = { ...store.preview.peek(), ...patch };
}
