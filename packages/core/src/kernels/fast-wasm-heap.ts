// Kernels for the tfjs 'wasm' backend that work directly on its heap (no engine, no threads,
// no copies). They replace kernels whose cost in a training step is overhead, not arithmetic:
//
// * Slice (plain JS): tfjs-backend-wasm's Slice first copies the WHOLE input (readSync), then
//   copies one innermost row per `subarray().set()` (3 floats at a time for RGB). Ours copies
//   runs that span every trailing full axis straight from the heap.
// * Identity / same-dtype Cast (plain JS): tfjs clones every tensor it saves for the backward pass
//   (Identity) and casts float32 gradients to float32; wasm copies the data each time. Tensors are
//   immutable, so ours share the buffer (incRef), as tfjs's cpu backend does.
// * StylepackMirrorPadGrad: the corrected MirrorPad gradient (gradients/tfjs-fixes.ts) in one
//   pass instead of slice + reverse + pad + add per padded side and axis.
// * StylepackReluGrad / StylepackRelu6Grad / StylepackLeakyReluGrad: tfjs builds these gradients
//   from Step / LessEqual / Greater / Select / Cast / Multiply, one full pass each.
// * LeakyRelu (forward): wasm's is scalar, ~4x slower than these SIMD loops.
// * Sum / Mean over leading or middle axes (instance-norm moments, bias gradients): wasm's
//   transpose the reduced axes innermost first; ours sum in place, in the same order.
// * MirrorPad (forward, NHWC padded on H/W): row copies plus reflected pixels; wasm's indexes
//   every element.
// * StylepackUpsample2x / StylepackUpsample2xGrad: model/upsample.ts's nearest ×2 op (a copy, and
//   a 2×2 block sum), replacing reshape + Tile + Tile and Tile's slice-and-add gradient.
// * Add of a bias row x[..., C] + b[C]: wasm's broadcasting Add is slow for small C (RGB).
//
// All but Slice/Identity/Cast run in native/heap-kernels.wasm (SIMD), instantiated on tfjs's
// own memory: JS loops with a data-dependent branch per element (x > 0) were no faster than
// tfjs's chain. Without that module (setHeapModule not called, or the memory not reachable) the
// Stylepack* kernels run as plain JS and the others (LeakyRelu, Sum, Mean, MirrorPad, Add) leave
// the work to wasm's own kernels.
//
// Each returns null for a case it does not handle; the kernel it replaced then runs
// (register-wasm.ts lists them).
// Universal code: no Node imports.
import * as tf from '@tensorflow/tfjs';
import type { AdamUpdateAttrs } from '../kernel-names.js';

type TensorInfo = tf.TensorInfo;
type Args = Parameters<tf.KernelFunc>[0];
type Heap = Float32Array | Int32Array | Uint8Array;

interface WasmBackendLike {
  typedArrayFromHeap(t: TensorInfo): Heap;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: unknown): void;
  /** The Emscripten module; its `asm.memory` is the heap's WebAssembly.Memory. */
  wasm?: { asm?: { memory?: unknown } };
}

/** Exports of native/heap-kernels.wasm (pointers are byte offsets in tfjs's heap). */
interface HeapExports {
  sp_relu_grad(dy: number, x: number, dx: number, n: number): void;
  sp_relu6_grad(dy: number, x: number, dx: number, n: number): void;
  sp_leaky_relu_grad(dy: number, x: number, dx: number, n: number, alpha: number): void;
  sp_leaky_relu(x: number, y: number, n: number, alpha: number): void;
  sp_mirror_pad_grad_nhwc(
    dy: number, dx: number, n: number, h: number, w: number, c: number,
    top: number, bottom: number, left: number, right: number, shift: number): void;
  sp_reduce_mid(x: number, y: number, outer: number, mid: number, inner: number, divisor: number): void;
  sp_mirror_pad_nhwc(
    x: number, y: number, n: number, h: number, w: number, c: number,
    top: number, bottom: number, left: number, right: number, shift: number): void;
  sp_upsample2x_nhwc(x: number, y: number, n: number, h: number, w: number, c: number): void;
  sp_upsample2x_grad_nhwc(dy: number, dx: number, n: number, h: number, w: number, c: number): void;
  sp_add_bias(x: number, b: number, y: number, rows: number, c: number): void;
  sp_depthwise_backprop_input_nhwc(
    dy: number, f: number, dx: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number): void;
  sp_adam(p: number, m: number, v: number, g: number, p2: number, m2: number, v2: number, n: number,
    b1: number, ob1: number, b2: number, ob2: number, lr: number, c2: number, eps: number): void;
}

let heapModule: WebAssembly.Module | null = null;
let heapInstance: { memory: unknown; ex: HeapExports | null } | null = null;

/** Supplies the compiled native/heap-kernels.wasm (null: plain JS only). */
export function setHeapModule(m: WebAssembly.Module | null): void {
  heapModule = m;
  heapInstance = null;
}

/** The heap module instantiated on this backend's memory, or null (then JS runs). */
function nativeOn(backend: WasmBackendLike): HeapExports | null {
  if (!heapModule) return null;
  const memory = backend.wasm?.asm?.memory;
  const cached = heapInstance;
  if (cached && cached.memory === memory) return cached.ex;
  let ex: HeapExports | null = null;
  if (memory instanceof WebAssembly.Memory) {
    try {
      ex = new WebAssembly.Instance(heapModule, { env: { memory } }).exports as unknown as HeapExports;
    } catch {
      ex = null; // e.g. a threaded tfjs build, whose memory is shared
    }
  }
  heapInstance = { memory, ex };
  return ex;
}

export type HeapKernel = (a: Args) => TensorInfo | TensorInfo[] | null;

const inputsOf = (a: Args) => a.inputs as unknown as Record<string, TensorInfo>;
const sizeOf = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
const numeric = (t: TensorInfo | undefined): t is TensorInfo => !!t && t.dtype !== 'string' && t.dtype !== 'complex64';

/** Copies src[s .. s+n) to dst[d ..): a loop for short runs (subarray costs more), set otherwise. */
function copyRun(dst: Heap, d: number, src: Heap, s: number, n: number): void {
  if (n >= 16) dst.set(src.subarray(s, s + n), d);
  else for (let k = 0; k < n; k++) dst[d + k] = src[s + k]!;
}

// ---------------------------------------------------------------------------------------------
// Identity, Cast

function share(a: Args, x: TensorInfo): TensorInfo {
  (a.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identity(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  return numeric(x) ? share(a, x) : null;
}

export function cast(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  const { dtype } = a.attrs as unknown as { dtype: tf.DataType };
  return numeric(x) && x.dtype === dtype ? share(a, x) : null;
}

// ---------------------------------------------------------------------------------------------
// Slice

export function slice(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  if (!numeric(x) || x.shape.length === 0) return null;
  const { begin, size } = a.attrs as unknown as { begin: number | number[]; size?: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  const backend = a.backend as WasmBackendLike;
  const out = backend.makeOutput(s, x.dtype);
  if (sizeOf(s) === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let d = rank - 1, st = 1; d >= 0; d--) {
    strides[d] = st;
    st *= shape[d]!;
  }
  // Trailing axes taken whole, plus the first partial one, are one contiguous run per index of the rest.
  let k = rank - 1;
  while (k > 0 && b[k] === 0 && s[k] === shape[k]) k--;
  const run = s[k]! * strides[k]!;
  let srcOff = 0;
  for (let d = 0; d <= k; d++) srcOff += b[d]! * strides[d]!;
  const outer = sizeOf(s.slice(0, k));
  const idx = new Array<number>(k).fill(0);
  for (let r = 0, o = 0; r < outer; r++, o += run) {
    copyRun(dst, o, src, srcOff, run);
    // Next index of the leading axes (last fastest), moving the source offset with it.
    for (let d = k - 1; d >= 0; d--) {
      srcOff += strides[d]!;
      if (++idx[d]! < s[d]!) break;
      srcOff -= s[d]! * strides[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MirrorPad gradient
//
// Summed in the same order as the composite in gradients/tfjs-fixes.ts (axis by axis; per axis
// (centre + before-part) + after-part), so the result rounds identically: a different order
// changed float32 sums in the last bit, enough to move a GAN trajectory off the reference early.

type Mode = 'reflect' | 'symmetric';

/** Whether tfjs accepts these paddings ('reflect' may not repeat the edge: pad ≤ len − 1). */
function validPaddings(xShape: readonly number[], paddings: readonly (readonly [number, number])[], shift: number): boolean {
  return paddings.length === xShape.length && paddings.every(([lo, hi], d) => lo >= 0 && hi >= 0 && lo <= xShape[d]! - shift && hi <= xShape[d]! - shift);
}

/**
 * Folds axis `d` of `src` (shape `shape`, axis d padded by lo/hi) into `dst`, where axis d has
 * length `len`: dst[.., i, ..] = (src[.., lo+i, ..] + before copy) + after copy, in float32.
 */
function foldAxis(src: Float32Array, dst: Float32Array, shape: readonly number[], d: number, lo: number, hi: number, len: number, shift: number): void {
  const outer = sizeOf(shape.slice(0, d));
  const inner = sizeOf(shape.slice(d + 1));
  const p = shape[d]!;
  for (let o = 0; o < outer; o++) {
    const s0 = o * p * inner;
    for (let i = 0; i < len; i++) {
      const out = (o * len + i) * inner;
      const c = s0 + (lo + i) * inner;
      dst.set(src.subarray(c, c + inner), out);
      const pb = lo - 1 + shift - i; // before-part copy of i
      if (pb >= 0 && pb < lo) for (let k = 0, s = s0 + pb * inner; k < inner; k++) dst[out + k] += src[s + k]!;
      const pa = lo + 2 * len - 1 - shift - i; // after-part copy of i
      if (pa >= lo + len && pa < lo + len + hi) for (let k = 0, s = s0 + pa * inner; k < inner; k++) dst[out + k] += src[s + k]!;
    }
  }
}

/**
 * dx of MirrorPad: every element of dy is added to the x element it was copied from. Attrs as
 * MirrorPad's (paddings, mode); x's shape follows from dy's. float32 only.
 */
export function mirrorPadGrad(a: Args): TensorInfo | null {
  const { dy } = inputsOf(a);
  const { paddings, mode } = a.attrs as unknown as { paddings: [number, number][]; mode: Mode };
  if (!dy || dy.dtype !== 'float32' || paddings.length !== dy.shape.length || (mode !== 'reflect' && mode !== 'symmetric')) return null;
  const shift = mode === 'reflect' ? 1 : 0;
  const xShape = dy.shape.map((n, d) => n - paddings[d]![0] - paddings[d]![1]);
  if (!validPaddings(xShape, paddings, shift)) return null;
  const backend = a.backend as WasmBackendLike;
  const out = backend.makeOutput(xShape, 'float32');
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const padded = paddings.map(([lo, hi], d) => (lo || hi ? d : -1)).filter((d) => d >= 0);
  const native = nativeOn(backend);
  if (native && xShape.length === 4 && padded.every((d) => d === 1 || d === 2)) {
    // NHWC padded on H and/or W only (the generator's case).
    const [n, h, w, c] = xShape as [number, number, number, number];
    native.sp_mirror_pad_grad_nhwc(g.byteOffset, dx.byteOffset, n, h, w, c, paddings[1]![0], paddings[1]![1], paddings[2]![0], paddings[2]![1], shift);
    return out;
  }
  if (padded.length === 0) {
    dx.set(g);
    return out;
  }
  // Axis by axis, through temporaries; the last fold writes dx.
  let src = g;
  const shape = [...dy.shape];
  padded.forEach((d, j) => {
    const [lo, hi] = paddings[d]!;
    shape[d] = xShape[d]!;
    const dst = j === padded.length - 1 ? dx : new Float32Array(sizeOf(shape));
    foldAxis(src, dst, [...shape.slice(0, d), lo + hi + xShape[d]!, ...shape.slice(d + 1)], d, lo, hi, xShape[d]!, shift);
    src = dst;
  });
  return out;
}

/**
 * MirrorPad forward for float32 NHWC padded on H and/or W only (the generator's reflection pads):
 * native row copies plus reflected pixels. wasm's own kernel (generic rank, an index computation
 * per element) runs for anything else, and without the native module.
 */
export function mirrorPad(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  const { paddings, mode } = a.attrs as unknown as { paddings: [number, number][]; mode: Mode };
  if (!x || x.dtype !== 'float32' || x.shape.length !== 4 || paddings.length !== 4 || (mode !== 'reflect' && mode !== 'symmetric')) return null;
  const shift = mode === 'reflect' ? 1 : 0;
  if (paddings[0]![0] || paddings[0]![1] || paddings[3]![0] || paddings[3]![1] || !validPaddings(x.shape, paddings, shift)) return null;
  const backend = a.backend as WasmBackendLike;
  const native = nativeOn(backend);
  if (!native) return null;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [[top, bottom], [left, right]] = [paddings[1]!, paddings[2]!];
  const out = backend.makeOutput([n, h + top + bottom, w + left + right, c], 'float32');
  if (n * h * w * c === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  native.sp_mirror_pad_nhwc(src.byteOffset, dst.byteOffset, n, h, w, c, top, bottom, left, right, shift);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Nearest ×2 upsampling (model/upsample.ts's kernels): a copy forward, a 2×2 block sum backward.
// These are stylepack-only kernels with nothing to fall back to, so both take every float32
// NHWC input, with a plain-JS loop when the native module is missing.

export function upsample2x(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  if (!x || x.dtype !== 'float32' || x.shape.length !== 4) return null;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const backend = a.backend as WasmBackendLike;
  const out = backend.makeOutput([n, 2 * h, 2 * w, c], 'float32');
  if (n * h * w * c === 0) return out;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const native = nativeOn(backend);
  if (native) {
    native.sp_upsample2x_nhwc(src.byteOffset, dst.byteOffset, n, h, w, c);
    return out;
  }
  const xrow = w * c;
  for (let r = 0; r < n * h; r++) {
    const o = 4 * r * xrow;
    for (let j = 0, s = r * xrow, d = o; j < w; j++, s += c, d += 2 * c) {
      for (let k = 0; k < c; k++) dst[d + k] = dst[d + c + k] = src[s + k]!;
    }
    dst.copyWithin(o + 2 * xrow, o, o + 2 * xrow);
  }
  return out;
}

/** dx = the sum of dy over each 2×2 block, in the composite's order (see heap-kernels.c). */
export function upsample2xGrad(a: Args): TensorInfo | null {
  const { dy } = inputsOf(a);
  if (!dy || dy.dtype !== 'float32' || dy.shape.length !== 4 || dy.shape[1]! % 2 || dy.shape[2]! % 2) return null;
  const [n, h2, w2, c] = dy.shape as [number, number, number, number];
  const [h, w] = [h2 / 2, w2 / 2];
  const backend = a.backend as WasmBackendLike;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  if (n * h * w * c === 0) return out;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const native = nativeOn(backend);
  if (native) {
    native.sp_upsample2x_grad_nhwc(g.byteOffset, dx.byteOffset, n, h, w, c);
    return out;
  }
  const f = Math.fround;
  const yrow = 2 * w * c;
  for (let r = 0, o = 0; r < n * h; r++) {
    for (let j = 0, s = 2 * r * yrow; j < w; j++, s += 2 * c) {
      for (let k = 0; k < c; k++, o++) {
        const p = f(f(0 + g[s + k]!) + g[s + yrow + k]!);
        const q = f(f(0 + g[s + c + k]!) + g[s + yrow + c + k]!);
        dx[o] = p + q;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Add of a bias row: x [..., C] + b [C] (or [1, ..., 1, C]), either operand order

/**
 * float32 x + b where b broadcasts along x's last axis only (conv and dense biases). wasm's
 * broadcasting Add is slow when C is small (the generator's RGB output: C = 3). One float32 add
 * per element, so the result is bitwise that of any backend. Other shapes (equal shapes
 * included, where wasm's Add is already fast): null.
 */
export function addBias(a: Args): TensorInfo | null {
  const { a: p, b: q } = inputsOf(a);
  if (!p || !q || p.dtype !== 'float32' || q.dtype !== 'float32') return null;
  const isRow = (b: TensorInfo, x: TensorInfo) => {
    const c = x.shape[x.shape.length - 1];
    return x.shape.length >= 1 && b.shape.length >= 1 && b.shape.length <= x.shape.length && sizeOf(x.shape) > c! &&
      b.shape[b.shape.length - 1] === c && b.shape.slice(0, -1).every((d) => d === 1);
  };
  const [x, b] = isRow(q, p) ? [p, q] : isRow(p, q) ? [q, p] : [null, null];
  if (!x || !b) return null;
  const backend = a.backend as WasmBackendLike;
  const native = nativeOn(backend);
  if (!native) return null;
  const out = backend.makeOutput([...x.shape], 'float32');
  const c = x.shape[x.shape.length - 1]!;
  if (c === 0) return out;
  const xs = backend.typedArrayFromHeap(x);
  native.sp_add_bias(xs.byteOffset, backend.typedArrayFromHeap(b).byteOffset, backend.typedArrayFromHeap(out).byteOffset, xs.length / c, c);
  return out;
}

// ---------------------------------------------------------------------------------------------
// PadV2 (constant padding) of NHWC on H and/or W: fill with the constant, then one copy per row.
// wasm's own kernel computes an index per element (the discriminator pads every layer's input,
// the loss network before each stride-2 depthwise conv).
// ---------------------------------------------------------------------------------------------
export function padV2(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  const { paddings, constantValue } = a.attrs as unknown as { paddings: [number, number][]; constantValue: number };
  if (!x || x.dtype !== 'float32' || x.shape.length !== 4 || paddings.length !== 4) return null;
  if (paddings[0]![0] || paddings[0]![1] || paddings[3]![0] || paddings[3]![1] || paddings.some(([lo, hi]) => lo < 0 || hi < 0)) return null;
  const backend = a.backend as WasmBackendLike;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [[top, bottom], [left, right]] = [paddings[1]!, paddings[2]!];
  const hp = h + top + bottom, wp = w + left + right;
  const out = backend.makeOutput([n, hp, wp, c], 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(constantValue ?? 0);
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) copyRun(dst, ((b * hp + y + top) * wp + left) * c, src, (b * h + y) * row, row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2dNativeBackpropInput, channel multiplier 1, strides 1/2, no dilation (the loss
// network's): native gather per dx pixel. Otherwise the composed kernel (wasm-composed.ts) runs.
// ---------------------------------------------------------------------------------------------
export function depthwiseBackpropInput(a: Args): TensorInfo | null {
  const { dy, filter } = inputsOf(a);
  const attrs = a.attrs as unknown as { strides: number | [number, number]; pad: unknown; dilations?: number | [number, number]; dimRoundingMode?: unknown; inputShape: [number, number, number, number] };
  if (!dy || !filter || dy.dtype !== 'float32' || filter.dtype !== 'float32' || dy.shape.length !== 4 || filter.shape.length !== 4 || filter.shape[3] !== 1) return null;
  const dil = attrs.dilations ?? 1;
  if ((typeof dil === 'number' ? [dil, dil] : dil).some((d) => d !== 1)) return null;
  const backend = a.backend as WasmBackendLike;
  const native = nativeOn(backend);
  if (!native) return null;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides as [number, number], 1,
    attrs.pad as 'valid', attrs.dimRoundingMode as 'floor' | undefined, true, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw } = info;
  if ((sh !== 1 && sh !== 2) || (sw !== 1 && sw !== 2) || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return null;
  const [n, h, w, c] = attrs.inputShape;
  const out = backend.makeOutput([...attrs.inputShape], 'float32');
  native.sp_depthwise_backprop_input_nhwc(
    backend.typedArrayFromHeap(dy).byteOffset, backend.typedArrayFromHeap(filter).byteOffset, backend.typedArrayFromHeap(out).byteOffset,
    n, h, w, c, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, sh, sw, info.padInfo.top, info.padInfo.left);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Activation gradients: exactly tfjs's formulas (gradients/Relu_grad.ts etc.), one pass.
// dy · mask is a real product, so dy = ±Inf where the mask is 0 gives NaN, and NaN inputs give
// NaN (step(NaN) = NaN), as in tfjs.

type Loop = (dy: Float32Array, x: Float32Array, dx: Float32Array) => void;
type Native = (ex: HeapExports, dy: number, x: number, dx: number, n: number) => void;

function activationGrad(a: Args, native: Native, loop: Loop): TensorInfo | null {
  const { dy, x } = inputsOf(a);
  if (!dy || !x || dy.dtype !== 'float32' || x.dtype !== 'float32' || sizeOf(dy.shape) !== sizeOf(x.shape)) return null;
  const backend = a.backend as WasmBackendLike;
  const out = backend.makeOutput([...x.shape], 'float32');
  const [g, v, dx] = [dy, x, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  const ex = nativeOn(backend);
  if (ex) native(ex, g.byteOffset, v.byteOffset, dx.byteOffset, dx.length);
  else loop(g, v, dx);
  return out;
}

/** step(x) with alpha 0, as tfjs: NaN stays NaN. */
const step = (v: number) => (v > 0 ? 1 : v !== v ? NaN : 0);

/** Relu: dy · step(x). */
export function reluGrad(a: Args): TensorInfo | null {
  return activationGrad(a, (ex, ...p) => ex.sp_relu_grad(...p), (dy, x, dx) => {
    for (let i = 0; i < dx.length; i++) dx[i] = dy[i]! * step(x[i]!);
  });
}

/** Relu6: dy · ((x ≤ 6) · step(x)). */
export function relu6Grad(a: Args): TensorInfo | null {
  return activationGrad(a, (ex, ...p) => ex.sp_relu6_grad(...p), (dy, x, dx) => {
    for (let i = 0; i < dx.length; i++) {
      const v = x[i]!;
      dx[i] = dy[i]! * ((v <= 6 ? 1 : 0) * step(v));
    }
  });
}

/** LeakyRelu: x > 0 ? dy : dy · alpha (alpha rounded to float32 like tfjs's scalar). */
export function leakyReluGrad(a: Args): TensorInfo | null {
  const alpha = Math.fround((a.attrs as unknown as { alpha: number }).alpha);
  return activationGrad(a, (ex, ...p) => ex.sp_leaky_relu_grad(...p, alpha), (dy, x, dx) => {
    for (let i = 0; i < dx.length; i++) dx[i] = x[i]! > 0 ? dy[i]! : dy[i]! * alpha;
  });
}

/**
 * LeakyRelu forward, x < 0 ? alpha·x : x (float32 alpha, as wasm's own kernel). Native only:
 * wasm's kernel is scalar C, ours SIMD (a JS loop would branch per element).
 */
export function leakyRelu(a: Args): TensorInfo | null {
  const { x } = inputsOf(a);
  const backend = a.backend as WasmBackendLike;
  const ex = nativeOn(backend);
  if (!ex || !x || x.dtype !== 'float32') return null;
  const out = backend.makeOutput([...x.shape], 'float32');
  const v = backend.typedArrayFromHeap(x);
  const y = backend.typedArrayFromHeap(out);
  ex.sp_leaky_relu(v.byteOffset, y.byteOffset, v.length, (a.attrs as unknown as { alpha: number }).alpha);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sum / Mean over axes that are not the last ones

/**
 * Sum (or Mean) of float32 x over a contiguous block of axes followed by at least one kept axis,
 * e.g. [N, H, W, C] -> [N, C] (instance-norm moments) or -> [C] (bias gradients). wasm's kernels
 * first transpose the reduced axes innermost (a full copy with per-element indexing); the native
 * loop reads x in place and sums in the same order (bit-identical). Other cases: null.
 */
export function reduceMid(a: Args, mean: boolean): TensorInfo | null {
  const { x } = inputsOf(a);
  const { axis, keepDims } = a.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (!x || x.dtype !== 'float32') return null;
  const backend = a.backend as WasmBackendLike;
  const ex = nativeOn(backend);
  const shape = x.shape;
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((p, q) => p - q);
  if (!ex || axes.length === 0) return null;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (last - first + 1 !== axes.length || last === shape.length - 1) return null;
  const outer = sizeOf(shape.slice(0, first));
  const mid = sizeOf(shape.slice(first, last + 1));
  const inner = sizeOf(shape.slice(last + 1));
  const outShape = keepDims ? shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : shape.filter((_, i) => i < first || i > last);
  const out = backend.makeOutput(outShape, 'float32');
  if (outer * inner === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  ex.sp_reduce_mid(src.byteOffset, dst.byteOffset, outer, mid, inner, mean ? mid : 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adam: the composite of train/adam.ts in one pass (native sp_adam, SIMD; or plain JS). Every
// step is rounded to float32 as the composite's kernels round it (in JS: fround after each op;
// double rounding is exact for + − × ÷ √ of float32 values), and the scalars are the float32
// tensors the composite would make, so the result is bit-for-bit the composite's.
export function adamUpdate(a: Args): TensorInfo[] | null {
  const { p, m, v, g } = inputsOf(a);
  if (![p, m, v, g].every((t) => t && t.dtype === 'float32' && sizeOf(t.shape) === sizeOf(p!.shape))) return null;
  const { beta1, beta2, epsilon, lrOverC1, c2 } = a.attrs as unknown as AdamUpdateAttrs;
  const f = Math.fround;
  const [b1, ob1, b2, ob2, lr, c, eps] = [beta1, 1 - beta1, beta2, 1 - beta2, lrOverC1, c2, epsilon].map(f) as number[];
  const backend = a.backend as WasmBackendLike;
  const outs = [0, 1, 2].map(() => backend.makeOutput([...p!.shape], 'float32'));
  const [P, M, V, G, P2, M2, V2] = [p!, m!, v!, g!, ...outs].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as Float32Array[];
  const ex = nativeOn(backend);
  if (ex) {
    ex.sp_adam(P!.byteOffset, M!.byteOffset, V!.byteOffset, G!.byteOffset, P2!.byteOffset, M2!.byteOffset, V2!.byteOffset, P!.length, b1!, ob1!, b2!, ob2!, lr!, c!, eps!);
    return outs;
  }
  for (let i = 0; i < P!.length; i++) {
    const gi = G![i]!;
    const mi = f(f(M![i]! * b1!) + f(gi * ob1!));
    const vi = f(f(V![i]! * b2!) + f(f(gi * gi) * ob2!));
    const update = f(f(mi * lr!) / f(f(Math.sqrt(f(vi / c!))) + eps!));
    M2![i] = mi;
    V2![i] = vi;
    P2![i] = P![i]! - update;
  }
  return outs;
}
