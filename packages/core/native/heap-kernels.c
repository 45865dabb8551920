// stylepack heap kernels: elementwise gradients and the MirrorPad gradient, run single-threaded
// directly on tfjs-backend-wasm's own memory (imported; no copies in or out). Used by
// src/kernels/fast-wasm-heap.ts. Build: build.sh (heap-kernels.wasm).
//
// The module shares tfjs's memory, so it must never write anywhere but the outputs it is given:
// no data segments, no static variables, and no stack use (every function here is a leaf with a
// few scalars; build.sh checks the compiled code never touches __stack_pointer).
#include <wasm_simd128.h>

typedef float f32;

static inline v128_t nan_where_nan(v128_t m, v128_t x) {
  // tfjs's step(NaN) is NaN: keep x's NaN in the mask so dy * mask is NaN.
  return wasm_v128_bitselect(x, m, wasm_f32x4_ne(x, x));
}

// dx = dy * step(x); step(x) = x > 0 ? 1 : 0, NaN for NaN (tfjs Relu_grad).
void sp_relu_grad(const f32 *dy, const f32 *x, f32 *dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.f), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t m = nan_where_nan(wasm_v128_and(wasm_f32x4_gt(v, zero), one), v);
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), m));
  }
  for (; i < n; i++) {
    f32 v = x[i];
    dx[i] = dy[i] * (v != v ? v : v > 0.f ? 1.f : 0.f);
  }
}

// dx = dy * ((x <= 6) * step(x)) (tfjs Relu6_grad): 1 on (0, 6], 0 elsewhere, NaN for NaN.
void sp_relu6_grad(const f32 *dy, const f32 *x, f32 *dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.f), zero = wasm_f32x4_splat(0.f), six = wasm_f32x4_splat(6.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t in = wasm_v128_and(wasm_f32x4_gt(v, zero), wasm_f32x4_le(v, six));
    v128_t m = nan_where_nan(wasm_v128_and(in, one), v);
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), m));
  }
  for (; i < n; i++) {
    f32 v = x[i];
    dx[i] = dy[i] * (v != v ? v : (v > 0.f && v <= 6.f) ? 1.f : 0.f);
  }
}

// dx = x > 0 ? dy : dy * alpha (tfjs LeakyRelu_grad: where(greater(x, 0), dy, mul(dy, alpha))).
void sp_leaky_relu_grad(const f32 *dy, const f32 *x, f32 *dx, int n, f32 alpha) {
  const v128_t a = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t g = wasm_v128_load(dy + i);
    v128_t pos = wasm_f32x4_gt(wasm_v128_load(x + i), zero);
    wasm_v128_store(dx + i, wasm_v128_bitselect(g, wasm_f32x4_mul(g, a), pos));
  }
  for (; i < n; i++) dx[i] = x[i] > 0.f ? dy[i] : dy[i] * alpha;
}

// y = x < 0 ? alpha * x : x (tfjs LeakyRelu; NaN and -0 pass through).
void sp_leaky_relu(const f32 *x, f32 *y, int n, f32 alpha) {
  const v128_t a = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0.f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(y + i, wasm_v128_bitselect(wasm_f32x4_mul(v, a), v, wasm_f32x4_lt(v, zero)));
  }
  for (; i < n; i++) y[i] = x[i] < 0.f ? alpha * x[i] : x[i];
}

// MirrorPad gradient, folded exactly as backend/gradient-fixes.ts's composite does, so the sums
// round identically: per axis (H, then W), x index i gets (centre + before-part) + after-part.
// Padded index of the before-part copy of x index i along an axis, or -1 if none.
static inline int before_copy(int i, int lo, int shift) {
  int p = lo - 1 + shift - i;
  return p >= 0 && p < lo ? p : -1;
}
// Padded index of the after-part copy of x index i, or -1 if none.
static inline int after_copy(int i, int lo, int hi, int len, int shift) {
  int p = lo + 2 * len - 1 - shift - i;
  return p >= lo + len && p < lo + len + hi ? p : -1;
}

// (centre + before) + after along H, for padded column `col` of dy rows r0 (centre), r1, r2
// (NULL when absent), channels [k, k+4).
static inline v128_t fold_h(const f32 *r0, const f32 *r1, const f32 *r2, int col, int k) {
  v128_t v = wasm_v128_load(r0 + col + k);
  if (r1) v = wasm_f32x4_add(v, wasm_v128_load(r1 + col + k));
  if (r2) v = wasm_f32x4_add(v, wasm_v128_load(r2 + col + k));
  return v;
}
static inline f32 fold_h1(const f32 *r0, const f32 *r1, const f32 *r2, int col, int k) {
  f32 v = r0[col + k];
  if (r1) v += r1[col + k];
  if (r2) v += r2[col + k];
  return v;
}

// dx [n, h, w, c] of MirrorPad on the H and W axes (shift 1 = 'reflect', 0 = 'symmetric'):
// dy [n, h+top+bottom, w+left+right, c]. One pass, each dx element written once.
void sp_mirror_pad_grad_nhwc(const f32 *dy, f32 *dx, int n, int h, int w, int c,
                             int top, int bottom, int left, int right, int shift) {
  const int ph = h + top + bottom, pw = w + left + right;
  for (int b = 0; b < n; b++) {
    const f32 *img = dy + b * ph * pw * c;
    for (int y = 0; y < h; y++) {
      const int yb = before_copy(y, top, shift), ya = after_copy(y, top, bottom, h, shift);
      const f32 *r0 = img + (y + top) * pw * c;
      const f32 *r1 = yb >= 0 ? img + yb * pw * c : 0;
      const f32 *r2 = ya >= 0 ? img + ya * pw * c : 0;
      f32 *out = dx + ((b * h + y) * w) * c;
      for (int x = 0; x < w; x++, out += c) {
        const int xb = before_copy(x, left, shift), xa = after_copy(x, left, right, w, shift);
        const int c0 = (x + left) * c, c1 = xb * c, c2 = xa * c;
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          v128_t v = fold_h(r0, r1, r2, c0, k);
          if (xb >= 0) v = wasm_f32x4_add(v, fold_h(r0, r1, r2, c1, k));
          if (xa >= 0) v = wasm_f32x4_add(v, fold_h(r0, r1, r2, c2, k));
          wasm_v128_store(out + k, v);
        }
        for (; k < c; k++) {
          f32 v = fold_h1(r0, r1, r2, c0, k);
          if (xb >= 0) v += fold_h1(r0, r1, r2, c1, k);
          if (xa >= 0) v += fold_h1(r0, r1, r2, c2, k);
          out[k] = v;
        }
      }
    }
  }
}

// Sum (divisor 0) or Mean (divisor = mid) of x [outer, mid, inner] over `mid` -> y [outer, inner].
// Each output is summed sequentially from 0 in float32, in the same order as tfjs-backend-wasm's
// Sum/Mean (which transpose the reduced axes innermost first), so results are bit-identical; the
// SIMD lanes run along `inner`, which is not reduced.
void sp_reduce_mid(const f32 *x, f32 *y, int outer, int mid, int inner, f32 divisor) {
  for (int o = 0; o < outer; o++) {
    f32 *acc = y + o * inner;
    const f32 *src = x + o * mid * inner;
    for (int k = 0; k < inner; k++) acc[k] = 0.f;
    for (int m = 0; m < mid; m++, src += inner) {
      int k = 0;
      for (; k + 4 <= inner; k += 4) wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_v128_load(src + k)));
      for (; k < inner; k++) acc[k] += src[k];
    }
    if (divisor > 0.f) {
      const v128_t d = wasm_f32x4_splat(divisor);
      int k = 0;
      for (; k + 4 <= inner; k += 4) wasm_v128_store(acc + k, wasm_f32x4_div(wasm_v128_load(acc + k), d));
      for (; k < inner; k++) acc[k] /= divisor;
    }
  }
}

// ---- Copies: MirrorPad forward and nearest x2 upsampling (and its gradient) ----
// Whole rows move with memory.copy (__builtin_memcpy lowers to it with -mbulk-memory; V8 runs it
// at memcpy speed); single pixels of c floats with a SIMD loop (a memory.copy call costs more).

static inline void copy_f32(f32 *dst, const f32 *src, int n) {
  __builtin_memcpy(dst, src, (unsigned long)n * sizeof(f32));
}

static inline void copy_px(f32 *dst, const f32 *src, int c) {
  int k = 0;
  for (; k + 4 <= c; k += 4) wasm_v128_store(dst + k, wasm_v128_load(src + k));
  for (; k < c; k++) dst[k] = src[k];
}

// y [n, h+top+bottom, w+left+right, c] = MirrorPad of x [n, h, w, c] on H and W (shift 1 =
// 'reflect', 0 = 'symmetric'; pads at most len - shift, as tfjs requires). A plain copy: every
// y element is one x element. Centre rows: the x row in one copy plus the reflected pixels each
// side; padded rows: copies of finished centre rows.
void sp_mirror_pad_nhwc(const f32 *x, f32 *y, int n, int h, int w, int c,
                        int top, int bottom, int left, int right, int shift) {
  const int ph = h + top + bottom, row = (w + left + right) * c, xrow = w * c;
  for (int b = 0; b < n; b++) {
    const f32 *img = x + b * h * xrow;
    f32 *out = y + b * ph * row;
    for (int i = 0; i < h; i++) {
      const f32 *src = img + i * xrow;
      f32 *dst = out + (top + i) * row;
      copy_f32(dst + left * c, src, xrow);
      for (int j = 0; j < left; j++) copy_px(dst + j * c, src + (left - 1 + shift - j) * c, c);
      for (int k = 0; k < right; k++) copy_px(dst + (left + w + k) * c, src + (w - 1 - shift - k) * c, c);
    }
    for (int j = 0; j < top; j++) copy_f32(out + j * row, out + (top + top - 1 + shift - j) * row, row);
    for (int k = 0; k < bottom; k++) copy_f32(out + (top + h + k) * row, out + (top + h - 1 - shift - k) * row, row);
  }
}

// y [n, 2h, 2w, c] = nearest-neighbour x2 upsampling of x [n, h, w, c]: each x pixel written
// twice into output row 2i, then row 2i copied to 2i + 1.
void sp_upsample2x_nhwc(const f32 *x, f32 *y, int n, int h, int w, int c) {
  const int xrow = w * c, yrow = 2 * xrow, rows = n * h;
  for (int r = 0; r < rows; r++) {
    const f32 *src = x + r * xrow;
    f32 *dst = y + 2 * r * yrow;
    if ((c & 3) == 0) {
      for (int j = 0; j < w; j++, src += c, dst += 2 * c) {
        for (int k = 0; k < c; k += 4) {
          const v128_t v = wasm_v128_load(src + k);
          wasm_v128_store(dst + k, v);
          wasm_v128_store(dst + c + k, v);
        }
      }
    } else {
      for (int j = 0; j < w; j++, src += c, dst += 2 * c) {
        for (int k = 0; k < c; k++) dst[k] = dst[c + k] = src[k];
      }
    }
    f32 *row0 = y + 2 * r * yrow;
    copy_f32(row0 + yrow, row0, yrow);
  }
}

// dx [n, h, w, c] = sum of dy [n, 2h, 2w, c] over each 2x2 block, in the order of the reshape +
// tile composite's gradient (tfjs Tile_grad adds slices onto zeros: rows first, then columns):
// dx = ((0 + dy[2i][2j]) + dy[2i+1][2j]) + ((0 + dy[2i][2j+1]) + dy[2i+1][2j+1]), bit for bit
// (the 0 + keeps the sign of zero the composite gives).
void sp_upsample2x_grad_nhwc(const f32 *dy, f32 *dx, int n, int h, int w, int c) {
  const int xrow = w * c, yrow = 2 * xrow, rows = n * h;
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int r = 0; r < rows; r++) {
    const f32 *r0 = dy + 2 * r * yrow, *r1 = r0 + yrow;
    f32 *out = dx + r * xrow;
    for (int j = 0; j < w; j++, r0 += 2 * c, r1 += 2 * c, out += c) {
      int k = 0;
      for (; k + 4 <= c; k += 4) {
        const v128_t a = wasm_f32x4_add(wasm_f32x4_add(zero, wasm_v128_load(r0 + k)), wasm_v128_load(r1 + k));
        const v128_t b = wasm_f32x4_add(wasm_f32x4_add(zero, wasm_v128_load(r0 + c + k)), wasm_v128_load(r1 + c + k));
        wasm_v128_store(out + k, wasm_f32x4_add(a, b));
      }
      for (; k < c; k++) out[k] = ((0.f + r0[k]) + r1[k]) + ((0.f + r0[c + k]) + r1[c + k]);
    }
  }
}

// y [rows, c] = x [rows, c] + b [c] (a conv / dense bias; one float32 add per element, so equal
// to any backend's Add bit for bit). wasm's broadcasting Add is slow for small c (RGB: c = 3):
// here c % 4 == 0 runs SIMD per row, c == 3 runs SIMD over the flat array with the bias pattern
// of period 12 in three registers, anything else scalar.
void sp_add_bias(const f32 *x, const f32 *b, f32 *y, int rows, int c) {
  if ((c & 3) == 0) {
    for (int r = 0; r < rows; r++, x += c, y += c) {
      for (int k = 0; k < c; k += 4) wasm_v128_store(y + k, wasm_f32x4_add(wasm_v128_load(x + k), wasm_v128_load(b + k)));
    }
    return;
  }
  int i = 0;
  const int n = rows * c;
  if (c == 3) {
    const v128_t p0 = wasm_f32x4_make(b[0], b[1], b[2], b[0]);
    const v128_t p1 = wasm_f32x4_make(b[1], b[2], b[0], b[1]);
    const v128_t p2 = wasm_f32x4_make(b[2], b[0], b[1], b[2]);
    for (; i + 12 <= n; i += 12) {
      wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(x + i), p0));
      wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_v128_load(x + i + 4), p1));
      wasm_v128_store(y + i + 8, wasm_f32x4_add(wasm_v128_load(x + i + 8), p2));
    }
  }
  for (int k = i % c; i < n; i++) {
    y[i] = x[i] + b[k];
    if (++k == c) k = 0;
  }
}

// One Adam step (train/adam.ts's composite, op for op, each rounded to float32 as its kernels do):
// m' = m·b1 + g·ob1; v' = v·b2 + (g·g)·ob2; p' = p − (m'·lr) / (sqrt(v' / c2) + eps).
// SIMD f32x4 mul/add/div/sqrt are correctly rounded, so results are bitwise the composite's.
void sp_adam(const f32 *p, const f32 *m, const f32 *v, const f32 *g, f32 *p2, f32 *m2, f32 *v2, int n,
             f32 b1, f32 ob1, f32 b2, f32 ob2, f32 lr, f32 c2, f32 eps) {
  const v128_t B1 = wasm_f32x4_splat(b1), OB1 = wasm_f32x4_splat(ob1), B2 = wasm_f32x4_splat(b2), OB2 = wasm_f32x4_splat(ob2);
  const v128_t LR = wasm_f32x4_splat(lr), C2 = wasm_f32x4_splat(c2), EPS = wasm_f32x4_splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, OB1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), OB2));
    v128_t u = wasm_f32x4_div(wasm_f32x4_mul(mi, LR), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, C2)), EPS));
    wasm_v128_store(m2 + i, mi);
    wasm_v128_store(v2 + i, vi);
    wasm_v128_store(p2 + i, wasm_f32x4_sub(wasm_v128_load(p + i), u));
  }
  for (; i < n; i++) {
    f32 gi = g[i];
    f32 mi = m[i] * b1 + gi * ob1;
    f32 vi = v[i] * b2 + (gi * gi) * ob2;
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = p[i] - (mi * lr) / (__builtin_sqrtf(vi / c2) + eps);
  }
}

// dx of a depthwise conv with channel multiplier 1, NHWC, filter [kh, kw, c], stride 1 or 2 per
// axis (sh, sw), top/left padding pt/pl: each dx pixel gathers, tap by tap in filter order, the dy
// pixels whose window covers it, 4 channels at a time. (The loss network's backward; tfjs-wasm has
// no kernel for it, and composing one from its forward kernels ran at ~2 GFLOP/s.)
void sp_depthwise_backprop_input_nhwc(const f32 *dy, const f32 *f, f32 *dx, int n, int h, int w, int c,
                                      int oh, int ow, int kh, int kw, int sh, int sw, int pt, int pl) {
  for (int b = 0; b < n; b++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        f32 *o = dx + ((b * h + y) * w + x) * c;
        int k = 0;
        for (; k + 4 <= c; k += 4) wasm_v128_store(o + k, wasm_f32x4_splat(0.f));
        for (; k < c; k++) o[k] = 0.f;
        for (int i = 0; i < kh; i++) {
          int ny = y + pt - i;
          if (ny < 0 || (sh == 2 && (ny & 1))) continue;
          int oy = sh == 2 ? ny >> 1 : ny;
          if (oy >= oh) continue;
          for (int j = 0; j < kw; j++) {
            int nx = x + pl - j;
            if (nx < 0 || (sw == 2 && (nx & 1))) continue;
            int ox = sw == 2 ? nx >> 1 : nx;
            if (ox >= ow) continue;
            const f32 *g = dy + ((b * oh + oy) * ow + ox) * c, *t = f + (i * kw + j) * c;
            k = 0;
            for (; k + 4 <= c; k += 4)
              wasm_v128_store(o + k, wasm_f32x4_add(wasm_v128_load(o + k), wasm_f32x4_mul(wasm_v128_load(g + k), wasm_v128_load(t + k))));
            for (; k < c; k++) o[k] += g[k] * t[k];
          }
        }
      }
}
