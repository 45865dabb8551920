// Fast kernels for the tfjs 'wasm' backend, running in stylepack's own WebAssembly module
// (packages/core/native/kernels.c: SIMD128 packed GEMM, im2col convolutions, phase-split input
// gradient) on every core through a `FastEngine`. tfjs-backend-wasm in Node is single-threaded and
// its backward convolutions (composed in kernels/wasm-composed.ts) and transposed BatchMatMuls
// run at 0.5-4 GFLOP/s; these replace them. See docs/performance.md.
//
// Universal code: no Node imports. The engine (memory, threads, the compiled module) is supplied
// by the host: node/fast-kernels-node.ts, kernels/fast-engine-web.ts. register-wasm.ts lists and
// registers the kernels.
//
// Each kernel copies its inputs from the tfjs wasm heap into the engine's memory, runs there, and
// copies the result into a fresh tfjs output. Anything a kernel does not handle (other dtypes,
// NCHW, dilations, odd broadcasting, tiny problems) goes to the kernel that was registered before.
// The heap kernels (fast-wasm-heap.ts: Slice, MirrorPad, Add, Stylepack*, ...) skip the
// engine and work on tfjs's heap directly.
import * as tf from '@tensorflow/tfjs';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, type InstanceNormAttrs } from '../kernel-names.js';
import { count, fallback } from './fallback.js';

type TensorInfo = tf.TensorInfo;
type Shape4 = [number, number, number, number];

/** Entry points of the native module (all `void f(const int *args, int tid, int nth)`). */
export type FastEntry =
  | 'sp_batch_matmul'
  | 'sp_conv2d'
  | 'sp_conv2d_backprop_filter'
  | 'sp_conv2d_backprop_input'
  | 'sp_sum_parts'
  | 'sp_s2w_filter'
  | 'sp_instance_norm'
  | 'sp_instance_norm_grad';

export const FAST_ENTRIES: readonly FastEntry[] = [
  'sp_batch_matmul',
  'sp_conv2d',
  'sp_conv2d_backprop_filter',
  'sp_conv2d_backprop_input',
  'sp_sum_parts',
  'sp_s2w_filter',
  'sp_instance_norm',
  'sp_instance_norm_grad',
];

/** What the kernels need from the host: scratch memory in the native module and a way to run it. */
export interface FastEngine {
  /** Threads an entry point runs on (the caller's included). */
  readonly threads: number;
  /** True when the module is a relaxed-SIMD build (kernels-*fma.wasm: fused multiply-add in the GEMMs). */
  readonly fma?: boolean;
  /** Frees all scratch (the kernels call it first). */
  reset(): void;
  /** A fresh 16-byte-aligned scratch region; returns its byte offset. May grow the memory. */
  alloc(bytes: number): number;
  /** A Float32Array over the whole engine memory (fetch again after alloc). */
  heapF32(): Float32Array;
  /** Runs `entry` with these int32 arguments (at most 31) on every thread and waits for all. */
  run(entry: FastEntry, args: number[]): void;
  /** native/heap-kernels.wasm, compiled; the heap kernels instantiate it on tfjs's memory. */
  readonly heapModule?: WebAssembly.Module;
}

/** Float floats each thread's GEMM packs into (native MC*KC + KC*NC). */
const GEMM_WORK = 128 * 256 + 256 * 1024;
/** Below this many multiply-adds, copying in and out costs more than it saves. */
const MIN_MACS = 1 << 16;

interface WasmBackendLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const up4 = (n: number) => Math.ceil(n / 4) * 4;

let engine: FastEngine | null = null;

/** The engine the kernels run on (register-wasm.ts sets it when it registers them). */
export function useFastEngine(e: FastEngine): void {
  engine = e;
}
/**
 * Winograd F(2x2,3x3) for 3x3 stride-1 convolutions: Conv2D (inference and training) and, inside
 * training, Conv2DBackpropInput (as the conv of dy with the turned, transposed filter) and
 * Conv2DBackpropFilter (the dual transform, sp_conv2d_backprop_filter_wino). Likewise F(2x2,2x2)
 * over the input's four phases for the 4x4 stride-2 convolutions (the discriminator's), all three, and
 * F(4x4,3x3) for the 3x3 stride-1 forward by default (its rounding error is ~8x F(2x2,3x3)'s). Their rounding
 * differs from the im2col GEMM's by ~1e-6 relative (more than a reordered sum), so a training run
 * with it follows the GEMM/cpu trajectory only until Adam amplifies that across a ReLU kink (see
 * fast-wasm-training.test.ts). Still deterministic: same inputs, same bits, run to run.
 * setFastWasmWinograd(false) turns it off everywhere (tests, A/B timing).
 */
let winograd = true;
/** Per-op switches under `winograd` (A/B timing of the parts; all on by default). */
let winogradForward = true;
let winogradInput = true;
let winogradFilter = true;
/** The 3x3 stride-1 forward (and the input gradient run as one) on F(4x4, 3x3) rather than F(2x2, 3x3). */
let winogradF4 = true;

/**
 * Turns the Winograd paths on or off (default on): a boolean for all of them, or an object for
 * the parts (Conv2D forward, the input and filter gradients) separately.
 */
export function setFastWasmWinograd(on: boolean | { forward?: boolean; backpropInput?: boolean; backpropFilter?: boolean; f4?: boolean }): void {
  if (typeof on === 'boolean') {
    winograd = winogradForward = winogradInput = winogradFilter = winogradF4 = on;
  } else {
    winograd = true;
    if (on.f4 !== undefined) winogradF4 = on.f4;
    if (on.forward !== undefined) winogradForward = on.forward;
    if (on.backpropInput !== undefined) winogradInput = on.backpropInput;
    if (on.backpropFilter !== undefined) winogradFilter = on.backpropFilter;
  }
}
/** Copies a float32 tensor from the tfjs heap into engine scratch; returns its byte offset. */
function copyIn(e: FastEngine, backend: WasmBackendLike, t: TensorInfo): number {
  const src = backend.typedArrayFromHeap(t) as Float32Array;
  const off = e.alloc(src.length * 4);
  e.heapF32().set(src, off >> 2);
  return off;
}

function copyOut(e: FastEngine, backend: WasmBackendLike, off: number, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.set(e.heapF32().subarray(off >> 2, (off >> 2) + dst.length));
  return out;
}

function isNHWC(f: unknown): boolean {
  return f == null || f === 'NHWC' || f === 'channelsLast';
}

function dilationsOne(d: unknown): boolean {
  if (d == null) return true;
  const a = typeof d === 'number' ? [d, d] : (d as number[]);
  return a.every((v) => v === 1);
}

/** Pixels per task: big enough for the GEMM, small enough for cache and for several tasks per thread. */
function chunkFor(pixels: number, rowFloats: number, threads: number): number {
  let c = up4(Math.floor(32768 / Math.max(1, rowFloats)));
  c = Math.min(256, Math.max(32, c));
  const forThreads = up4(Math.ceil(pixels / (4 * threads)));
  return Math.max(16, Math.min(c, forThreads));
}

interface ConvGeom {
  n: number; h: number; w: number; ci: number; oh: number; ow: number; co: number;
  kh: number; kw: number; sh: number; sw: number; pt: number; pl: number;
}

function convGeom(xShape: Shape4, fShape: Shape4, strides: unknown, pad: unknown, rounding: unknown): ConvGeom {
  const info = tf.backend_util.computeConv2DInfo(
    xShape, fShape, strides as [number, number], 1, pad as 'valid', rounding as 'floor' | undefined, false, 'channelsLast');
  return {
    n: xShape[0], h: xShape[1], w: xShape[2], ci: xShape[3], oh: info.outHeight, ow: info.outWidth, co: fShape[3],
    kh: fShape[0], kw: fShape[1], sh: info.strideHeight, sw: info.strideWidth, pt: info.padInfo.top, pl: info.padInfo.left,
  };
}

function convArgs(g: ConvGeom, x: number, f: number, y: number, work: number, workStride: number, chunk: number, tiles = 0, winoTile = 2): number[] {
  return [g.n, g.h, g.w, g.ci, g.oh, g.ow, g.co, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, x, f, y, work, workStride, chunk, tiles, winoTile];
}

/**
 * Conv2D 3x3 stride 1 runs as Winograd F(2x2, 3x3) (native sp_conv2d_wino): 2x2 output tiles,
 * this many per task (0 = not such a conv: im2col). 32 measured best for 16..64 channels (bench/gemm-micro.mjs);
 * fewer for wide layers, so the 16 transformed planes stay in L2.
 */
function winogradTiles(g: ConvGeom, threads: number): number {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1) return 0;
  return tilesPerTask(outputTiles(g), Math.min(32, up4(Math.max(8, Math.floor(8192 / (g.ci + g.co))))), threads);
}

/**
 * A Winograd path's tiles per task: at most `cap` (so a task's transformed planes stay in cache),
 * and few enough that each thread gets about four tasks.
 */
function tilesPerTask(tiles: number, cap: number, threads: number): number {
  return Math.max(4, Math.min(cap, up4(Math.ceil(tiles / (4 * threads)))));
}

/**
 * The 3x3 stride-1 forward conv as Winograd F(4x4, 3x3) (native sp_conv2d_winograd with mt = 4:
 * 4x4 output tiles, 1.78x fewer multiply-adds than F(2x2, 3x3)): tiles per task (at most 16),
 * 0 = not such a conv.
 */
function winograd4Tiles(g: ConvGeom, threads: number): number {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1) return 0;
  const tiles = g.n * Math.ceil(g.oh / 4) * Math.ceil(g.ow / 4);
  return tilesPerTask(tiles, Math.min(16, up4(Math.max(4, Math.floor(2048 / (g.ci + g.co))))), threads);
}

/** Floats per thread F(4x4, 3x3) needs (native wino4_work). */
function winograd4Work(g: ConvGeom, tiles: number): number {
  return up4(g.ci) + 36 * g.ci * Math.ceil(g.co / 8) * 8 + 36 * g.ci * g.co + 36 * (tiles * (g.ci + g.co) + 32);
}

/** Floats per thread the Winograd path needs (native wino_work, WINO_PAD = 16). */
function winogradWork(g: ConvGeom, tiles: number): number {
  return up4(g.ci) + 16 * g.ci * Math.ceil(g.co / 8) * 8 + 16 * g.ci * g.co + 16 * (tiles * (g.ci + g.co) + 32);
}

/**
 * Conv2DBackpropFilter 3x3 stride 1 (pads <= 2) runs as the Winograd F(2x2, 3x3) filter gradient
 * (native sp_conv2d_backprop_filter_wino): tiles per task (the GEMMs' K), 0 = im2col. 64 measured
 * best for 64 -> 64 (bench/gemm-micro.mjs, 32: 4.0, 64/128: 3.8 ms vs im2col 8.0 ms); at least 2
 * tasks per thread (tasks go to threads statically, for reproducible sums).
 */
function winogradFilterTiles(g: ConvGeom, threads: number): number {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1 || g.pt > 2 || g.pl > 2) return 0;
  const tiles = g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);
  return Math.max(4, Math.min(64, up4(Math.ceil(tiles / (2 * threads)))));
}

/** Floats per thread the Winograd filter gradient needs (native wino_bf_work). */
function winogradFilterWork(g: ConvGeom, tiles: number): number {
  return up4(g.ci) + 16 * g.ci * g.co + 16 * (tiles * (g.ci + g.co) + 32) + GEMM_WORK;
}

/**
 * 4x4 stride-2 convs (the PatchGAN discriminator's) run as Winograd F(2x2, 2x2) over the input's
 * four phases (native s2w, 1.78x fewer multiply-adds): 2x2 output tiles per task, 0 = not such a
 * conv. `k` and `no` are the GEMMs' depth and width (forward 4*Ci and Co; input gradient Co and
 * 4*Ci), which size the tile so its transformed planes stay in cache.
 */
function stride2Tiles(g: ConvGeom, tiles: number, k: number, no: number, threads: number): number {
  if (g.kh !== 4 || g.kw !== 4 || g.sh !== 2 || g.sw !== 2) return 0;
  return tilesPerTask(tiles, Math.min(32, up4(Math.max(8, Math.floor(8192 / (k + no))))), threads);
}

/** Floats per thread the stride-2 Winograd forward / input gradient needs (native s2w_work). */
function stride2Work(k: number, no: number, c: number, tc: number): number {
  return up4(c) + 9 * (tc * (k + no) + 32);
}

/**
 * Transforms a [4, 4, Ci, Co] filter for the stride-2 Winograd path on all threads (native
 * sp_s2w_filter; turned: for the input gradient) and returns the offset of the result.
 */
function stride2Filter(e: FastEngine, fo: number, g: ConvGeom, turned: boolean): number {
  const [k, no] = turned ? [g.co, 4 * g.ci] : [4 * g.ci, g.co];
  const out = e.alloc(9 * k * Math.ceil(no / 8) * 8 * 4);
  e.run('sp_s2w_filter', [fo, g.ci, g.co, turned ? 1 : 0, out]);
  return out;
}

/** As winogradFilterTiles, for the 4x4 stride-2 filter gradient (static tasks, summed partials). */
function stride2FilterTiles(g: ConvGeom, threads: number): number {
  if (g.kh !== 4 || g.kw !== 4 || g.sh !== 2 || g.sw !== 2) return 0;
  return Math.max(4, Math.min(64, up4(Math.ceil(outputTiles(g) / (2 * threads)))));
}

/** Floats per thread the stride-2 Winograd filter gradient needs (native s2w_bf_work). */
function stride2FilterWork(g: ConvGeom, tc: number): number {
  return up4(g.ci) + 36 * g.ci * g.co + 9 * (tc * (4 * g.ci + g.co) + 32) + GEMM_WORK;
}

const outputTiles = (g: ConvGeom) => g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);

const macs = (g: ConvGeom) => g.n * g.oh * g.ow * g.kh * g.kw * g.ci * g.co;

type Args = Parameters<tf.KernelFunc>[0];
const inputsOf = (a: Args) => a.inputs as unknown as Record<string, TensorInfo>;

export function conv2D(a: Args): TensorInfo | TensorInfo[] {
  const e = engine!;
  const { x, filter } = inputsOf(a);
  const attrs = a.attrs as unknown as { strides: unknown; pad: unknown; dataFormat?: string; dilations?: unknown; dimRoundingMode?: unknown };
  if (!x || !filter || x.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(attrs.dataFormat) || !dilationsOne(attrs.dilations)) {
    return fallback('Conv2D', a);
  }
  const g = convGeom(x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (macs(g) < MIN_MACS || g.oh <= 0 || g.ow <= 0) return fallback('Conv2D', a);
  const backend = a.backend as WasmBackendLike;
  const kk = g.kh * g.kw * g.ci;
  const chunk = chunkFor(g.n * g.oh * g.ow, kk, e.threads);
  const wino4 = winograd && winogradForward && winogradF4 ? winograd4Tiles(g, e.threads) : 0;
  const wino3 = winograd && winogradForward && !wino4 ? winogradTiles(g, e.threads) : 0;
  const wino2 = winograd && winogradForward ? stride2Tiles(g, outputTiles(g), 4 * g.ci, g.co, e.threads) : 0;
  const tiles = wino4 || wino3 || wino2;
  const workStride = wino4 ? up4(winograd4Work(g, wino4)) : wino3 ? up4(winogradWork(g, wino3)) : wino2 ? up4(stride2Work(4 * g.ci, g.co, g.ci, wino2)) : up4(chunk * kk + GEMM_WORK);
  e.reset();
  const xo = copyIn(e, backend, x);
  let fo = copyIn(e, backend, filter);
  if (wino2) fo = stride2Filter(e, fo, g, false);
  const yo = e.alloc(g.n * g.oh * g.ow * g.co * 4);
  const work = e.alloc(workStride * 4 * e.threads);
  e.run('sp_conv2d', convArgs(g, xo, fo, yo, work, workStride, chunk, tiles, wino4 ? 4 : 2));
  count('Conv2D', true, tiles > 0);
  return copyOut(e, backend, yo, [g.n, g.oh, g.ow, g.co]);
}

export function conv2DBackpropFilter(a: Args): TensorInfo | TensorInfo[] {
  const e = engine!;
  const { x, dy } = inputsOf(a);
  const attrs = a.attrs as unknown as { strides: unknown; pad: unknown; dataFormat?: string; dimRoundingMode?: unknown; filterShape: Shape4 };
  if (!x || !dy || x.dtype !== 'float32' || dy.dtype !== 'float32' || !isNHWC(attrs.dataFormat)) return fallback('Conv2DBackpropFilter', a);
  const g = convGeom(x.shape as Shape4, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (macs(g) < MIN_MACS || g.oh !== dy.shape[1] || g.ow !== dy.shape[2]) return fallback('Conv2DBackpropFilter', a);
  const backend = a.backend as WasmBackendLike;
  const kk = g.kh * g.kw * g.ci;
  const chunk = chunkFor(g.n * g.oh * g.ow, kk, e.threads);
  // Co <= 4: the native kernel computes dW^T per chunk into Co*kk more floats.
  let workStride = up4(chunk * kk + GEMM_WORK + (g.co <= 4 ? g.co * kk : 0));
  const wino3 = winograd && winogradFilter ? winogradFilterTiles(g, e.threads) : 0;
  const wino2 = winograd && winogradFilter ? stride2FilterTiles(g, e.threads) : 0;
  const tiles = wino3 || wino2;
  if (wino3) workStride = Math.max(workStride, up4(winogradFilterWork(g, wino3)));
  if (wino2) workStride = Math.max(workStride, up4(stride2FilterWork(g, wino2)));
  e.reset();
  const xo = copyIn(e, backend, x);
  const dyo = copyIn(e, backend, dy);
  const parts = e.alloc(kk * g.co * 4 * e.threads);
  const work = e.alloc(workStride * 4 * e.threads);
  e.run('sp_conv2d_backprop_filter', convArgs(g, xo, parts, dyo, work, workStride, chunk, tiles));
  let result = parts;
  if (e.threads > 1) {
    result = e.alloc(kk * g.co * 4);
    e.run('sp_sum_parts', [kk * g.co, e.threads, parts, result]);
  }
  count('Conv2DBackpropFilter', true, tiles > 0);
  return copyOut(e, backend, result, [...attrs.filterShape]);
}

export function conv2DBackpropInput(a: Args): TensorInfo | TensorInfo[] {
  const e = engine!;
  const { dy, filter } = inputsOf(a);
  const attrs = a.attrs as unknown as { strides: unknown; pad: unknown; dataFormat?: string; dimRoundingMode?: unknown; inputShape: Shape4 };
  if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(attrs.dataFormat)) return fallback('Conv2DBackpropInput', a);
  const g = convGeom(attrs.inputShape, filter.shape as Shape4, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (macs(g) < MIN_MACS || g.oh !== dy.shape[1] || g.ow !== dy.shape[2]) return fallback('Conv2DBackpropInput', a);
  const backend = a.backend as WasmBackendLike;
  if (winograd && winogradInput && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.pt <= 2 && g.pl <= 2) {
    return backpropInputWinograd(e, backend, g, dy, filter, attrs.inputShape);
  }
  if (g.sh === 1 && g.sw === 1 && g.kh * g.kw > 1 && g.kw * g.co <= 64 && g.ci >= 8 && !(g.kh === 3 && g.kw === 3)) {
    return backpropInputDirect(e, backend, g, dy, filter, attrs.inputShape);
  }
  const taps = Math.ceil(g.kh / g.sh) * Math.ceil(g.kw / g.sw);
  const chunk = chunkFor((g.n * g.h * g.w) / (g.sh * g.sw), taps * g.co, e.threads);
  // 4x4 stride 2: Winograd over dx's phases (a 2x2 conv of dy onto a grid of 2x2-pixel cells).
  const cells = g.n * Math.ceil((g.h + g.pt) / 4) * Math.ceil((g.w + g.pl) / 4);
  const tiles = winograd && winogradInput ? stride2Tiles(g, cells, g.co, 4 * g.ci, e.threads) : 0;
  let workStride = up4(chunk * g.kh * g.kw * g.co + g.kh * g.kw * g.co * g.ci + chunk * g.ci + GEMM_WORK);
  if (tiles) workStride = Math.max(workStride, up4(stride2Work(g.co, 4 * g.ci, g.co, tiles)));
  e.reset();
  const dyo = copyIn(e, backend, dy);
  let fo = copyIn(e, backend, filter);
  if (tiles) fo = stride2Filter(e, fo, g, true);
  const dxo = e.alloc(g.n * g.h * g.w * g.ci * 4);
  const work = e.alloc(workStride * 4 * e.threads);
  e.run('sp_conv2d_backprop_input', convArgs(g, dxo, fo, dyo, work, workStride, chunk, tiles));
  count('Conv2DBackpropInput', true, tiles > 0);
  return copyOut(e, backend, dxo, [...attrs.inputShape]);
}

/** The filter turned 180° with its in/out channels swapped: [KH, KW, Ci, Co] -> [KH, KW, Co, Ci], into `to`. */
function turnFilter(heap: Float32Array, from: number, to: number, g: ConvGeom): void {
  const f = from >> 2, ft = to >> 2, block = g.ci * g.co;
  for (let kh = 0; kh < g.kh; kh++) {
    for (let kw = 0; kw < g.kw; kw++) {
      const src = f + (kh * g.kw + kw) * block;
      const dst = ft + ((g.kh - 1 - kh) * g.kw + (g.kw - 1 - kw)) * block;
      for (let ci = 0; ci < g.ci; ci++) for (let co = 0; co < g.co; co++) heap[dst + co * g.ci + ci] = heap[src + ci * g.co + co]!;
    }
  }
}

/**
 * dx of a stride-1 conv with few output channels per filter row (KW*Co <= 64: the 9x9 layer onto
 * RGB) and Ci >= 8, as the forward conv of dy, zero-padded by K-1-pad into scratch, with the turned
 * filter: sp_conv2d then reads the padded dy in place (micro_seg) instead of gathering a column
 * matrix of 3-float runs (~2x faster).
 */
function backpropInputDirect(e: FastEngine, backend: WasmBackendLike, g: ConvGeom, dy: TensorInfo, filter: TensorInfo, inputShape: Shape4): TensorInfo {
  const top = g.kh - 1 - g.pt, left = g.kw - 1 - g.pl;
  const hp = g.h + g.kh - 1, wp = g.w + g.kw - 1;
  const t: ConvGeom = { n: g.n, h: hp, w: wp, ci: g.co, oh: g.h, ow: g.w, co: g.ci, kh: g.kh, kw: g.kw, sh: 1, sw: 1, pt: 0, pl: 0 };
  const kk = t.kh * t.kw * t.ci;
  const chunk = chunkFor(t.n * t.oh * t.ow, kk, e.threads);
  const workStride = up4(Math.max(chunk * kk, kk * Math.ceil(t.co / 8) * 8) + GEMM_WORK);
  e.reset();
  const dyp = e.alloc(g.n * hp * wp * g.co * 4);
  const fo = copyIn(e, backend, filter);
  const fto = e.alloc(g.kh * g.kw * g.ci * g.co * 4);
  const dxo = e.alloc(g.n * g.h * g.w * g.ci * 4);
  const work = e.alloc(workStride * 4 * e.threads);
  const heap = e.heapF32();
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  const row = g.ow * g.co;
  heap.fill(0, dyp >> 2, (dyp >> 2) + g.n * hp * wp * g.co);
  for (let n = 0; n < g.n; n++) {
    for (let oh = 0; oh < g.oh; oh++) {
      const h = oh + top;
      if (h < 0 || h >= hp) continue;
      const s0 = (n * g.oh + oh) * row;
      heap.set(src.subarray(s0, s0 + row), (dyp >> 2) + ((n * hp + h) * wp + left) * g.co);
    }
  }
  turnFilter(heap, fo, fto, g);
  e.run('sp_conv2d', convArgs(t, dyp, fto, dxo, work, workStride, chunk));
  count('Conv2DBackpropInput', true);
  return copyOut(e, backend, dxo, [...inputShape]);
}

/**
 * dx of a 3x3 stride-1 conv is the 3x3 stride-1 conv of dy with the filter turned 180° and
 * its in/out channels swapped, padded by 2 - pad: so it runs on the Winograd path of sp_conv2d.
 */
function backpropInputWinograd(e: FastEngine, backend: WasmBackendLike, g: ConvGeom, dy: TensorInfo, filter: TensorInfo, inputShape: Shape4): TensorInfo {
  const t: ConvGeom = { n: g.n, h: g.oh, w: g.ow, ci: g.co, oh: g.h, ow: g.w, co: g.ci, kh: 3, kw: 3, sh: 1, sw: 1, pt: 2 - g.pt, pl: 2 - g.pl };
  const f4 = winogradF4 ? winograd4Tiles(t, e.threads) : 0;
  const tiles = f4 || winogradTiles(t, e.threads);
  const workStride = up4(f4 ? winograd4Work(t, f4) : winogradWork(t, tiles));
  e.reset();
  const dyo = copyIn(e, backend, dy);
  const fo = copyIn(e, backend, filter);
  const fto = e.alloc(9 * g.ci * g.co * 4);
  const dxo = e.alloc(g.n * g.h * g.w * g.ci * 4);
  const work = e.alloc(workStride * 4 * e.threads);
  turnFilter(e.heapF32(), fo, fto, g);
  e.run('sp_conv2d', convArgs(t, dyo, fto, dxo, work, workStride, chunkFor(t.n * t.oh * t.ow, 9 * t.ci, e.threads), tiles, f4 ? 4 : 2));
  count('Conv2DBackpropInput', true, true);
  return copyOut(e, backend, dxo, [...inputShape]) as TensorInfo;
}

export function batchMatMul(a: Args): TensorInfo | TensorInfo[] {
  const e = engine!;
  const { a: A, b: B } = inputsOf(a);
  const { transposeA, transposeB } = a.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (!A || !B || A.dtype !== 'float32' || B.dtype !== 'float32' || A.shape.length < 2 || A.shape.length !== B.shape.length) {
    return fallback('BatchMatMul', a);
  }
  const ra = A.shape.length;
  const batchA = A.shape.slice(0, ra - 2);
  const batchB = B.shape.slice(0, ra - 2);
  const nA = size(batchA);
  const nB = size(batchB);
  const sameBatch = batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && nA !== 1 && nB !== 1) return fallback('BatchMatMul', a);
  const [a0, a1] = A.shape.slice(ra - 2) as [number, number];
  const [b0, b1] = B.shape.slice(ra - 2) as [number, number];
  const M = transposeA ? a1 : a0;
  const K = transposeA ? a0 : a1;
  const N = transposeB ? b0 : b1;
  if ((transposeB ? b1 : b0) !== K) return fallback('BatchMatMul', a);
  const batch = Math.max(nA, nB);
  if (batch * M * N * K < MIN_MACS) return fallback('BatchMatMul', a);
  const outBatch = nA >= nB ? batchA : batchB;
  const backend = a.backend as WasmBackendLike;
  e.reset();
  const ao = copyIn(e, backend, A);
  const bo = copyIn(e, backend, B);
  const co = e.alloc(batch * M * N * 4);
  const workStride = up4(GEMM_WORK);
  const work = e.alloc(workStride * 4 * e.threads);
  e.run('sp_batch_matmul', [
    batch, M, N, K,
    ao, transposeA ? 1 : K, transposeA ? M : 1, nA === 1 ? 0 : M * K,
    bo, transposeB ? 1 : N, transposeB ? K : 1, nB === 1 ? 0 : K * N,
    co, M * N, work, workStride,
  ]);
  count('BatchMatMul', true);
  return copyOut(e, backend, co, [...outBatch, M, N]);
}

/**
 * Tile on the tfjs heap itself (plain JS, no engine): copies contiguous runs. tfjs-backend-wasm's
 * Tile indexes element by element and made the generator's ×2 upsampling half of inference time.
 */
export function tile(a: Args): TensorInfo | TensorInfo[] {
  const { x } = inputsOf(a);
  const { reps } = a.attrs as unknown as { reps: number[] };
  if (!x || x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length || x.shape.length === 0) return fallback('Tile', a);
  const backend = a.backend as WasmBackendLike;
  const s = x.shape;
  const rank = s.length;
  const outShape = s.map((d, i) => d * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  // Trailing dims with rep 1 form one contiguous block per index of the leading dims.
  let inner = rank;
  let block = 1;
  while (inner > 0 && reps[inner - 1] === 1) block *= s[--inner]!;
  if (inner === 0) {
    dst.set(src);
    count('Tile', true);
    return out;
  }
  // Write out[o0..o_{inner-1}, block] = src[o0 % s0, ..., block], walking the output in order.
  const lead = outShape.slice(0, inner);
  const inStrides = new Array<number>(inner);
  let st = block;
  for (let i = inner - 1; i >= 0; i--) {
    inStrides[i] = st;
    st *= s[i]!;
  }
  const idx = new Array<number>(inner).fill(0);
  const total = size(lead);
  let srcOff = 0;
  for (let r = 0, o = 0; r < total; r++, o += block) {
    if (block >= 16) dst.set(src.subarray(srcOff, srcOff + block), o);
    else for (let k = 0; k < block; k++) dst[o + k] = src[srcOff + k]!;
    // Increment the output multi-index (last leading dim fastest) and the source offset.
    for (let d = inner - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! % s[d]! === 0) srcOff -= (s[d]! - 1) * inStrides[d]!;
      else srcOff += inStrides[d]!;
      if (idx[d]! < lead[d]!) break;
      idx[d] = 0;
    }
  }
  count('Tile', true);
  return out;
}

// ---- Instance norm (native/norm.c): the kernels behind model/instance-norm.ts's fused op ----

/** Samples are cut into chunks of rows: ~4K floats each (cache-sized), at least 8 tasks in all. */
interface NormGeom { n: number; hw: number; c: number; rows: number; chunks: number }

function normGeom(shape: readonly number[]): NormGeom {
  const [n, h, w, c] = shape as Shape4;
  const hw = h * w;
  let rows = Math.min(hw, Math.max(1, Math.floor(4096 / c)));
  const minChunks = Math.ceil(8 / n);
  if (Math.ceil(hw / rows) < minChunks) rows = Math.max(1, Math.ceil(hw / minChunks));
  return { n, hw, c, rows, chunks: Math.ceil(hw / rows) };
}

const ACTIVATIONS = { linear: 0, relu: 1, leakyRelu: 2 } as const;
const f32Bits = (v: number) => new Int32Array(new Float32Array([v]).buffer)[0]!;

/** The kernels take rows of gamma/beta per sample, or one row for all (stride 0). */
function rowStride(t: TensorInfo, g: NormGeom): number {
  if (t.dtype !== 'float32' || t.shape.length !== 2 || t.shape[1] !== g.c || (t.shape[0] !== 1 && t.shape[0] !== g.n)) {
    throw new Error(`stylepack instance norm: gamma/beta must be float32 [1|${g.n}, ${g.c}], got [${t.shape}]`);
  }
  return t.shape[0] === 1 ? 0 : g.c;
}

function checkNormInput(x: TensorInfo): void {
  if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`stylepack instance norm: x must be float32 NHWC, got ${x.dtype} [${x.shape}]`);
}

/** Per-sample done counters (int32 zeros) for a norm entry point; returns their byte offset. */
function zeroCounters(e: FastEngine, n: number): number {
  const off = e.alloc(n * 4);
  e.heapF32().fill(0, off >> 2, (off >> 2) + n);
  return off;
}

/** Runs the two phases of a norm entry point (sums + combine, then apply); see native/norm.c. */
function runPhases(e: FastEngine, entry: FastEntry, args: number[]): void {
  for (const phase of [0, 1]) {
    args[0] = phase;
    e.run(entry, args);
  }
}

/** Outputs [y, mean, rstd]; see InstanceNormAttrs. */
export function instanceNormKernel(a: Args): TensorInfo[] {
  const e = engine!;
  const { x, gamma, beta } = inputsOf(a);
  const { epsilon, activation, alpha } = a.attrs as unknown as InstanceNormAttrs;
  checkNormInput(x!);
  const g = normGeom(x!.shape);
  const gs = rowStride(gamma!, g);
  const bs = rowStride(beta!, g);
  const backend = a.backend as WasmBackendLike;
  const nc = g.n * g.c;
  e.reset();
  const xo = copyIn(e, backend, x!);
  const go = copyIn(e, backend, gamma!);
  const bo = copyIn(e, backend, beta!);
  const yo = e.alloc(size(x!.shape) * 4);
  const mean = e.alloc(2 * nc * 4); // float32 hi + lo, see native/norm.c
  const rstd = e.alloc(nc * 4);
  const parts = e.alloc(g.n * g.chunks * 3 * g.c * 4);
  const scale = e.alloc(nc * 4);
  const done = zeroCounters(e, g.n);
  runPhases(e, 'sp_instance_norm', [
    0, g.n, g.hw, g.c, g.rows, g.chunks, xo, go, gs, bo, bs, yo, mean, rstd, parts, scale,
    f32Bits(epsilon), ACTIVATIONS[activation], f32Bits(alpha), done,
  ]);
  count(INSTANCE_NORM, true);
  return [copyOut(e, backend, yo, [...x!.shape]), copyOut(e, backend, mean, [2, g.n, g.c]), copyOut(e, backend, rstd, [g.n, g.c])];
}

/** Outputs [dx, dgamma, dbeta], shaped like x, gamma, beta. */
export function instanceNormGradKernel(a: Args): TensorInfo[] {
  const e = engine!;
  const { x, dy, y, gamma, beta, mean, rstd } = inputsOf(a);
  const { activation, alpha } = a.attrs as unknown as InstanceNormAttrs;
  checkNormInput(x!);
  const g = normGeom(x!.shape);
  const gs = rowStride(gamma!, g);
  const bs = rowStride(beta!, g);
  const act = ACTIVATIONS[activation];
  const backend = a.backend as WasmBackendLike;
  e.reset();
  const xo = copyIn(e, backend, x!);
  const dyo = copyIn(e, backend, dy!);
  const yo = act ? copyIn(e, backend, y!) : 0; // y only carries the activation's mask
  const go = copyIn(e, backend, gamma!);
  const mo = copyIn(e, backend, mean!);
  const ro = copyIn(e, backend, rstd!);
  const dxo = e.alloc(size(x!.shape) * 4);
  const dgo = e.alloc(size(gamma!.shape) * 4);
  const dbo = e.alloc(size(beta!.shape) * 4);
  const parts = e.alloc(g.n * g.chunks * 2 * g.c * 4);
  const coef = e.alloc(g.n * 5 * g.c * 4);
  const done = zeroCounters(e, g.n);
  runPhases(e, 'sp_instance_norm_grad', [
    0, g.n, g.hw, g.c, g.rows, g.chunks, xo, dyo, yo, go, gs, bs, mo, ro, dxo, dgo, dbo, parts, coef,
    act, f32Bits(alpha), done,
  ]);
  count(INSTANCE_NORM_GRAD, true);
  return [copyOut(e, backend, dxo, [...x!.shape]), copyOut(e, backend, dgo, [...gamma!.shape]), copyOut(e, backend, dbo, [...beta!.shape])];
}
