// stylepack fast kernels: fused instance norm (forward and backward) for NHWC float32, with the
// per-sample affine (conditional IN) and an optional ReLU / leaky ReLU folded in. Built into the
// same kernels.wasm as kernels.c (build.sh); same calling convention: void fn(const int *args,
// int tid, int nth), tasks taken from the atomic counter at args[31].
//
// Layout: sample n is HW rows of C contiguous floats. Each sample is cut into K chunks of R rows;
// a task is one (n, chunk) pair, so both threads work even when N = 1. Every entry point runs in
// two phases, one call each (the call's return is the barrier between them):
//   0: per-chunk column sums into `parts` (N*K tasks); the task that finishes a sample's last
//      chunk (atomic counter per sample) then combines that sample's chunks per c, in double;
//   1: write the output chunk by chunk (N*K tasks).
// Two barriers rather than three: on a shared machine each barrier can wait for a descheduled
// thread. Chunks and their combination order are fixed, so results do not depend on threads.
// Vectorised over C (4 floats per v128) with a scalar tail for C % 4.
#include <wasm_simd128.h>

typedef float f32;

// As in kernels.c: pointers are byte offsets in the shared memory; tasks from an atomic counter.
#define P(i) ((f32 *)(unsigned long)(unsigned)args[i])
#define NEXT_TASK() __atomic_fetch_add((int *)(unsigned long)(unsigned)args[31], 1, __ATOMIC_RELAXED)

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_LEAKY = 2 };

static inline f32 bits_f32(int v) {
  union { int i; f32 f; } u = {v};
  return u.f;
}

static inline int imin(int a, int b) { return a < b ? a : b; }

// Counts a finished chunk of sample n; true for the task that finished the sample's last one.
static inline int last_chunk(int *done, int n, int K) {
  return __atomic_add_fetch(done + n, 1, __ATOMIC_ACQ_REL) == K;
}

static inline double sqrt_f64(double v) { return __builtin_sqrt(v); }

// Rows [r0, r1) of chunk k of R rows in a sample of HW rows.
static inline void chunk_rows(int k, int R, int HW, int *r0, int *r1) {
  *r0 = k * R;
  *r1 = imin(HW, *r0 + R);
}

// ---- activation (y = f(v)) and its derivative expressed through y (y > 0 iff v > 0) ----------

static inline v128_t act_v(v128_t v, int act, v128_t alpha) {
  if (act == ACT_LINEAR) return v;
  v128_t pos = wasm_f32x4_gt(v, wasm_f32x4_splat(0));
  v128_t neg = act == ACT_RELU ? wasm_f32x4_splat(0) : wasm_f32x4_mul(v, alpha);
  return wasm_v128_bitselect(v, neg, pos);
}

static inline f32 act_s(f32 v, int act, f32 alpha) {
  if (act == ACT_LINEAR || v > 0) return v;
  return act == ACT_RELU ? 0.f : v * alpha;
}

// dy masked by the activation's slope: dy where y > 0, else alpha*dy (0 for ReLU).
static inline v128_t dact_v(v128_t dy, v128_t y, int act, v128_t alpha) {
  if (act == ACT_LINEAR) return dy;
  v128_t pos = wasm_f32x4_gt(y, wasm_f32x4_splat(0));
  return wasm_v128_bitselect(dy, wasm_f32x4_mul(dy, alpha), pos);
}

static inline f32 dact_s(f32 dy, f32 y, int act, f32 alpha) {
  if (act == ACT_LINEAR || y > 0) return dy;
  return dy * alpha;
}

// ---- column reductions over `rows` rows of C floats --------------------------------------------

// sum[c] = Σ_r x[r, c]
static void col_sum(const f32 *x, int rows, int C, f32 *sum) {
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t s0 = wasm_f32x4_splat(0), s1 = s0;
    int r = 0;
    for (; r + 2 <= rows; r += 2) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(x + r * C + c));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(x + (r + 1) * C + c));
    }
    if (r < rows) s0 = wasm_f32x4_add(s0, wasm_v128_load(x + r * C + c));
    wasm_v128_store(sum + c, wasm_f32x4_add(s0, s1));
  }
  for (; c < C; c++) {
    f32 s = 0.f;
    for (int r = 0; r < rows; r++) s += x[r * C + c];
    sum[c] = s;
  }
}

// s1[c] = Σ_r (x[r, c] − a[c]), s2[c] = Σ_r (x[r, c] − a[c])²: sums about a shift `a` near the
// mean, so they stay accurate when |mean| ≫ std (x − a is then exact in float32).
static void col_shifted_sums(const f32 *x, int rows, int C, const f32 *a, f32 *s1, f32 *s2) {
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t m = wasm_v128_load(a + c), s = wasm_f32x4_splat(0), q = s;
    for (int r = 0; r < rows; r++) {
      v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * C + c), m);
      s = wasm_f32x4_add(s, d);
      q = wasm_f32x4_add(q, wasm_f32x4_mul(d, d));
    }
    wasm_v128_store(s1 + c, s);
    wasm_v128_store(s2 + c, q);
  }
  for (; c < C; c++) {
    f32 s = 0.f, q = 0.f;
    for (int r = 0; r < rows; r++) { f32 d = x[r * C + c] - a[c]; s += d; q += d * d; }
    s1[c] = s;
    s2[c] = q;
  }
}

// x − mean with the mean as float32 hi + lo (see norm_combine).
static inline v128_t sub_mean_v(v128_t x, const f32 *hi, const f32 *lo) {
  return wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_v128_load(hi)), wasm_v128_load(lo));
}

// sdy[c] = Σ_r g, sdx[c] = Σ_r g·(x − (mean + lo)) with g = dy through the activation's slope.
static void col_grad_sums(const f32 *x, const f32 *dy, const f32 *y, int rows, int C, const f32 *mean,
                          const f32 *lo, int act, f32 alpha, f32 *sdy, f32 *sdx) {
  v128_t av = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0);
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t s = zero, t = zero;
    for (int r = 0; r < rows; r++) {
      int i = r * C + c;
      v128_t g = dact_v(wasm_v128_load(dy + i), act ? wasm_v128_load(y + i) : zero, act, av);
      s = wasm_f32x4_add(s, g);
      t = wasm_f32x4_add(t, wasm_f32x4_mul(g, sub_mean_v(wasm_v128_load(x + i), mean + c, lo + c)));
    }
    wasm_v128_store(sdy + c, s);
    wasm_v128_store(sdx + c, t);
  }
  for (; c < C; c++) {
    f32 s = 0.f, t = 0.f;
    for (int r = 0; r < rows; r++) {
      int i = r * C + c;
      f32 g = dact_s(dy[i], act ? y[i] : 0.f, act, alpha);
      s += g;
      t += g * (x[i] - mean[c] - lo[c]);
    }
    sdy[c] = s;
    sdx[c] = t;
  }
}

// ---------------------------------------------------------------------------------------------
// Forward: y = act((x − mean)·rstd·gamma + beta), rstd = 1/sqrt(var + eps), biased variance.
// args: 0 phase, 1 N, 2 HW, 3 C, 4 R (rows per chunk), 5 K (chunks per sample),
//  6 x, 7 gamma, 8 gammaStride (C, or 0 = one row for all samples), 9 beta, 10 betaStride,
//  11 y, 12 mean [2,N,C] (hi, lo), 13 rstd [N,C], 14 parts [N,K,3,C] (chunk shift a, Σ(x − a),
//  Σ(x − a)²), 15 scale [N,C] (gamma·rstd), 16 eps (float bits), 17 act, 18 alpha (float bits),
//  19 done [N] (int32, zeroed by the caller)
// Precision when |mean| ≫ std: each chunk's sums are taken about its own rough mean a (second
// pass, chunk in cache); chunks merge in double (Chan et al.); the mean is kept as float32 hi + lo,
// so x − mean = (x − hi) − lo loses nothing to the mean's rounding.
// ---------------------------------------------------------------------------------------------
static void norm_combine(const int *args, int n) {
  int N = args[1], HW = args[2], C = args[3], R = args[4], K = args[5];
  const f32 *gamma = P(7) + n * args[8], *parts = P(14) + (long)n * K * 3 * C;
  f32 *mean = P(12), *rstd = P(13), *scale = P(15);
  double eps = bits_f32(args[16]);
  for (int c = 0; c < C; c++) {
    double m = 0, m2 = 0, cnt = 0;
    for (int k = 0; k < K; k++) {
      int r0, r1;
      chunk_rows(k, R, HW, &r0, &r1);
      const f32 *p = parts + (long)k * 3 * C;
      double nk = r1 - r0, s1 = p[C + c], mk = p[c] + s1 / nk, m2k = p[2 * C + c] - s1 * s1 / nk;
      double tot = cnt + nk, d = mk - m;
      m += d * nk / tot;
      m2 += m2k + d * d * cnt * nk / tot;
      cnt = tot;
    }
    double var = m2 > 0 ? m2 / HW : 0;
    f32 hi = (f32)m, rs = (f32)(1.0 / sqrt_f64(var + eps));
    mean[n * C + c] = hi;
    mean[N * C + n * C + c] = (f32)(m - hi);
    rstd[n * C + c] = rs;
    scale[n * C + c] = gamma[c] * rs;
  }
}

static void norm_stats(const int *args) {
  int N = args[1], HW = args[2], C = args[3], R = args[4], K = args[5];
  const f32 *x = P(6); f32 *parts = P(14); int *done = (int *)P(19);
  for (int t; (t = NEXT_TASK()) < N * K;) {
    int n = t / K, k = t % K, r0, r1;
    chunk_rows(k, R, HW, &r0, &r1);
    const f32 *xs = x + ((long)n * HW + r0) * C;
    f32 *a = parts + (long)t * 3 * C;
    col_sum(xs, r1 - r0, C, a);
    f32 inv = 1.f / (f32)(r1 - r0);
    for (int c = 0; c < C; c++) a[c] *= inv;
    col_shifted_sums(xs, r1 - r0, C, a, a + C, a + 2 * C);
    if (last_chunk(done, n, K)) norm_combine(args, n);
  }
}

static void norm_apply(const int *args) {
  int N = args[1], HW = args[2], C = args[3], R = args[4], K = args[5];
  const f32 *x = P(6), *beta = P(9); int bs = args[10];
  f32 *y = P(11); const f32 *mean = P(12), *scale = P(15);
  int act = args[17]; f32 alpha = bits_f32(args[18]);
  v128_t av = wasm_f32x4_splat(alpha);
  for (int t; (t = NEXT_TASK()) < N * K;) {
    int n = t / K, k = t % K, r0, r1;
    chunk_rows(k, R, HW, &r0, &r1);
    const f32 *m = mean + n * C, *lo = m + N * C, *s = scale + n * C, *b = beta + n * bs;
    for (int r = r0; r < r1; r++) {
      const f32 *xr = x + ((long)n * HW + r) * C; f32 *yr = y + ((long)n * HW + r) * C;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        v128_t v = sub_mean_v(wasm_v128_load(xr + c), m + c, lo + c);
        v = wasm_f32x4_add(wasm_f32x4_mul(v, wasm_v128_load(s + c)), wasm_v128_load(b + c));
        wasm_v128_store(yr + c, act_v(v, act, av));
      }
      for (; c < C; c++) yr[c] = act_s((xr[c] - m[c] - lo[c]) * s[c] + b[c], act, alpha);
    }
  }
}

__attribute__((export_name("sp_instance_norm"))) void sp_instance_norm(const int *args, int tid, int nth) {
  (void)tid; (void)nth;
  if (args[0] == 0) norm_stats(args);
  else norm_apply(args);
}

// ---------------------------------------------------------------------------------------------
// Backward of the forward above, g = dy·act'(y), xhat = (x − mean)·rstd, M = HW:
//   dbeta = Σ g, dgamma = Σ g·xhat, dx = gamma·rstd/M · (M·g − Σg − xhat·Σ(g·xhat)).
// args: 0 phase, 1 N, 2 HW, 3 C, 4 R, 5 K, 6 x, 7 dy, 8 y (read only when act != 0),
//  9 gamma, 10 gammaStride, 11 betaStride, 12 mean [2,N,C] (hi, lo), 13 rstd, 14 dx, 15 dgamma,
//  16 dbeta, 17 parts [N,K,2,C] (chunk Σg, Σg·(x − mean)), 18 coef [N,5,C] (a, b, d below, then
//  the sample's dgamma, dbeta), 19 act, 20 alpha (float bits), 21 done [N] (int32, zeroed)
// dgamma/dbeta are summed over samples into one row when gamma/beta were broadcast (stride 0):
// by the task that takes chunk 0 in phase 1, in sample order (deterministic).
// ---------------------------------------------------------------------------------------------

// Per sample: a = gamma·rstd, b = Σg/M, d = rstd²·Σg(x − mean)/M, so dx = a·(g − b − (x − mean)·d).
static void grad_combine(const int *args, int n) {
  int HW = args[2], C = args[3], K = args[5];
  const f32 *gamma = P(9) + n * args[10], *rstd = P(13) + n * C, *parts = P(17) + (long)n * K * 2 * C;
  f32 *co = P(18) + (long)n * 5 * C;
  for (int c = 0; c < C; c++) {
    double sdy = 0, sdx = 0;
    for (int k = 0; k < K; k++) {
      sdy += parts[(long)k * 2 * C + c];
      sdx += parts[(long)k * 2 * C + C + c];
    }
    double rs = rstd[c];
    co[c] = gamma[c] * (f32)rs;
    co[C + c] = (f32)(sdy / HW);
    co[2 * C + c] = (f32)(rs * rs * sdx / HW);
    co[3 * C + c] = (f32)(sdx * rs);
    co[4 * C + c] = (f32)sdy;
  }
}

static void grad_stats(const int *args) {
  int N = args[1], HW = args[2], C = args[3], R = args[4], K = args[5];
  const f32 *x = P(6), *dy = P(7), *y = P(8), *mean = P(12); f32 *parts = P(17); int *done = (int *)P(21);
  int act = args[19]; f32 alpha = bits_f32(args[20]);
  for (int t; (t = NEXT_TASK()) < N * K;) {
    int n = t / K, k = t % K, r0, r1;
    chunk_rows(k, R, HW, &r0, &r1);
    long off = ((long)n * HW + r0) * C;
    f32 *sdy = parts + (long)t * 2 * C;
    col_grad_sums(x + off, dy + off, y + off, r1 - r0, C, mean + n * C, mean + N * C + n * C, act, alpha, sdy, sdy + C);
    if (last_chunk(done, n, K)) grad_combine(args, n);
  }
}

// dgamma, dbeta from the per-sample sums in coef rows 3 and 4 (summed when broadcast).
static void grad_params(const int *args) {
  int N = args[1], C = args[3], gs = args[10], bs = args[11];
  const f32 *coef = P(18); f32 *dgamma = P(15), *dbeta = P(16);
  for (int i = 0; i < (gs ? N : 1) * C; i++) dgamma[i] = 0.f;
  for (int i = 0; i < (bs ? N : 1) * C; i++) dbeta[i] = 0.f;
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++) {
      dgamma[n * gs + c] += coef[((long)n * 5 + 3) * C + c];
      dbeta[n * bs + c] += coef[((long)n * 5 + 4) * C + c];
    }
}

static void grad_apply(const int *args) {
  int N = args[1], HW = args[2], C = args[3], R = args[4], K = args[5];
  const f32 *x = P(6), *dy = P(7), *y = P(8), *mean = P(12), *coef = P(18); f32 *dx = P(14);
  int act = args[19]; f32 alpha = bits_f32(args[20]);
  v128_t av = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0);
  for (int t; (t = NEXT_TASK()) < N * K;) {
    if (t == 0) grad_params(args);
    int n = t / K, k = t % K, r0, r1;
    chunk_rows(k, R, HW, &r0, &r1);
    const f32 *m = mean + n * C, *lo = m + N * C, *a = coef + (long)n * 5 * C, *b = a + C, *d = b + C;
    for (int r = r0; r < r1; r++) {
      long i0 = ((long)n * HW + r) * C;
      const f32 *xr = x + i0, *dyr = dy + i0, *yr = y + i0; f32 *dxr = dx + i0;
      int c = 0;
      for (; c + 4 <= C; c += 4) {
        v128_t g = dact_v(wasm_v128_load(dyr + c), act ? wasm_v128_load(yr + c) : zero, act, av);
        v128_t xm = sub_mean_v(wasm_v128_load(xr + c), m + c, lo + c);
        v128_t v = wasm_f32x4_sub(wasm_f32x4_sub(g, wasm_v128_load(b + c)), wasm_f32x4_mul(xm, wasm_v128_load(d + c)));
        wasm_v128_store(dxr + c, wasm_f32x4_mul(wasm_v128_load(a + c), v));
      }
      for (; c < C; c++) {
        f32 g = dact_s(dyr[c], act ? yr[c] : 0.f, act, alpha);
        dxr[c] = a[c] * (g - b[c] - (xr[c] - m[c] - lo[c]) * d[c]);
      }
    }
  }
}

__attribute__((export_name("sp_instance_norm_grad"))) void sp_instance_norm_grad(const int *args, int tid, int nth) {
  (void)tid; (void)nth;
  if (args[0] == 0) grad_stats(args);
  else grad_apply(args);
}
