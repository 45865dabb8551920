// Gradient kernels the tfjs 4.22 wasm backend lacks, built from kernels it has.
//
// tfjs-backend-wasm ships forward kernels (XNNPACK) but not every backward one. Training our
// generator/discriminator needs Conv2DBackpropFilter, and backpropagating through the MobileNetV2
// loss network needs DepthwiseConv2dNativeBackpropInput. Both are missing, so tf.grads throws
// "Kernel '...' not registered for backend 'wasm'". Also added: DepthwiseConv2dNativeBackpropFilter
// and UnsortedSegmentSum (gather's gradient); and wasm's own Conv2DBackpropInput (a naive loop,
// 8-13x slower) is replaced by default. Each kernel below is a composition of wasm kernels
// (Conv2D, DepthwiseConv2dNative, Transpose, Reverse, BatchMatMul, ...) called directly through
// their kernelFuncs, so the work stays inside wasm and intermediates are freed eagerly.
// Timings and rationale: docs/backends.md.
//
// Universal code: no Node imports. Nothing here imports the wasm backend package: the kernels are
// looked up in the registry when they run, which is only ever on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
} from '../kernel-names.js';

type TensorInfo = tf.TensorInfo;
type Shape4 = [number, number, number, number];
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

const BACKEND = 'wasm';

/** The wasm backend's data methods we rely on (every kernel output owns one reference). */
interface RefCountedBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Runs wasm kernels and frees everything it produced except the one result handed back. A kernel
 * that shares its input's data (Reshape) takes a reference, so disposing is always right.
 */
class KernelScope {
  private readonly owned: TensorInfo[] = [];
  constructor(private readonly backend: object) {}

  run(kernelName: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object = {}): TensorInfo {
    const config = tf.getKernel(kernelName, BACKEND);
    if (!config) throw new Error(`stylepack wasm gradients: kernel '${kernelName}' is not registered for 'wasm'`);
    const out = config.kernelFunc({
      inputs: inputs as unknown as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as unknown as tf.NamedAttrMap,
    });
    if (Array.isArray(out)) throw new Error(`stylepack wasm gradients: kernel '${kernelName}' returned several outputs`);
    this.owned.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Runs `body`, frees every intermediate, and returns the result (which the caller then owns). */
  static use(backend: object, body: (s: KernelScope) => TensorInfo): TensorInfo {
    const scope = new KernelScope(backend);
    let result: TensorInfo | undefined;
    try {
      result = body(scope);
      return result;
    } finally {
      const b = backend as RefCountedBackend;
      for (const t of scope.owned) if (t !== result) b.disposeData(t.dataId);
    }
  }
}

function assertNHWC(dataFormat: unknown, kernel: string): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`stylepack wasm ${kernel}: only NHWC is supported, got dataFormat '${String(dataFormat)}'`);
  }
}

function assertDilationsOne(dilations: unknown, kernel: string): void {
  if (dilations == null) return;
  const d = typeof dilations === 'number' ? [dilations, dilations] : (dilations as number[]);
  if (d.some((v) => v !== 1)) throw new Error(`stylepack wasm ${kernel}: dilations must be 1, got ${String(dilations)}`);
}

/**
 * Pads (or, for negative amounts, crops) H and W of an NHWC tensor so that a stride-1 'valid'
 * convolution can run on it. Positive amounts become the conv's explicit padding (no copy);
 * negative ones crop with a Slice.
 */
function cropForPadding(
  s: KernelScope,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: TensorInfo; pad: ExplicitPad | 'valid' } {
  let out = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = x.shape as Shape4;
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    out = s.run('Slice', { x }, {
      begin: [0, t, l, 0],
      size: [n, h - t - Math.max(0, -bottom), w - l - Math.max(0, -right), c],
    });
  }
  const [pt, pb, pl, pr] = [top, bottom, left, right].map((v) => Math.max(0, v));
  const pad: ExplicitPad | 'valid' =
    pt === 0 && pb === 0 && pl === 0 && pr === 0 ? 'valid' : [[0, 0], [pt, pb], [pl, pr], [0, 0]];
  return { x: out, pad };
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh*sh+kh, ow*sw+kw, ci] · dy[n,oh,ow,co]
// This is ONE stride-1 conv with dilation = forward stride, with batch and channel axes swapped:
// image = x as [Ci, H, W, N], filter = dy as [OH, OW, N, Co], output [Ci, KH, KW, Co].
// ---------------------------------------------------------------------------------------------


export function conv2DBackpropFilterWasm(x: TensorInfo, dy: TensorInfo, attrs: Conv2DBackpropFilterAttrs, backend: object): TensorInfo {
  assertNHWC(attrs.dataFormat, 'Conv2DBackpropFilter');
  const xShape = x.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    xShape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const [n, h, w, ci] = xShape;
  const [kh, kw, , co] = attrs.filterShape;
  const [, oh, ow] = dy.shape as Shape4;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Pad exactly to the rows/cols that reach some output: the conv then yields [Ci, KH, KW, Co].
  const bottom = (oh - 1) * sh + kh - h - top;
  const right = (ow - 1) * sw + kw - w - left;

  return KernelScope.use(backend, (s) => {
    const { x: xc, pad } = cropForPadding(s, x, top, bottom, left, right);
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && pad === 'valid') {
      // 1x1, stride 1: a plain matmul, xᵀ·dy over all pixels. (wasm's BatchMatMul is ~10× slower
      // with transposeA than an explicit Transpose followed by a plain product.)
      const a = s.transpose(s.reshape(xc, [n * oh * ow, ci]), [1, 0]);
      const b = s.reshape(dy, [n * oh * ow, co]);
      const prod = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
      return s.reshape(prod, [1, 1, ci, co]);
    }
    const image = s.transpose(xc, [3, 1, 2, 0]); // [Ci, H', W', N]
    const kernel = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    const g = s.run('Conv2D', { x: image, filter: kernel }, {
      strides: [1, 1],
      pad,
      dilations: [sh, sw],
      dataFormat: 'NHWC',
    }); // [Ci, KH, KW, Co]
    return s.transpose(g, [1, 2, 0, 3]);
  });
}

// ---------------------------------------------------------------------------------------------
// Input gradients (Conv2DBackpropInput, DepthwiseConv2dNativeBackpropInput) as forward convs.
//
// dx[h] = Σ_{oh,kh : oh·s + kh = h + pt} dy[oh] · W[kh]   (per axis; pt = top padding).
// Write the padded row h + pt = q·s + r (0 ≤ r < s). Only taps kh = r + j·s contribute, with
// oh = q − j, so every phase r is a stride-1 correlation of dy with the sub-filter W[r::s]
// rotated 180° (and, for conv2d, in/out channels swapped). The s² phase outputs are then
// interleaved. For stride 1 this is the usual single "full" convolution. Compared with
// convolving a zero-dilated dy, no multiply-by-zero work is done (4× less for stride 2).
// ---------------------------------------------------------------------------------------------

interface InputGradGeometry {
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
}

/**
 * Shared by conv2d and depthwise: `subFilter` turns the (strided-sliced) filter taps of one phase
 * into the filter for `conv`, which runs a stride-1 conv of dy with the given explicit padding and
 * returns [N, Q_h, Q_w, C_out]. Returns dx without any channel post-processing.
 */
function inputGradByPhases(
  s: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  g: InputGradGeometry,
  subFilter: (taps: TensorInfo) => TensorInfo,
  conv: (src: TensorInfo, f: TensorInfo, pad: ExplicitPad | 'valid') => TensorInfo,
  outChannels: number,
): TensorInfo {
  const [n, oh, ow] = dy.shape as Shape4;
  const fShape = filter.shape as Shape4;
  // Rows q of the padded input, common to all phases: q·s + r covers [pt, pt + H).
  const qh0 = Math.floor(g.pt / g.sh);
  const qh1 = Math.floor((g.pt + g.h - 1) / g.sh);
  const qw0 = Math.floor(g.pl / g.sw);
  const qw1 = Math.floor((g.pl + g.w - 1) / g.sw);
  const qh = qh1 - qh0 + 1;
  const qw = qw1 - qw0 + 1;

  const phases: TensorInfo[] = [];
  for (let rh = 0; rh < g.sh; rh++) {
    for (let rw = 0; rw < g.sw; rw++) {
      const jh = Math.max(0, Math.ceil((g.kh - rh) / g.sh));
      const jw = Math.max(0, Math.ceil((g.kw - rw) / g.sw));
      if (jh === 0 || jw === 0) {
        // No filter tap lands on this phase (e.g. 1x1 kernel, stride 2): its gradient is zero.
        phases.push(s.run('Fill', [], { shape: [n, qh, qw, outChannels], value: 0, dtype: 'float32' }));
        continue;
      }
      const taps =
        g.sh === 1 && g.sw === 1
          ? filter
          : s.run('StridedSlice', { x: filter }, {
              begin: [rh, rw, 0, 0],
              end: fShape,
              strides: [g.sh, g.sw, 1, 1],
              beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
            });
      const flipped = jh === 1 && jw === 1 ? taps : s.run('Reverse', { x: taps }, { dims: [0, 1] });
      // Output index i ↔ q = q0 + i: pad dy by (J−1−q0) before and (q1+1−OH) after.
      const { x: src, pad } = cropForPadding(s, dy, jh - 1 - qh0, qh1 + 1 - oh, jw - 1 - qw0, qw1 + 1 - ow);
      phases.push(conv(src, subFilter(flipped), pad));
    }
  }

  let full: TensorInfo;
  if (phases.length === 1) {
    full = phases[0]!;
  } else {
    // Interleave with rank-3 transposes only (wasm's rank-5/6 Transpose is ~50× slower):
    // columns: sw × [N·Qh·Qw, C] → [N·Qh·Qw, sw, C]; rows: sh × [N·Qh, Qw·sw·C] → [N·Qh, sh, Qw·sw·C].
    const cells = n * qh * qw;
    const rowLen = qw * g.sw * outChannels;
    const rows: TensorInfo[] = [];
    for (let rh = 0; rh < g.sh; rh++) {
      const cols = phases.slice(rh * g.sw, (rh + 1) * g.sw).map((p) => s.reshape(p, [1, cells, outChannels]));
      const row = cols.length === 1 ? cols[0]! : s.transpose(s.run('Concat', cols, { axis: 0 }), [1, 0, 2]);
      rows.push(s.reshape(row, [1, n * qh, rowLen]));
    }
    const all = rows.length === 1 ? rows[0]! : s.transpose(s.run('Concat', rows, { axis: 0 }), [1, 0, 2]);
    full = s.reshape(all, [n, qh * g.sh, qw * g.sw, outChannels]);
  }
  // Assembled row a ↔ h = a − (pt mod s).
  const top = g.pt - qh0 * g.sh;
  const left = g.pl - qw0 * g.sw;
  if (top === 0 && left === 0 && full.shape[1] === g.h && full.shape[2] === g.w) return full;
  return s.run('Slice', { x: full }, { begin: [0, top, left, 0], size: [n, g.h, g.w, outChannels] });
}


export function conv2DBackpropInputWasm(dy: TensorInfo, filter: TensorInfo, attrs: Conv2DBackpropInputAttrs, backend: object): TensorInfo {
  assertNHWC(attrs.dataFormat, 'Conv2DBackpropInput');
  const filterShape = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const [, h, w, ci] = attrs.inputShape;
  const [kh, kw] = filterShape;
  const geom: InputGradGeometry = {
    h, w, kh, kw, sh: info.strideHeight, sw: info.strideWidth, pt: info.padInfo.top, pl: info.padInfo.left,
  };
  return KernelScope.use(backend, (s) =>
    inputGradByPhases(
      s, dy, filter, geom,
      (flipped) => s.transpose(flipped, [0, 1, 3, 2]), // [J,J,Ci,Co] → [J,J,Co,Ci]
      (src, f, pad) => s.run('Conv2D', { x: src, filter: f }, { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' }),
      ci,
    ));
}


/** For channel multiplier M > 1 the filter runs as [J,J,C·M,1] and the M outputs per channel are summed. */
export function depthwiseBackpropInputWasm(dy: TensorInfo, filter: TensorInfo, attrs: DepthwiseConv2dNativeBackpropInputAttrs, backend: object): TensorInfo {
  assertDilationsOne(attrs.dilations, 'DepthwiseConv2dNativeBackpropInput');
  const filterShape = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
  const [n, h, w, c] = attrs.inputShape;
  const [kh, kw, , m] = filterShape;
  const geom: InputGradGeometry = {
    h, w, kh, kw, sh: info.strideHeight, sw: info.strideWidth, pt: info.padInfo.top, pl: info.padInfo.left,
  };
  return KernelScope.use(backend, (s) => {
    const dx = inputGradByPhases(
      s, dy, filter, geom,
      (flipped) => (m === 1 ? flipped : s.reshape(flipped, [flipped.shape[0]!, flipped.shape[1]!, c * m, 1])),
      (src, f, pad) => s.run('DepthwiseConv2dNative', { x: src, filter: f }, { strides: [1, 1], pad, dilations: [1, 1] }),
      c * m,
    );
    if (m === 1) return dx;
    return s.run('Sum', { x: s.reshape(dx, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2dNativeBackpropFilter: one strided slice of x per filter tap, times dy, summed
// over batch and space. Our loss network's depthwise weights are constants, so this only exists
// so that a trainable depthwise conv still works on wasm; it is correct, not fast.
// ---------------------------------------------------------------------------------------------


export function depthwiseBackpropFilterWasm(x: TensorInfo, dy: TensorInfo, attrs: DepthwiseConv2dNativeBackpropFilterAttrs, backend: object): TensorInfo {
  assertDilationsOne(attrs.dilations, 'DepthwiseConv2dNativeBackpropFilter');
  const xShape = x.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    xShape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast');
  const [n, h, w, c] = xShape;
  const [kh, kw, , m] = attrs.filterShape;
  const [, oh, ow] = dy.shape as Shape4;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = Math.max(0, (oh - 1) * sh + kh - h - top);
  const right = Math.max(0, (ow - 1) * sw + kw - w - left);

  return KernelScope.use(backend, (s) => {
    const xp = top || bottom || left || right
      ? s.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
      : x;
    const dy5 = m === 1 ? dy : s.reshape(dy, [n, oh, ow, c, m]);
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const xs = s.run('StridedSlice', { x: xp }, {
          begin: [0, i, j, 0],
          end: [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c],
          strides: [1, sh, sw, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        }); // [N, OH, OW, C]
        const xs5 = m === 1 ? xs : s.reshape(xs, [n, oh, ow, c, 1]);
        const prod = s.run('Multiply', { a: xs5, b: dy5 });
        taps.push(s.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false })); // [C] or [C, M]
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : s.run('Pack', taps, { axis: 0 });
    return s.reshape(stacked, [kh, kw, c, m]);
  });
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum (the gradient of gather): oneHot(ids)ᵀ · data.
// ---------------------------------------------------------------------------------------------

export function unsortedSegmentSumWasm(x: TensorInfo, segmentIds: TensorInfo, numSegments: number, backend: object): TensorInfo {
  const idsSize = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(segmentIds.shape.length);
  const restSize = rest.reduce((a, b) => a * b, 1);
  return KernelScope.use(backend, (s) => {
    const ids = segmentIds.dtype === 'int32' ? segmentIds : s.run('Cast', { x: segmentIds }, { dtype: 'int32' });
    const flatIds = s.reshape(ids, [idsSize]);
    // wasm's OneHot always writes int32 values, whatever dtype it is asked for: cast explicitly.
    const oneHotInt = s.run('OneHot', { indices: flatIds }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
    const oneHot = s.run('Cast', { x: oneHotInt }, { dtype: 'float32' });
    const xf = x.dtype === 'float32' ? x : s.run('Cast', { x }, { dtype: 'float32' });
    const data = s.reshape(xf, [idsSize, restSize]);
    const oneHotT = s.transpose(oneHot, [1, 0]); // explicit: transposeA is slow on wasm
    const summed = s.run('BatchMatMul', { a: oneHotT, b: data }, { transposeA: false, transposeB: false });
    const shaped = s.reshape(summed, [numSegments, ...rest]);
    return x.dtype === 'float32' ? shaped : s.run('Cast', { x: shaped }, { dtype: x.dtype });
  });
}

// ---------------------------------------------------------------------------------------------
// Kernel functions
// ---------------------------------------------------------------------------------------------

type KernelArgs = Parameters<tf.KernelFunc>[0];

function inputsOf(args: KernelArgs): Record<string, TensorInfo> {
  return args.inputs as unknown as Record<string, TensorInfo>;
}

/** The composed kernels by kernel name (registered by kernels/register-wasm.ts). */
export const COMPOSED_WASM_KERNELS = {
  Conv2DBackpropFilter: ((args) => {
    const { x, dy } = inputsOf(args);
    return conv2DBackpropFilterWasm(x!, dy!, args.attrs as unknown as Conv2DBackpropFilterAttrs, args.backend);
  }) as tf.KernelFunc,
  Conv2DBackpropInput: ((args) => {
    const { dy, filter } = inputsOf(args);
    return conv2DBackpropInputWasm(dy!, filter!, args.attrs as unknown as Conv2DBackpropInputAttrs, args.backend);
  }) as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: ((args) => {
    const { dy, filter } = inputsOf(args);
    return depthwiseBackpropInputWasm(dy!, filter!, args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs, args.backend);
  }) as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: ((args) => {
    const { x, dy } = inputsOf(args);
    return depthwiseBackpropFilterWasm(x!, dy!, args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs, args.backend);
  }) as tf.KernelFunc,
  UnsortedSegmentSum: ((args) => {
    const { x, segmentIds } = inputsOf(args);
    const { numSegments } = args.attrs as unknown as { numSegments: number };
    return unsortedSegmentSumWasm(x!, segmentIds!, numSegments, args.backend);
  }) as tf.KernelFunc,
};
