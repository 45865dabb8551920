// stylepack fast kernels: float32 GEMM (WebAssembly SIMD128, packed 4x8 micro-kernel) and the
// convolutions built on it (im2col forward, filter gradient, phase-split input gradient).
// Freestanding C (no libc). Every parallel entry point has the signature
//   void fn(const int *args, int tid, int nth)
// reads its arguments from the shared memory at `args`, and does the share of the work that
// belongs to thread `tid` of `nth` (tasks handed out by an atomic counter, so no other
// synchronisation is needed inside a call). Pointers are byte offsets in the shared memory. Build: build.sh.
#include <wasm_simd128.h>

typedef float f32;
#ifndef MR
#define MR 4
#endif
#define NR 8
#ifndef KU
#define KU 1
#endif
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC (MR * (128 / MR))
#endif
#define NC 1024

// c + a·b on 4 lanes. The -fma build (build.sh: kernels-fma.wasm, kernels-st-fma.wasm; SP_FMA)
// uses relaxed SIMD's multiply-add, which engines run as one fused FMA where the CPU has it (one
// rounding instead of two, so results differ from cpu's in the last bits); hosts pick that build
// only where the engine validates it. Otherwise a multiply, then an add.
#ifdef SP_FMA
#define MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#endif

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

// A block (mc x kc, element (i,k) at A[i*rsA + k*csA]) -> panels of MR rows, k-major.
static void packA(int mc, int kc, const f32 *A, int rsA, int csA, f32 *pa) {
  for (int i = 0; i < mc; i += MR) {
    int mr = imin(MR, mc - i);
    const f32 *a = A + i * rsA;
    if (mr == MR && rsA == 1) {
      for (int k = 0; k < kc; k++) {
        const f32 *s = a + k * csA;
        wasm_v128_store(pa, wasm_v128_load(s));
        for (int r = 4; r < MR; r++) pa[r] = s[r];
        pa += MR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        int r = 0;
        for (; r < mr; r++) pa[r] = a[r * rsA + k * csA];
        for (; r < MR; r++) pa[r] = 0.f;
        pa += MR;
      }
    }
  }
}

// B block (kc x nc, element (k,j) at B[k*rsB + j*csB]) -> panels of NR columns, k-major.
static void packB(int kc, int nc, const f32 *B, int rsB, int csB, f32 *pb) {
  for (int j = 0; j < nc; j += NR) {
    int nr = imin(NR, nc - j);
    const f32 *b = B + j * csB;
    if (nr == NR && csB == 1) {
      for (int k = 0; k < kc; k++) {
        const f32 *s = b + k * rsB;
        wasm_v128_store(pb, wasm_v128_load(s));
        wasm_v128_store(pb + 4, wasm_v128_load(s + 4));
        pb += NR;
      }
    } else {
      for (int k = 0; k < kc; k++) {
        int c = 0;
        for (; c < nr; c++) pb[c] = b[k * rsB + c * csB];
        for (; c < NR; c++) pb[c] = 0.f;
        pb += NR;
      }
    }
  }
}

// Writes (or adds, if acc) the MR x NR accumulators c to C[mr x nr].
static inline __attribute__((always_inline)) void store_tile(v128_t c[MR][2], f32 *C, int ldc, int mr, int nr, int acc) {
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++) {
      f32 *row = C + r * ldc;
      v128_t x0 = c[r][0], x1 = c[r][1];
      if (acc) { x0 = wasm_f32x4_add(x0, wasm_v128_load(row)); x1 = wasm_f32x4_add(x1, wasm_v128_load(row + 4)); }
      wasm_v128_store(row, x0); wasm_v128_store(row + 4, x1);
    }
    return;
  }
  f32 t[MR * NR] __attribute__((aligned(16)));
  for (int r = 0; r < MR; r++) { wasm_v128_store(t + r * NR, c[r][0]); wasm_v128_store(t + r * NR + 4, c[r][1]); }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) C[i * ldc + j] = (acc ? C[i * ldc + j] : 0.f) + t[i * NR + j];
}

// One k step of the MR x NR tile: x_r = A(r, k) splat, c[r] += x_r * (b0, b1).
#define TILE_STEP(AEXPR, PB)                                                              \
  do {                                                                                     \
    v128_t b0 = wasm_v128_load(PB), b1 = wasm_v128_load((PB) + 4);                        \
    for (int r = 0; r < MR; r++) {                                                          \
      v128_t x = wasm_v128_load32_splat(AEXPR);                                             \
      c[r][0] = MADD(x, b0, c[r][0]);                                                       \
      c[r][1] = MADD(x, b1, c[r][1]);                                                       \
    }                                                                                      \
  } while (0)

// C[mr x nr] (+)= pa^T pb over kc (k unrolled by KU; the sum over k stays in order).
static void micro(int kc, const f32 *pa, const f32 *pb, f32 *C, int ldc, int mr, int nr, int acc) {
  v128_t c[MR][2];
  for (int r = 0; r < MR; r++) c[r][0] = c[r][1] = wasm_f32x4_splat(0);
  int k = 0;
  for (; k + KU <= kc; k += KU) {
    for (int u = 0; u < KU; u++) TILE_STEP(pa + u * MR + r, pb + u * NR);
    pa += KU * MR; pb += KU * NR;
  }
  for (; k < kc; k++) { TILE_STEP(pa + r, pb); pa += MR; pb += NR; }
  store_tile(c, C, ldc, mr, nr, acc);
}

// As micro, but A is read in place: row r at a[r] (k contiguous), no packing.
static void micro_direct(int kc, const f32 *const *a, const f32 *pb, f32 *C, int ldc, int mr, int nr, int acc) {
  v128_t c[MR][2];
  const f32 *ar[MR];
  for (int r = 0; r < MR; r++) { c[r][0] = c[r][1] = wasm_f32x4_splat(0); ar[r] = a[r]; }
  int k = 0;
  for (; k + KU <= kc; k += KU) {
    for (int u = 0; u < KU; u++) TILE_STEP(ar[r] + u, pb + u * NR);
    for (int r = 0; r < MR; r++) ar[r] += KU;
    pb += KU * NR;
  }
  for (; k < kc; k++) { TILE_STEP(ar[r], pb); for (int r = 0; r < MR; r++) ar[r]++; pb += NR; }
  store_tile(c, C, ldc, mr, nr, acc);
}

// As micro_direct over an im2col row read in place: nseg runs of L floats, the run sg of row r at
// a[r] + sg*segA (a conv's KH input rows of KW*Ci floats); pb holds the panel's nseg*L rows. The sum
// over k runs in the same order as micro over the im2col row.
static void micro_seg(int L, int nseg, int segA, const f32 *const *a, const f32 *pb, f32 *C, int ldc, int mr, int nr) {
  v128_t c[MR][2];
  for (int r = 0; r < MR; r++) c[r][0] = c[r][1] = wasm_f32x4_splat(0);
  for (int sg = 0; sg < nseg; sg++) {
    const f32 *ar[MR];
    for (int r = 0; r < MR; r++) ar[r] = a[r] + sg * segA;
    for (int k = 0; k < L; k++) { TILE_STEP(ar[r] + k, pb); pb += NR; }
  }
  store_tile(c, C, ldc, mr, nr, 0);
}

// local[s][0..7] = (acc ? local : 0) + S[0*ss + s] . V[0..7] + S[1*ss + s] . V[vs..] + ..., for
// s < NS (<= 4): the outer products of a few scalar channels with 8 vector channels, pixel by
// pixel in order, continuing the running sum (so a chunk split into row runs sums as one run).
static inline __attribute__((always_inline)) void outer8(int NS, int len, const f32 *S, int ss, const f32 *V, int vs, f32 *local, int acc) {
  v128_t c0[4], c1[4];
  for (int s = 0; s < 4; s++) c0[s] = c1[s] = wasm_f32x4_splat(0);
  if (acc)
    for (int s = 0; s < NS; s++) { c0[s] = wasm_v128_load(local + s * 8); c1[s] = wasm_v128_load(local + s * 8 + 4); }
  for (int i = 0; i < len; i++, S += ss, V += vs) {
    v128_t v0 = wasm_v128_load(V), v1 = wasm_v128_load(V + 4);
    for (int s = 0; s < NS; s++) {
      v128_t x = wasm_v128_load32_splat(S + s);
      c0[s] = MADD(x, v0, c0[s]);
      c1[s] = MADD(x, v1, c1[s]);
    }
  }
  for (int s = 0; s < NS; s++) {
    wasm_v128_store(local + s * 8, c0[s]);
    wasm_v128_store(local + s * 8 + 4, c1[s]);
  }
}

static void outer8_n(int ns, int len, const f32 *S, int ss, const f32 *V, int vs, f32 *local, int acc) {
  switch (ns) {
    case 1: outer8(1, len, S, ss, V, vs, local, acc); break;
    case 2: outer8(2, len, S, ss, V, vs, local, acc); break;
    case 3: outer8(3, len, S, ss, V, vs, local, acc); break;
    default: outer8(4, len, S, ss, V, vs, local, acc); break;
  }
}

static inline f32 hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Small N (< NR): C[M,N] (+)= A[M,K] (rows contiguous, stride lda) . Bt[N,K]^T (rows ldb apart), dot products
// 4 rows x 2 columns at a time along K. With nseg > 1 (K % 4 == 0), the rows are nseg*K long and
// made of nseg runs of K floats segA apart in A (B^T rows stay contiguous); the sums run in the
// same order as over one contiguous row.
static void gemm_smalln_seg(int M, int N, int K, int nseg, int segA, const f32 *A, int lda, const f32 *Bt, int ldb,
                            f32 *C, int ldc, int acc) {
  int K4 = K & ~3;
  for (int i = 0; i < M; i += 4) {
    int mr = imin(4, M - i);
    const f32 *a[4];
    for (int r = 0; r < 4; r++) a[r] = A + (i + (r < mr ? r : 0)) * lda;
    for (int j = 0; j < N; j += 2) {
      int two = j + 1 < N;
      const f32 *b0 = Bt + j * ldb, *b1 = Bt + (two ? j + 1 : j) * ldb;
      v128_t s00 = wasm_f32x4_splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      for (int sg = 0; sg < nseg; sg++) {
        const f32 *a0 = a[0] + sg * segA, *a1 = a[1] + sg * segA, *a2 = a[2] + sg * segA, *a3 = a[3] + sg * segA;
        const f32 *c0 = b0 + sg * K, *c1 = b1 + sg * K;
        for (int k = 0; k < K4; k += 4) {
          v128_t v0 = wasm_v128_load(c0 + k), v1 = wasm_v128_load(c1 + k);
          v128_t x = wasm_v128_load(a0 + k);
          s00 = MADD(x, v0, s00); s01 = MADD(x, v1, s01);
          x = wasm_v128_load(a1 + k);
          s10 = MADD(x, v0, s10); s11 = MADD(x, v1, s11);
          x = wasm_v128_load(a2 + k);
          s20 = MADD(x, v0, s20); s21 = MADD(x, v1, s21);
          x = wasm_v128_load(a3 + k);
          s30 = MADD(x, v0, s30); s31 = MADD(x, v1, s31);
        }
      }
      f32 r[8] = {hsum(s00), hsum(s01), hsum(s10), hsum(s11), hsum(s20), hsum(s21), hsum(s30), hsum(s31)};
      for (int k = K4; k < K; k++)
        for (int q = 0; q < 4; q++) { r[2 * q] += a[q][k] * b0[k]; r[2 * q + 1] += a[q][k] * b1[k]; }
      for (int q = 0; q < mr; q++) {
        f32 *c = C + (i + q) * ldc + j;
        c[0] = (acc ? c[0] : 0.f) + r[2 * q];
        if (two) c[1] = (acc ? c[1] : 0.f) + r[2 * q + 1];
      }
    }
  }
}

// Work floats sgemm needs.
#define GEMM_WORK (MC * KC + KC * NC)

// C[M,N] (+)= A[M,K] B[K,N] with general strides; `work` holds GEMM_WORK floats.
static void sgemm(int M, int N, int K, const f32 *A, int rsA, int csA, const f32 *B, int rsB, int csB,
                  f32 *C, int ldc, int acc, f32 *work) {
  f32 *pa = work, *pb = work + MC * KC;
  if (K == 0) {
    if (!acc) for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) C[i * ldc + j] = 0.f;
    return;
  }
  if (N < NR && csA == 1 && N * K <= KC * NC) {
    for (int j = 0; j < N; j++) for (int k = 0; k < K; k++) pb[j * K + k] = B[k * rsB + j * csB];
    gemm_smalln_seg(M, N, K, 1, 0, A, rsA, pb, K, C, ldc, acc);
    return;
  }
  int direct = csA == 1;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = imin(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      int kc = imin(KC, K - pc);
      int a = acc || pc > 0;
      packB(kc, nc, B + pc * rsB + jc * csB, rsB, csB, pb);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = imin(MC, M - ic);
        if (direct) {
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = imin(MR, mc - ir);
            const f32 *rows[MR];
            for (int r = 0; r < MR; r++) rows[r] = A + (ic + ir + (r < mr ? r : 0)) * rsA + pc;
            for (int jr = 0; jr < nc; jr += NR)
              micro_direct(kc, rows, pb + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, mr, imin(NR, nc - jr), a);
          }
          continue;
        }
        packA(mc, kc, A + ic * rsA + pc * csA, rsA, csA, pa);
        for (int jr = 0; jr < nc; jr += NR)
          for (int ir = 0; ir < mc; ir += MR)
            micro(kc, pa + ir * kc, pb + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, imin(MR, mc - ir), imin(NR, nc - jr), a);
      }
    }
  }
}

#define P(i) ((f32 *)(unsigned long)(unsigned)args[i])
// Dynamic scheduling: args[31] points at a task counter the caller zeroes before each call; every
// thread takes the next task with an atomic increment, so a thread that lost its core to another
// process just takes fewer tasks.
#define NEXT_TASK() __atomic_fetch_add((int *)(unsigned long)(unsigned)args[31], 1, __ATOMIC_RELAXED)

// ---------------------------------------------------------------------------------------------
// Batched GEMM. args: batch, M, N, K, A, rsA, csA, bsA, B, rsB, csB, bsB, C, bsC, work, workStride
// (batch strides bs* in floats; bsA/bsB 0 broadcasts). C rows are contiguous (ldc = N).
// Work is split over (batch, M-block) pairs, or N-blocks when M is small.
// ---------------------------------------------------------------------------------------------
__attribute__((export_name("sp_batch_matmul"))) void sp_batch_matmul(const int *args, int tid, int nth) {
  int batch = args[0], M = args[1], N = args[2], K = args[3];
  const f32 *A = P(4); int rsA = args[5], csA = args[6], bsA = args[7];
  const f32 *B = P(8); int rsB = args[9], csB = args[10], bsB = args[11];
  f32 *C = P(12); int bsC = args[13];
  f32 *work = P(14) + tid * args[15];
  int mb = 64, mBlocks = (M + mb - 1) / mb;
  int nb = mBlocks * batch >= 4 * nth ? N : 64, nBlocks = (N + nb - 1) / nb;
  int tasks = batch * mBlocks * nBlocks;
  for (int t; (t = NEXT_TASK()) < tasks;) {
    int b = t / (mBlocks * nBlocks), r = t % (mBlocks * nBlocks), i0 = (r / nBlocks) * mb, j0 = (r % nBlocks) * nb;
    sgemm(imin(mb, M - i0), imin(nb, N - j0), K, A + b * bsA + i0 * rsA, rsA, csA, B + b * bsB + j0 * csB, rsB, csB,
          C + b * bsC + i0 * N + j0, N, 0, work);
  }
}

// ---------------------------------------------------------------------------------------------
// Convolutions, NHWC, filter [KH, KW, Ci, Co], explicit padding top/left (bottom/right implied
// by the output size), dilation 1. Common args:
//  0 N, 1 H, 2 W, 3 Ci, 4 OH, 5 OW, 6 Co, 7 KH, 8 KW, 9 sh, 10 sw, 11 pt, 12 pl,
//  13 x (or dx), 14 filter (or dW), 15 y (or dy), 16 work, 17 workStride (floats per thread),
//  18 chunk (pixels per chunk)
// ---------------------------------------------------------------------------------------------

// cols[r, (kh,kw,ci)] for output pixels p0..p0+rows of the forward conv (zeros outside x).
static void im2col(const int *a, const f32 *x, int p0, int rows, f32 *cols) {
  int H = a[1], W = a[2], Ci = a[3], OH = a[4], OW = a[5], KH = a[7], KW = a[8], sh = a[9], sw = a[10], pt = a[11], pl = a[12];
  int kk = KH * KW * Ci;
  for (int r = 0; r < rows; r++) {
    int p = p0 + r, n = p / (OH * OW), rem = p % (OH * OW), oh = rem / OW, ow = rem % OW;
    f32 *dst = cols + r * kk;
    for (int kh = 0; kh < KH; kh++) {
      int h = oh * sh + kh - pt;
      if (h < 0 || h >= H) { for (int i = 0; i < KW * Ci; i++) dst[i] = 0.f; dst += KW * Ci; continue; }
      const f32 *row = x + ((n * H + h) * W) * Ci;
      int w0 = ow * sw - pl;
      if (w0 >= 0 && w0 + KW <= W) {
        // The whole kw range is inside x: one contiguous run of KW*Ci floats.
        const f32 *s = row + w0 * Ci; int len = KW * Ci, i = 0;
        for (; i + 4 <= len; i += 4) wasm_v128_store(dst + i, wasm_v128_load(s + i));
        for (; i < len; i++) dst[i] = s[i];
        dst += len;
        continue;
      }
      for (int kw = 0; kw < KW; kw++) {
        int w = ow * sw + kw - pl;
        if (w < 0 || w >= W) { for (int i = 0; i < Ci; i++) dst[i] = 0.f; }
        else { const f32 *s = row + w * Ci; int i = 0; for (; i + 4 <= Ci; i += 4) wasm_v128_store(dst + i, wasm_v128_load(s + i)); for (; i < Ci; i++) dst[i] = s[i]; }
        dst += Ci;
      }
    }
  }
}

static int direct_1x1(const int *a) {
  return a[7] == 1 && a[8] == 1 && a[9] == 1 && a[10] == 1 && a[11] == 0 && a[12] == 0 && a[1] == a[4] && a[2] == a[5];
}

// ---------------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) for the stride-1 3x3 forward convolution: per 2x2 output tile, the 4x4
// input patch d becomes V = Bt d B, the filter g becomes U = G g Gt (once per call), and the
// output tile is At M A with M[xi] = sum over ci of V[xi, ci] U[xi, ci, :] (16 GEMMs, 2.25x fewer
// multiply-adds than im2col). The transforms only add, subtract and halve (exact), so the result
// differs from the direct sum by rounding only.
// Work per thread (floats), WINO_WORK below: zeros[up4(Ci)] | packed U [16 * Ci * up8(Co)] |
// U [16 * Ci * Co] | V [16 planes of tc * Ci + WINO_PAD] | M [16 planes of tc * Co + WINO_PAD].
// tc (args[19]) = tiles per task.
// ---------------------------------------------------------------------------------------------
// V and M planes are tc*C + WINO_PAD floats apart: a power-of-two stride put all 16 in the same
// cache sets (measured 1.3x slower at tc = 16..128).
#define WINO_PAD 16
static int wino_work(int Ci, int Co, int tc) {
  return ((Ci + 3) & ~3) + 16 * Ci * ((Co + NR - 1) / NR * NR) + 16 * Ci * Co + 16 * (tc * (Ci + Co) + 2 * WINO_PAD);
}

// U[xi][ci][co] = (G g Gt)[xi] for the filter [3, 3, Ci, Co].
static void wino_filter(const f32 *f, int Ci, int Co, f32 *U) {
  for (int ci = 0; ci < Ci; ci++)
    for (int co = 0; co < Co; co++) {
      f32 g[3][3], t[4][3];
      for (int kh = 0; kh < 3; kh++) for (int kw = 0; kw < 3; kw++) g[kh][kw] = f[((kh * 3 + kw) * Ci + ci) * Co + co];
      for (int j = 0; j < 3; j++) {
        t[0][j] = g[0][j]; t[1][j] = .5f * (g[0][j] + g[1][j] + g[2][j]);
        t[2][j] = .5f * (g[0][j] - g[1][j] + g[2][j]); t[3][j] = g[2][j];
      }
      for (int i = 0; i < 4; i++) {
        f32 *u = U + (i * 4) * Ci * Co + ci * Co + co;
        u[0] = t[i][0]; u[Ci * Co] = .5f * (t[i][0] + t[i][1] + t[i][2]);
        u[2 * Ci * Co] = .5f * (t[i][0] - t[i][1] + t[i][2]); u[3 * Ci * Co] = t[i][2];
      }
    }
}

// Bt d B on 16 values (vectors or scalars) d[0..15], row-major 4x4, in place.
#define WINO_IN_T(d, ADD, SUB)                                                                   \
  for (int j = 0; j < 4; j++) {                                                                  \
    __typeof__(d[0]) d0 = d[j], d1 = d[4 + j], d2 = d[8 + j], d3 = d[12 + j];                  \
    d[j] = SUB(d0, d2); d[4 + j] = ADD(d1, d2); d[8 + j] = SUB(d2, d1); d[12 + j] = SUB(d1, d3); \
  }                                                                                              \
  for (int i = 0; i < 4; i++) {                                                                  \
    __typeof__(d[0]) d0 = d[4 * i], d1 = d[4 * i + 1], d2 = d[4 * i + 2], d3 = d[4 * i + 3];   \
    d[4 * i] = SUB(d0, d2); d[4 * i + 1] = ADD(d1, d2); d[4 * i + 2] = SUB(d2, d1); d[4 * i + 3] = SUB(d1, d3); \
  }
// At m A: y[0..3] (row-major 2x2) from m[0..15].
#define WINO_OUT_T(m, y, ADD, SUB)                                                               \
  {                                                                                              \
    __typeof__(m[0]) r0[4], r1[4];                                                               \
    for (int j = 0; j < 4; j++) { r0[j] = ADD(ADD(m[j], m[4 + j]), m[8 + j]); r1[j] = SUB(SUB(m[4 + j], m[8 + j]), m[12 + j]); } \
    y[0] = ADD(ADD(r0[0], r0[1]), r0[2]); y[1] = SUB(SUB(r0[1], r0[2]), r0[3]);                \
    y[2] = ADD(ADD(r1[0], r1[1]), r1[2]); y[3] = SUB(SUB(r1[1], r1[2]), r1[3]);                \
  }
#define SADD(a, b) ((a) + (b))
#define SSUB(a, b) ((a) - (b))
// The stride-2 Winograd F(2x2, 2x2)'s transforms (see "Winograd F(2x2, 2x2) for the 4x4 stride-2
// convolution" below).
// Bt d B on 9 values d[0..8] (row-major 3x3), in place.
#define W22_IN_T(d, SUB)                                                                         \
  for (int j = 0; j < 3; j++) { d[j] = SUB(d[j], d[3 + j]); d[6 + j] = SUB(d[6 + j], d[3 + j]); } \
  for (int i = 0; i < 3; i++) { d[3 * i] = SUB(d[3 * i], d[3 * i + 1]); d[3 * i + 2] = SUB(d[3 * i + 2], d[3 * i + 1]); }
// At m A: y[0..3] (row-major 2x2) from m[0..8]. Also the filter gradient's Gt dU G (Gt = At).
#define W22_OUT_T(m, y, ADD)                                                                     \
  {                                                                                              \
    __typeof__(m[0]) r0[3], r1[3];                                                               \
    for (int j = 0; j < 3; j++) { r0[j] = ADD(m[j], m[3 + j]); r1[j] = ADD(m[3 + j], m[6 + j]); } \
    y[0] = ADD(r0[0], r0[1]); y[1] = ADD(r0[1], r0[2]); y[2] = ADD(r1[0], r1[1]); y[3] = ADD(r1[1], r1[2]); \
  }
// G g Gt: u[0..8] from the 2x2 taps g[0..3]; also the filter gradient's A dy At (A = G).
#define W22_UP_T(g, u, ADD)                                                                      \
  {                                                                                              \
    __typeof__(g[0]) t[3][2];                                                                    \
    for (int b = 0; b < 2; b++) { t[0][b] = g[b]; t[1][b] = ADD(g[b], g[2 + b]); t[2][b] = g[2 + b]; } \
    for (int i = 0; i < 3; i++) { u[3 * i] = t[i][0]; u[3 * i + 1] = ADD(t[i][0], t[i][1]); u[3 * i + 2] = t[i][1]; } \
  }


// src[i * a + j] = pixel (h0 + i*step, w0 + j*step) of sample n of x [N, H, W, C], or `zeros`
// where that is outside x: the a x a patch a Winograd input transform reads.
static void patch_pixels(const f32 *x, const f32 *zeros, int n, int H, int W, int C, int h0, int w0, int a, int step, const f32 **src) {
  for (int i = 0; i < a; i++)
    for (int j = 0; j < a; j++) {
      int h = h0 + i * step, w = w0 + j * step;
      src[i * a + j] = h >= 0 && h < H && w >= 0 && w < W ? x + ((n * H + h) * W + w) * C : zeros;
    }
}

// C[M, N] = A[M, K] (rows at A + i*lda) . B, B prepacked by packB in KC blocks of up8(N) columns.
// Bt d B of one 4x4 input patch at (h0, w0) of sample n (zeros outside x), all Ci channels:
// dst[q * vs + ci], q = the 16 transformed positions. Shared by the forward conv and the filter
// gradient.
static void wino_input_tile(const f32 *x, const f32 *zeros, int n, int H, int W, int Ci, int h0, int w0, f32 *dst, int vs) {
  const f32 *src[16];
  patch_pixels(x, zeros, n, H, W, Ci, h0, w0, 4, 1, src);
  int c = 0;
  for (; c + 4 <= Ci; c += 4) {
    v128_t d[16];
    for (int q = 0; q < 16; q++) d[q] = wasm_v128_load(src[q] + c);
    WINO_IN_T(d, wasm_f32x4_add, wasm_f32x4_sub)
    for (int q = 0; q < 16; q++) wasm_v128_store(dst + q * vs + c, d[q]);
  }
  for (; c < Ci; c++) {
    f32 d[16];
    for (int q = 0; q < 16; q++) d[q] = src[q][c];
    WINO_IN_T(d, SADD, SSUB)
    for (int q = 0; q < 16; q++) dst[q * vs + c] = d[q];
  }
}

static void gemm_prepacked(int M, int N, int K, const f32 *A, int lda, const f32 *pbAll, f32 *C, int ldc) {
  int Np = (N + NR - 1) / NR * NR;
  for (int pc = 0; pc < K; pc += KC) {
    int kc = imin(KC, K - pc);
    const f32 *pb = pbAll + pc * Np;
    // Column panel outermost: each kc x NR panel of B is read from memory once and reused from L1
    // for all M rows (B is up to 512 KB here: K x N of a wide layer). Same sums in the same order.
    for (int jr = 0; jr < N; jr += NR)
      for (int ir = 0; ir < M; ir += MR) {
        int mr = imin(MR, M - ir);
        const f32 *rows[MR];
        for (int r = 0; r < MR; r++) rows[r] = A + (ir + (r < mr ? r : 0)) * lda + pc;
        micro_direct(kc, rows, pb + jr * kc, C + ir * ldc + jr, ldc, mr, imin(NR, N - jr), pc > 0);
      }
  }
}

// Writes one 2x2 output tile, At m A from the planes m[q * ms + co], to y at (oh, ow) of sample n
// (those outputs inside y): 16 planes for F(2x2, 3x3) (WINO_OUT_T), 9 for the stride-2
// F(2x2, 2x2) (W22_OUT_T).
static void wino2_output_tile(const f32 *m, int ms, int planes, f32 *y, int n, int OH, int OW, int Co, int oh, int ow) {
  int two_h = oh + 1 < OH, two_w = ow + 1 < OW;
  f32 *y00 = y + ((n * OH + oh) * OW + ow) * Co, *y10 = y00 + OW * Co;
  int c = 0;
  for (; c + 4 <= Co; c += 4) {
    v128_t v[16], o[4];
    for (int q = 0; q < planes; q++) v[q] = wasm_v128_load(m + q * ms + c);
    if (planes == 9) W22_OUT_T(v, o, wasm_f32x4_add)
    else WINO_OUT_T(v, o, wasm_f32x4_add, wasm_f32x4_sub)
    wasm_v128_store(y00 + c, o[0]);
    if (two_w) wasm_v128_store(y00 + Co + c, o[1]);
    if (two_h) { wasm_v128_store(y10 + c, o[2]); if (two_w) wasm_v128_store(y10 + Co + c, o[3]); }
  }
  for (; c < Co; c++) {
    f32 v[16], o[4];
    for (int q = 0; q < planes; q++) v[q] = m[q * ms + c];
    if (planes == 9) W22_OUT_T(v, o, SADD)
    else WINO_OUT_T(v, o, SADD, SSUB)
    y00[c] = o[0];
    if (two_w) y00[Co + c] = o[1];
    if (two_h) { y10[c] = o[2]; if (two_w) y10[Co + c] = o[3]; }
  }
}

// ---------------------------------------------------------------------------------------------
// Winograd F(4x4, 3x3) for the stride-1 3x3 forward convolution (the default; F(2x2, 3x3) above
// stays for the filter gradient): 4x4 output tiles from 6x6 input patches, 36 products per input
// channel for 16 outputs where F(2x2, 3x3) needs 64 (1.78x fewer multiply-adds), at the price of
// larger transforms with constants (4, 5, 2; the filter's 1/4, 1/6, 1/12, 1/24), so the result
// differs from the direct sum by a few 1e-7 relative more (fast-wasm.test.ts bounds it).
//   Bt = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   At = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Work per thread (floats), wino4_work: zeros[up4(Ci)] | packed U [36 * Ci * up8(Co)] |
// U [36 * Ci * Co] | V [36 planes of tc*Ci + WINO_PAD] | M [36 planes of tc*Co + WINO_PAD].
// ---------------------------------------------------------------------------------------------
static int wino4_work(int Ci, int Co, int tc) {
  return ((Ci + 3) & ~3) + 36 * Ci * ((Co + NR - 1) / NR * NR) + 36 * Ci * Co + 36 * (tc * (Ci + Co) + 2 * WINO_PAD);
}

// G g for one column (a, b, c) of 3 taps: u[0..5] = [a/4, -(a+b+c)/6, -(a-b+c)/6, a/24 + b/12 + c/6,
// a/24 - b/12 + c/6, c].
static inline void wino4_g(f32 a, f32 b, f32 c, f32 *u) {
  const f32 c4 = 1.f / 4, c6 = 1.f / 6, c12 = 1.f / 12, c24 = 1.f / 24;
  u[0] = c4 * a; u[1] = -c6 * (a + b + c); u[2] = -c6 * (a - b + c);
  u[3] = c24 * a + c12 * b + c6 * c; u[4] = c24 * a - c12 * b + c6 * c; u[5] = c;
}

// U[xi][ci][co] = (G g Gt)[xi] for the filter [3, 3, Ci, Co].
static void wino4_filter(const f32 *f, int Ci, int Co, f32 *U) {
  for (int ci = 0; ci < Ci; ci++)
    for (int co = 0; co < Co; co++) {
      f32 g[3][3], t[3][6], u[6];
      for (int kh = 0; kh < 3; kh++) for (int kw = 0; kw < 3; kw++) g[kh][kw] = f[((kh * 3 + kw) * Ci + ci) * Co + co];
      for (int j = 0; j < 3; j++) wino4_g(g[0][j], g[1][j], g[2][j], t[j]); // t[j][i] = (G g)[i][j]
      for (int i = 0; i < 6; i++) {
        wino4_g(t[0][i], t[1][i], t[2][i], u);
        for (int j = 0; j < 6; j++) U[((i * 6 + j) * Ci + ci) * Co + co] = u[j];
      }
    }
}

// Bt on the 6 values d[0], d[s], .., d[5s], in place (vectors or scalars; MULC(k, v) = k . v).
#define W43_BT(d, s, ADD, SUB, MULC)                                                             \
  {                                                                                              \
    __typeof__(d[0]) d0_ = d[0], d1_ = d[s], d2_ = d[2 * (s)], d3_ = d[3 * (s)], d4_ = d[4 * (s)], d5_ = d[5 * (s)]; \
    __typeof__(d[0]) a_ = SUB(d4_, d2_), b_ = MULC(2.f, SUB(d3_, d1_));                                \
    d[0] = ADD(SUB(MULC(4.f, d0_), MULC(5.f, d2_)), d4_);                                           \
    d[s] = SUB(ADD(d3_, d4_), MULC(4.f, ADD(d1_, d2_)));                                             \
    d[2 * (s)] = ADD(SUB(d4_, d3_), MULC(4.f, SUB(d1_, d2_)));                                       \
    d[3 * (s)] = ADD(a_, b_);                                                                      \
    d[4 * (s)] = SUB(a_, b_);                                                                      \
    d[5 * (s)] = ADD(SUB(MULC(4.f, d1_), MULC(5.f, d3_)), d5_);                                     \
  }
// At on the 6 values m[0], m[s], .., m[5s] -> y[0..3].
#define W43_AT(m, s, y, ADD, SUB, MULC)                                                          \
  {                                                                                              \
    __typeof__(m[0]) a_ = ADD(m[s], m[2 * (s)]), b_ = SUB(m[s], m[2 * (s)]);                       \
    __typeof__(m[0]) c_ = ADD(m[3 * (s)], m[4 * (s)]), d_ = SUB(m[3 * (s)], m[4 * (s)]);           \
    y[0] = ADD(ADD(m[0], a_), c_);                                                                 \
    y[1] = ADD(b_, MULC(2.f, d_));                                                                 \
    y[2] = ADD(a_, MULC(4.f, c_));                                                                 \
    y[3] = ADD(ADD(b_, MULC(8.f, d_)), m[5 * (s)]);                                                \
  }
#define VMULC(k, v) wasm_f32x4_mul(wasm_f32x4_splat(k), v)
#define SMULC(k, v) ((k) * (v))

// Bt d B of the 6x6 patch at (h0, w0) of sample n (zeros outside x), all Ci channels: dst[q * vs + ci].
static void wino4_input_tile(const f32 *x, const f32 *zeros, int n, int H, int W, int Ci, int h0, int w0, f32 *dst, int vs) {
  const f32 *src[36];
  patch_pixels(x, zeros, n, H, W, Ci, h0, w0, 6, 1, src);
  int c = 0;
  for (; c + 4 <= Ci; c += 4) {
    v128_t d[36];
    for (int q = 0; q < 36; q++) d[q] = wasm_v128_load(src[q] + c);
    for (int j = 0; j < 6; j++) W43_BT((d + j), 6, wasm_f32x4_add, wasm_f32x4_sub, VMULC)
    for (int i = 0; i < 6; i++) W43_BT((d + 6 * i), 1, wasm_f32x4_add, wasm_f32x4_sub, VMULC)
    for (int q = 0; q < 36; q++) wasm_v128_store(dst + q * vs + c, d[q]);
  }
  for (; c < Ci; c++) {
    f32 d[36];
    for (int q = 0; q < 36; q++) d[q] = src[q][c];
    for (int j = 0; j < 6; j++) W43_BT((d + j), 6, SADD, SSUB, SMULC)
    for (int i = 0; i < 6; i++) W43_BT((d + 6 * i), 1, SADD, SSUB, SMULC)
    for (int q = 0; q < 36; q++) dst[q * vs + c] = d[q];
  }
}

// Writes one F(4x4, 3x3) tile: At m A from the 36 planes m[q * ms + co] to y's 4x4 outputs at
// (oh, ow) of sample n (those inside y).
static void wino4_output_tile(const f32 *m, int ms, f32 *y, int n, int OH, int OW, int Co, int oh, int ow) {
  int nh = imin(4, OH - oh), nw = imin(4, OW - ow);
  int c = 0;
  for (; c + 4 <= Co; c += 4) {
    v128_t v[36], t6[24], o[4];
    for (int q = 0; q < 36; q++) v[q] = wasm_v128_load(m + q * ms + c);
    // Columns first: t6 (4 x 6) = At on each column; then each row of t6 -> 4 outputs.
    for (int j = 0; j < 6; j++) { v128_t col[4]; W43_AT((v + j), 6, col, wasm_f32x4_add, wasm_f32x4_sub, VMULC) for (int i = 0; i < 4; i++) t6[i * 6 + j] = col[i]; }
    for (int i = 0; i < nh; i++) {
      W43_AT((t6 + 6 * i), 1, o, wasm_f32x4_add, wasm_f32x4_sub, VMULC)
      f32 *yr = y + ((n * OH + oh + i) * OW + ow) * Co + c;
      for (int j = 0; j < nw; j++) wasm_v128_store(yr + j * Co, o[j]);
    }
  }
  for (; c < Co; c++) {
    f32 v[36], t6[24], o[4];
    for (int q = 0; q < 36; q++) v[q] = m[q * ms + c];
    for (int j = 0; j < 6; j++) { f32 col[4]; W43_AT((v + j), 6, col, SADD, SSUB, SMULC) for (int i = 0; i < 4; i++) t6[i * 6 + j] = col[i]; }
    for (int i = 0; i < nh; i++) {
      W43_AT((t6 + 6 * i), 1, o, SADD, SSUB, SMULC)
      f32 *yr = y + ((n * OH + oh + i) * OW + ow) * Co + c;
      for (int j = 0; j < nw; j++) yr[j * Co] = o[j];
    }
  }
}

// The stride-1 3x3 forward conv on Winograd F(mt x mt, 3x3), mt = 2 or 4: per task, tc tiles'
// input patches transformed into np = (mt + 2)^2 planes V, np GEMMs against the transformed
// filter (U, built and packed once per thread), then each tile's outputs. Work per thread:
// wino_work (mt = 2) or wino4_work (mt = 4).
static void sp_conv2d_winograd(const int *args, int tid, int tc, int mt) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], pt = args[11], pl = args[12];
  const f32 *x = P(13), *f = P(14); f32 *y = P(15);
  int np = (mt + 2) * (mt + 2);
  int Cop = (Co + NR - 1) / NR * NR, TH = (OH + mt - 1) / mt, TW = (OW + mt - 1) / mt, T = N * TH * TW, ntasks = (T + tc - 1) / tc;
  f32 *zeros = P(16) + tid * args[17], *pu = zeros + ((Ci + 3) & ~3), *U = pu + np * Ci * Cop, *V = U + np * Ci * Co;
  int vs = tc * Ci + WINO_PAD, ms = tc * Co + WINO_PAD;
  f32 *Mb = V + np * vs;
  int ready = 0;
  for (int task; (task = NEXT_TASK()) < ntasks;) {
    if (!ready) {
      for (int i = 0; i < Ci; i++) zeros[i] = 0.f;
      if (mt == 4) wino4_filter(f, Ci, Co, U);
      else wino_filter(f, Ci, Co, U);
      for (int xi = 0; xi < np; xi++)
        for (int pc = 0; pc < Ci; pc += KC)
          packB(imin(KC, Ci - pc), Co, U + xi * Ci * Co + pc * Co, Co, 1, pu + xi * Ci * Cop + pc * Cop);
      ready = 1;
    }
    int t0 = task * tc, rows = imin(tc, T - t0);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW), h0 = (rem / TW) * mt - pt, w0 = (rem % TW) * mt - pl;
      if (mt == 4) wino4_input_tile(x, zeros, n, H, W, Ci, h0, w0, V + r * Ci, vs);
      else wino_input_tile(x, zeros, n, H, W, Ci, h0, w0, V + r * Ci, vs);
    }
    for (int xi = 0; xi < np; xi++)
      gemm_prepacked(rows, Co, Ci, V + xi * vs, Ci, pu + xi * Ci * Cop, Mb + xi * ms, Co);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW), oh = (rem / TW) * mt, ow = (rem % TW) * mt;
      if (mt == 4) wino4_output_tile(Mb + r * Co, ms, y, n, OH, OW, Co, oh, ow);
      else wino2_output_tile(Mb + r * Co, ms, 16, y, n, OH, OW, Co, oh, ow);
    }
  }
}

static void dy_tile_transform(const f32 *dy, int n, int OH, int OW, int Co, int oh, int ow, f32 *mdst, int ms, int planes);

// ---------------------------------------------------------------------------------------------
// Winograd F(2x2, 2x2) for the 4x4 stride-2 convolution (the PatchGAN discriminator's layers).
// Split x by the parity (r, s) of its rows and columns: the conv is then a 2x2 stride-1 conv over
// the 4 phases, y[oh, ow] = sum over (r, s), a, b of x[2(oh+a) + r - pt, 2(ow+b) + s - pl] .
// f[2a+r, 2b+s], i.e. K = 4*Ci input channels (phase-major). F(2x2, 2x2) runs a 2x2 output tile
// from 3x3 inputs per phase with 9 products instead of 16 (1.78x fewer multiply-adds):
//   Bt = [1 -1 0; 0 1 0; 0 -1 1], G = [1 0; 1 1; 0 1], At = [1 1 0; 0 1 1]
// (only additions, so the result differs from the direct sum by rounding only). The input gradient
// is the same kind of conv run backwards: its phases form a 2x2 stride-1 conv of dy (zero-padded
// by one at the top and left) with the turned filter and 4*Ci output channels; the filter gradient
// is the dual transform, as in sp_conv2d_backprop_filter_wino.
// ---------------------------------------------------------------------------------------------
// Floats per thread: zeros[up4(C)] | V [9 planes of tc*K + WINO_PAD] | M [9 planes of tc*No +
// WINO_PAD]. Forward: K = 4*Ci, No = Co, C = Ci; input gradient: K = Co, No = 4*Ci, C = Co.
static int s2w_work(int K, int No, int C, int tc) {
  return ((C + 3) & ~3) + 9 * (tc * (K + No) + 2 * WINO_PAD);
}

// Bt d B of one 3x3 patch, C channels from src[9] (zeros outside the tensor): dst[q * vs + c].
static void w22_input_tile(const f32 *const *src, int C, f32 *dst, int vs) {
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t d[9];
    for (int q = 0; q < 9; q++) d[q] = wasm_v128_load(src[q] + c);
    W22_IN_T(d, wasm_f32x4_sub)
    for (int q = 0; q < 9; q++) wasm_v128_store(dst + q * vs + c, d[q]);
  }
  for (; c < C; c++) {
    f32 d[9];
    for (int q = 0; q < 9; q++) d[q] = src[q][c];
    W22_IN_T(d, SSUB)
    for (int q = 0; q < 9; q++) dst[q * vs + c] = d[q];
  }
}

// The 6x6 patch of x at (h0, w0) under a 2x2 output tile, as 4 phases of 3x3: dst[q * vs + ph*Ci + ci].
static void s2w_x_tile(const f32 *x, const f32 *zeros, int n, int H, int W, int Ci, int h0, int w0, f32 *dst, int vs) {
  for (int ph = 0; ph < 4; ph++) {
    const f32 *src[9];
    patch_pixels(x, zeros, n, H, W, Ci, h0 + (ph >> 1), w0 + (ph & 1), 3, 2, src);
    w22_input_tile(src, Ci, dst + ph * Ci, vs);
  }
}

// ---------------------------------------------------------------------------------------------
// The transformed filter of the stride-2 Winograd convs, packed as packB packs a K x No matrix
// (KC-row blocks of up8(No) columns, NR-column panels, k-major: what gemm_prepacked reads), once
// per call by all threads before the conv runs (one task per panel: each writes 9 sequential
// streams). args: 0 filter [4, 4, Ci, Co], 1 Ci, 2 Co, 3 turned, 4 out (9 blocks of K * up8(No)),
// 31 task counter.
// turned = 0 (forward): block xi is U[xi] [4*Ci, Co], row ph*Ci + ci, the taps g[a][b] = f[2a+r, 2b+s]
// of phase ph = (r, s). turned = 1 (input gradient): U[xi] [Co, 4*Ci], column ph*Ci + ci, the taps
// of dx's phase ph = (q, p) at dy offset (a, b): f[2(1-a) + q, 2(1-b) + p].
// ---------------------------------------------------------------------------------------------
__attribute__((export_name("sp_s2w_filter"))) void sp_s2w_filter(const int *args, int tid, int nth) {
  const f32 *f = P(0); int Ci = args[1], Co = args[2], turned = args[3]; f32 *out = P(4);
  int K = turned ? Co : 4 * Ci, No = turned ? 4 * Ci : Co, Np = (No + NR - 1) / NR * NR, blk = K * Np;
  int panels = Np / NR;
  for (int jp; (jp = NEXT_TASK()) < panels;) {
    int j0 = jp * NR;
    // Taps of the panel's columns: tap[jj][a*2 + b] points at f[kh, kw, ci, co(k = 0)] (turned) or
    // f[kh, kw, ci(k = 0), co = j0 + jj] (forward); null for the zero columns past No.
    const f32 *tap[NR][4];
    for (int jj = 0; jj < NR; jj++) {
      int j = j0 + jj;
      for (int q = 0; q < 4; q++) tap[jj][q] = 0;
      if (j >= No) continue;
      int ph = turned ? j / Ci : 0, ci = turned ? j % Ci : 0, r = ph >> 1, s = ph & 1;
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
          int kh = turned ? 2 * (1 - a) + r : 2 * a, kw = turned ? 2 * (1 - b) + s : 2 * b;
          tap[jj][a * 2 + b] = turned ? f + ((kh * 4 + kw) * Ci + ci) * Co : f + kh * 4 * Ci * Co + kw * Ci * Co + j;
        }
    }
    for (int pc = 0; pc < K; pc += KC) {
      int kc = imin(KC, K - pc);
      f32 *dst = out + pc * Np + jp * kc * NR;
      for (int k = pc; k < pc + kc; k++, dst += NR) {
        // Forward: row k = (ph, ci) moves the taps by the phase's (r, s) and by ci rows of Co.
        int off = turned ? k : ((k / Ci) >> 1) * 4 * Ci * Co + ((k / Ci) & 1) * Ci * Co + (k % Ci) * Co;
        for (int jj = 0; jj < NR; jj++) {
          f32 g[4], u[9];
          if (tap[jj][0]) for (int q = 0; q < 4; q++) g[q] = tap[jj][q][off];
          else for (int q = 0; q < 4; q++) g[q] = 0.f;
          W22_UP_T(g, u, SADD)
          for (int q = 0; q < 9; q++) dst[q * blk + jj] = u[q];
        }
      }
    }
  }
}

static void sp_conv2d_s2w(const int *args, int tid, int tc) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], pt = args[11], pl = args[12];
  const f32 *x = P(13), *pu = P(14); f32 *y = P(15);
  int K = 4 * Ci, Cop = (Co + NR - 1) / NR * NR, TH = (OH + 1) / 2, TW = (OW + 1) / 2, T = N * TH * TW, ntasks = (T + tc - 1) / tc;
  f32 *zeros = P(16) + tid * args[17], *V = zeros + ((Ci + 3) & ~3);
  int vs = tc * K + WINO_PAD, ms = tc * Co + WINO_PAD;
  f32 *Mb = V + 9 * vs;
  for (int i = 0; i < Ci; i++) zeros[i] = 0.f;
  for (int task; (task = NEXT_TASK()) < ntasks;) {
    int t0 = task * tc, rows = imin(tc, T - t0);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW);
      s2w_x_tile(x, zeros, n, H, W, Ci, (rem / TW) * 4 - pt, (rem % TW) * 4 - pl, V + r * K, vs);
    }
    for (int xi = 0; xi < 9; xi++) gemm_prepacked(rows, Co, K, V + xi * vs, K, pu + xi * K * Cop, Mb + xi * ms, Co);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW);
      wino2_output_tile(Mb + r * Co, ms, 9, y, n, OH, OW, Co, (rem / TW) * 2, (rem % TW) * 2);
    }
  }
}

// dx of the 4x4 stride-2 conv: dx[2i + q - pt, 2j + p - pl, ci] for the phase ph = (q, p) is
// sum over a, b in {0, 1}, co of dy[i - 1 + a, j - 1 + b, co] . f[2(1-a) + q, 2(1-b) + p, ci, co]:
// a 2x2 stride-1 conv of dy onto the grid (i, j) with 4*Ci channels, run as F(2x2, 2x2). Every dx
// pixel is one (i, j, ph), so each is written exactly once (tasks write disjoint outputs).
static void sp_conv2d_backprop_input_s2w(const int *args, int tid, int tc) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], pt = args[11], pl = args[12];
  f32 *dx = P(13); const f32 *pu = P(14), *dy = P(15);
  int No = 4 * Ci, Np = (No + NR - 1) / NR * NR;
  int I = (H + pt + 1) / 2, J = (W + pl + 1) / 2, TI = (I + 1) / 2, TJ = (J + 1) / 2, T = N * TI * TJ, ntasks = (T + tc - 1) / tc;
  f32 *zeros = P(16) + tid * args[17], *V = zeros + ((Co + 3) & ~3);
  int vs = tc * Co + WINO_PAD, ms = tc * No + WINO_PAD;
  f32 *Mb = V + 9 * vs;
  for (int i = 0; i < Co; i++) zeros[i] = 0.f;
  for (int task; (task = NEXT_TASK()) < ntasks;) {
    int t0 = task * tc, rows = imin(tc, T - t0);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TI * TJ), rem = t % (TI * TJ), i0 = (rem / TJ) * 2 - 1, j0 = (rem % TJ) * 2 - 1;
      const f32 *src[9];
      patch_pixels(dy, zeros, n, OH, OW, Co, i0, j0, 3, 1, src);
      w22_input_tile(src, Co, V + r * Co, vs);
    }
    for (int xi = 0; xi < 9; xi++) gemm_prepacked(rows, No, Co, V + xi * vs, Co, pu + xi * Co * Np, Mb + xi * ms, No);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TI * TJ), rem = t % (TI * TJ), i0 = (rem / TJ) * 2, j0 = (rem % TJ) * 2;
      const f32 *m = Mb + r * No;
      for (int ph = 0; ph < 4; ph++) {
        f32 *d[4];
        for (int k = 0; k < 4; k++) {
          int h = 2 * (i0 + (k >> 1)) + (ph >> 1) - pt, w = 2 * (j0 + (k & 1)) + (ph & 1) - pl;
          d[k] = h >= 0 && h < H && w >= 0 && w < W ? dx + ((n * H + h) * W + w) * Ci : 0;
        }
        int c = 0;
        for (; c + 4 <= Ci; c += 4) {
          v128_t v[9], o[4];
          for (int q = 0; q < 9; q++) v[q] = wasm_v128_load(m + q * ms + ph * Ci + c);
          W22_OUT_T(v, o, wasm_f32x4_add)
          for (int k = 0; k < 4; k++) if (d[k]) wasm_v128_store(d[k] + c, o[k]);
        }
        for (; c < Ci; c++) {
          f32 v[9], o[4];
          for (int q = 0; q < 9; q++) v[q] = m[q * ms + ph * Ci + c];
          W22_OUT_T(v, o, SADD)
          for (int k = 0; k < 4; k++) if (d[k]) d[k][c] = o[k];
        }
      }
    }
  }
}

// Filter gradient of the 4x4 stride-2 conv: dU[xi] = sum over tiles of V[xi]^T dM[xi] with
// dM = A dy At, then dW = Gt dU G. Static task -> thread assignment and per-thread partials summed by
// the caller (sp_sum_parts), as sp_conv2d_backprop_filter_wino: the same bits run to run.
// Floats per thread: zeros[up4(Ci)] | dU [9 * 4Ci * Co] | V [9 planes of tc*4Ci + WINO_PAD] |
// dM [9 planes of tc*Co + WINO_PAD] | GEMM_WORK.
static int s2w_bf_work(int Ci, int Co, int tc) {
  return ((Ci + 3) & ~3) + 9 * 4 * Ci * Co + 9 * (tc * (4 * Ci + Co) + 2 * WINO_PAD) + GEMM_WORK;
}

static void sp_conv2d_backprop_filter_s2w(const int *args, int tid, int nth, int tc) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], pt = args[11], pl = args[12];
  const f32 *x = P(13), *dy = P(15);
  f32 *dw = P(14) + tid * 16 * Ci * Co;
  int K = 4 * Ci, TH = (OH + 1) / 2, TW = (OW + 1) / 2, T = N * TH * TW, ntasks = (T + tc - 1) / tc;
  f32 *zeros = P(16) + tid * args[17], *dU = zeros + ((Ci + 3) & ~3), *V = dU + 9 * K * Co;
  int vs = tc * K + WINO_PAD, ms = tc * Co + WINO_PAD;
  f32 *Mb = V + 9 * vs, *gw = Mb + 9 * ms;
  int first = 1;
  for (int i = 0; i < ((Ci + 3) & ~3); i++) zeros[i] = 0.f;
  for (int task = tid; task < ntasks; task += nth) {
    int t0 = task * tc, rows = imin(tc, T - t0);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW), oh = (rem / TW) * 2, ow = (rem % TW) * 2;
      s2w_x_tile(x, zeros, n, H, W, Ci, oh * 2 - pt, ow * 2 - pl, V + r * K, vs);
      dy_tile_transform(dy, n, OH, OW, Co, oh, ow, Mb + r * Co, ms, 9);
    }
    for (int xi = 0; xi < 9; xi++)
      sgemm(K, Co, rows, V + xi * vs, 1, K, Mb + xi * ms, Co, 1, dU + xi * K * Co, Co, !first, gw);
    first = 0;
  }
  if (first) { for (int i = 0; i < 16 * Ci * Co; i++) dw[i] = 0.f; return; }
  int cc = Ci * Co;
  for (int ph = 0; ph < 4; ph++)
    for (int k = 0; k < cc; k++) {
      f32 u[9], g[4];
      for (int q = 0; q < 9; q++) u[q] = dU[q * K * Co + ph * cc + k];
      W22_OUT_T(u, g, SADD)
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) dw[((2 * a + (ph >> 1)) * 4 + 2 * b + (ph & 1)) * cc + k] = g[a * 2 + b];
    }
}

// y[p, co] = cols[p, :] . filter[:, co]. Work per thread: chunk*KK + GEMM_WORK; args[19] > 0: Winograd
// with that many tiles per task: 3x3 stride 1 (args[20] = 4: F(4x4, 3x3), else F(2x2, 3x3)), or 4x4
// stride 2, where args[14] is then the filter as sp_s2w_filter leaves it (turned = 0).
__attribute__((export_name("sp_conv2d"))) void sp_conv2d(const int *args, int tid, int nth) {
  int N = args[0], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], KH = args[7], KW = args[8], chunk = args[18];
  const f32 *x = P(13), *f = P(14); f32 *y = P(15);
  f32 *cols = P(16) + tid * args[17], *gw = cols + chunk * KH * KW * Ci;
  int kk = KH * KW * Ci, Ptot = N * OH * OW, nchunks = (Ptot + chunk - 1) / chunk;
  int tc = args[19];
  if (tc > 0 && KH == 3 && KW == 3 && args[9] == 1 && args[10] == 1) {
    int mt = args[20] == 4 ? 4 : 2;
    if (args[17] >= (mt == 4 ? wino4_work(Ci, Co, tc) : wino_work(Ci, Co, tc))) {
      sp_conv2d_winograd(args, tid, tc, mt);
      return;
    }
  }
  if (tc > 0 && KH == 4 && KW == 4 && args[9] == 2 && args[10] == 2 && args[17] >= s2w_work(4 * Ci, Co, Ci, tc)) {
    sp_conv2d_s2w(args, tid, tc);
    return;
  }
  // Co < NR, no padding, KW*Ci % 4 == 0: no im2col. A pixel's im2col row is KH runs of KW*Ci
  // floats, W*Ci apart in x, and consecutive pixels of an output row are sw*Ci apart: read in place
  // by gemm_smalln_seg, with the same sums in the same order as on the im2col rows (im2col was ~40%
  // of the 9x9 -> 3 layer). Bt = filter^T, built once per thread.
  int H = args[1], W = args[2], sh = args[9], sw = args[10];
  if (Co < NR && (KW * Ci) % 4 == 0 && args[11] == 0 && args[12] == 0 && (OH - 1) * sh + KH <= H && (OW - 1) * sw + KW <= W && !direct_1x1(args)) {
    int ready = 0;
    for (int c; (c = NEXT_TASK()) < nchunks;) {
      if (!ready) { for (int k = 0; k < kk; k++) for (int j = 0; j < Co; j++) cols[j * kk + k] = f[k * Co + j]; ready = 1; }
      int p = c * chunk, end = imin(Ptot, p + chunk);
      while (p < end) {
        int n = p / (OH * OW), rem = p % (OH * OW), oh = rem / OW, ow = rem % OW, len = imin(OW - ow, end - p);
        gemm_smalln_seg(len, Co, KW * Ci, KH, W * Ci, x + ((n * H + oh * sh) * W + ow * sw) * Ci, sw * Ci, cols, kk, y + p * Co, Co, 0);
        p += len;
      }
    }
    return;
  }
  // Co >= NR with short input rows (KW*Ci <= 64, e.g. the 9x9 layer on RGB), no padding: the
  // im2col row is read in place too (micro_seg), where copying it cost as much as the GEMM.
  int Cop = (Co + NR - 1) / NR * NR;
  if (Co >= NR && KW * Ci <= 64 && args[11] == 0 && args[12] == 0 && (OH - 1) * sh + KH <= H && (OW - 1) * sw + KW <= W &&
      !direct_1x1(args) && args[17] >= kk * Cop) {
    int ready = 0;
    for (int c; (c = NEXT_TASK()) < nchunks;) {
      if (!ready) { packB(kk, Co, f, Co, 1, cols); ready = 1; }
      int p = c * chunk, end = imin(Ptot, p + chunk);
      while (p < end) {
        int n = p / (OH * OW), rem = p % (OH * OW), oh = rem / OW, ow = rem % OW, len = imin(OW - ow, end - p);
        const f32 *base = x + ((n * H + oh * sh) * W + ow * sw) * Ci;
        for (int i = 0; i < len; i += MR) {
          int mr = imin(MR, len - i);
          const f32 *rows[MR];
          for (int r = 0; r < MR; r++) rows[r] = base + (i + (r < mr ? r : 0)) * sw * Ci;
          for (int jr = 0; jr < Co; jr += NR)
            micro_seg(KW * Ci, KH, W * Ci, rows, cols + jr * kk, y + (p + i) * Co + jr, Co, mr, imin(NR, Co - jr));
        }
        p += len;
      }
    }
    return;
  }
  for (int c; (c = NEXT_TASK()) < nchunks;) {
    int p0 = c * chunk, rows = imin(chunk, Ptot - p0);
    if (direct_1x1(args)) { sgemm(rows, Co, kk, x + p0 * Ci, Ci, 1, f, Co, 1, y + p0 * Co, Co, 0, gw); continue; }
    im2col(args, x, p0, rows, cols);
    sgemm(rows, Co, kk, cols, kk, 1, f, Co, 1, y + p0 * Co, Co, 0, gw);
  }
}

// ---------------------------------------------------------------------------------------------
// Winograd F(2x2, 3x3) filter gradient (3x3, stride 1), the dual of sp_conv2d_wino: the forward
// per tile is y = At [(G g Gt) . (Bt d B)] A, so with dM = A dy At (dy tile zero outside dy),
// dU[xi] = sum over tiles of V[xi]^T dM[xi] (16 GEMMs [Ci x tiles].[tiles x Co], K = tiles) and
// dW = Gt dU G. Tasks of tc tiles go to threads by a STATIC assignment (task = tid, tid + nth, ..),
// each thread sums its own dU in a fixed order and turns it into its partial dW, which the caller
// sums with sp_sum_parts: the same bits run to run.
// Work per thread (floats), wino_bf_work: zeros[up4(Ci)] | dU [16*Ci*Co] | V [16 planes of
// tc*Ci + WINO_PAD] | dM [16 planes of tc*Co + WINO_PAD] | GEMM_WORK.
// ---------------------------------------------------------------------------------------------
static int wino_bf_work(int Ci, int Co, int tc) {
  return ((Ci + 3) & ~3) + 16 * Ci * Co + 16 * (tc * (Ci + Co) + 2 * WINO_PAD) + GEMM_WORK;
}

// A y At: m[0..15] (row-major 4x4) from y[0..3] (row-major 2x2); A = [1 0; 1 1; 1 -1; 0 -1].
#define WINO_DY_T(y, m, ADD, SUB, NEG)                                                           \
  {                                                                                              \
    __typeof__(y[0]) r[4][2];                                                                    \
    for (int b = 0; b < 2; b++) { r[0][b] = y[b]; r[1][b] = ADD(y[b], y[2 + b]); r[2][b] = SUB(y[b], y[2 + b]); r[3][b] = NEG(y[2 + b]); } \
    for (int i = 0; i < 4; i++) {                                                                \
      m[4 * i] = r[i][0]; m[4 * i + 1] = ADD(r[i][0], r[i][1]); m[4 * i + 2] = SUB(r[i][0], r[i][1]); m[4 * i + 3] = NEG(r[i][1]); \
    }                                                                                            \
  }
#define SNEG(a) (-(a))

// The filter gradients' dy side: the 2x2 dy tile at (oh, ow) of sample n (zeros past the bottom /
// right edge) as A dy At into `planes` planes mdst[q * ms + co]: 16 for F(2x2, 3x3) (WINO_DY_T),
// 9 for the stride-2 F(2x2, 2x2) (W22_UP_T, A = G there).
static void dy_tile_transform(const f32 *dy, int n, int OH, int OW, int Co, int oh, int ow, f32 *mdst, int ms, int planes) {
  int two_h = oh + 1 < OH, two_w = ow + 1 < OW;
  const f32 *y00 = dy + ((n * OH + oh) * OW + ow) * Co, *ys[4];
  ys[0] = y00; ys[1] = two_w ? y00 + Co : 0; ys[2] = two_h ? y00 + OW * Co : 0; ys[3] = two_h && two_w ? y00 + OW * Co + Co : 0;
  int c = 0;
  for (; c + 4 <= Co; c += 4) {
    v128_t yv[4], m[16];
    for (int q = 0; q < 4; q++) yv[q] = ys[q] ? wasm_v128_load(ys[q] + c) : wasm_f32x4_splat(0.f);
    if (planes == 9) W22_UP_T(yv, m, wasm_f32x4_add)
    else WINO_DY_T(yv, m, wasm_f32x4_add, wasm_f32x4_sub, wasm_f32x4_neg)
    for (int q = 0; q < planes; q++) wasm_v128_store(mdst + q * ms + c, m[q]);
  }
  for (; c < Co; c++) {
    f32 yv[4], m[16];
    for (int q = 0; q < 4; q++) yv[q] = ys[q] ? ys[q][c] : 0.f;
    if (planes == 9) W22_UP_T(yv, m, SADD)
    else WINO_DY_T(yv, m, SADD, SSUB, SNEG)
    for (int q = 0; q < planes; q++) mdst[q * ms + c] = m[q];
  }
}

static void sp_conv2d_backprop_filter_wino(const int *args, int tid, int nth, int tc) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], pt = args[11], pl = args[12];
  const f32 *x = P(13), *dy = P(15);
  f32 *dw = P(14) + tid * 9 * Ci * Co;
  int TH = (OH + 1) / 2, TW = (OW + 1) / 2, T = N * TH * TW, ntasks = (T + tc - 1) / tc;
  f32 *zeros = P(16) + tid * args[17], *dU = zeros + ((Ci + 3) & ~3), *V = dU + 16 * Ci * Co;
  int vs = tc * Ci + WINO_PAD, ms = tc * Co + WINO_PAD;
  f32 *Mb = V + 16 * vs, *gw = Mb + 16 * ms;
  int first = 1;
  for (int i = 0; i < ((Ci + 3) & ~3); i++) zeros[i] = 0.f;
  for (int task = tid; task < ntasks; task += nth) {
    int t0 = task * tc, rows = imin(tc, T - t0);
    for (int r = 0; r < rows; r++) {
      int t = t0 + r, n = t / (TH * TW), rem = t % (TH * TW), th = rem / TW, tw = rem % TW;
      int h0 = th * 2 - pt, w0 = tw * 2 - pl, oh = th * 2, ow = tw * 2;
      wino_input_tile(x, zeros, n, H, W, Ci, h0, w0, V + r * Ci, vs);
      dy_tile_transform(dy, n, OH, OW, Co, oh, ow, Mb + r * Co, ms, 16);
    }
    for (int xi = 0; xi < 16; xi++)
      sgemm(Ci, Co, rows, V + xi * vs, 1, Ci, Mb + xi * ms, Co, 1, dU + xi * Ci * Co, Co, !first, gw);
    first = 0;
  }
  if (first) { for (int i = 0; i < 9 * Ci * Co; i++) dw[i] = 0.f; return; }
  // dW = Gt dU G, G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
  int cc = Ci * Co;
  for (int k = 0; k < cc; k++) {
    f32 u[16], t[4][3];
    for (int q = 0; q < 16; q++) u[q] = dU[q * cc + k];
    for (int i = 0; i < 4; i++) {
      f32 a = u[4 * i], b = u[4 * i + 1], c2 = u[4 * i + 2], d = u[4 * i + 3];
      t[i][0] = a + .5f * (b + c2); t[i][1] = .5f * (b - c2); t[i][2] = .5f * (b + c2) + d;
    }
    for (int j = 0; j < 3; j++) {
      f32 a = t[0][j], b = t[1][j], c2 = t[2][j], d = t[3][j];
      dw[(0 * 3 + j) * cc + k] = a + .5f * (b + c2);
      dw[(1 * 3 + j) * cc + k] = .5f * (b - c2);
      dw[(2 * 3 + j) * cc + k] = .5f * (b + c2) + d;
    }
  }
}

// Partial dW of thread tid: dWpart[(kh,kw,ci), co] = sum over its chunks of cols^T dy.
// dW (args[14]) points at nth consecutive [KK*Ci, Co] partials; the caller sums them.
// Work per thread: chunk*KK + GEMM_WORK (+ Co*KK if Co <= 4).
__attribute__((export_name("sp_conv2d_backprop_filter"))) void sp_conv2d_backprop_filter(const int *args, int tid, int nth) {
  int N = args[0], Ci = args[3], OH = args[4], OW = args[5], Co = args[6], KH = args[7], KW = args[8], chunk = args[18];
  const f32 *x = P(13), *dy = P(15);
  int kk = KH * KW * Ci;
  f32 *dw = P(14) + tid * kk * Co;
  f32 *cols = P(16) + tid * args[17], *gw = cols + chunk * kk;
  int Ptot = N * OH * OW, nchunks = (Ptot + chunk - 1) / chunk, first = 1;
  // args[19] > 0: Winograd (3x3 stride 1, or 4x4 stride 2) with that many tiles per task.
  if (args[19] > 0 && KH == 3 && KW == 3 && args[9] == 1 && args[10] == 1 && args[17] >= wino_bf_work(Ci, Co, args[19])) {
    sp_conv2d_backprop_filter_wino(args, tid, nth, args[19]);
    return;
  }
  if (args[19] > 0 && KH == 4 && KW == 4 && args[9] == 2 && args[10] == 2 && args[17] >= s2w_bf_work(Ci, Co, args[19])) {
    sp_conv2d_backprop_filter_s2w(args, tid, nth, args[19]);
    return;
  }
  // One side narrow (<= 4 channels) and the other a multiple of 8, no padding: per tap, the outer
  // products of the narrow side's scalars with 8 channels of the other at a time, x read in place
  // (no im2col; the GEMM below would fill 3 of MR rows or NR columns). Chunks go to threads
  // statically and each chunk's sum over its pixels is added in order, as below.
  int H = args[1], W = args[2], sh = args[9], sw = args[10];
  int narrowOut = Co <= 4 && Ci % 8 == 0, narrowIn = Ci <= 4 && Co % 8 == 0;
  if ((narrowOut || narrowIn) && args[11] == 0 && args[12] == 0 && (OH - 1) * sh + KH <= H && (OW - 1) * sw + KW <= W &&
      args[17] >= 32) {
    int ns = narrowOut ? Co : Ci, nv = narrowOut ? Ci : Co;
    f32 *local = cols;
    for (int c = tid; c < nchunks; c += nth) {
      int p0 = c * chunk, end = imin(Ptot, p0 + chunk);
      for (int kh = 0; kh < KH; kh++)
        for (int kw = 0; kw < KW; kw++)
          // 8 vector channels at a time (16 measured slower: 12 accumulators + 4 loads spill).
          for (int v0 = 0; v0 < nv; v0 += 8) {
            int p = p0, acc = 0;
            while (p < end) {
              int n = p / (OH * OW), rem = p % (OH * OW), oh = rem / OW, ow = rem % OW, len = imin(OW - ow, end - p);
              const f32 *xp = x + ((n * H + oh * sh + kh) * W + ow * sw + kw) * Ci, *dyp = dy + p * Co;
              const f32 *S = narrowOut ? dyp : xp, *V = narrowOut ? xp + v0 : dyp + v0;
              int ss = narrowOut ? Co : sw * Ci, vs = narrowOut ? sw * Ci : Co;
              outer8_n(ns, len, S, ss, V, vs, local, acc);
              acc = 1;
              p += len;
            }
            // local[s][v]: narrowOut s = co, v = ci; else s = ci, v = co. dw[(kh, kw, ci), co].
            f32 *d = dw + (kh * KW + kw) * Ci * Co;
            for (int s2 = 0; s2 < ns; s2++)
              for (int v = 0; v < 8; v++) {
                int ci = narrowOut ? v0 + v : s2, co = narrowOut ? s2 : v0 + v;
                d[ci * Co + co] = (first ? 0.f : d[ci * Co + co]) + local[s2 * 8 + v];
              }
          }
      first = 0;
    }
    if (first) for (int i = 0; i < kk * Co; i++) dw[i] = 0.f;
    return;
  }
  // Co <= 4: t = dW^T = dy^T cols (M = Co: one MR panel, N = kk), then dw (+)= t^T. The GEMM's
  // N is then kk instead of Co padded to NR (3 of 8 columns did work for the 9x9 -> 3 layer).
  // Same sums in the same order as the direct form: bit-identical for chunk <= KC.
  int tr = Co <= 4 && args[17] >= chunk * kk + GEMM_WORK + Co * kk;
  f32 *t = gw + GEMM_WORK;
  // Static chunk -> thread assignment (not the shared task counter): each partial then sums the
  // same chunks in the same order on every run, so training is bit-for-bit reproducible and a
  // resumed run matches an uninterrupted one. (The other kernels write disjoint outputs, so
  // their dynamic scheduling is already deterministic.)
  for (int c = tid; c < nchunks; c += nth) {
    int p0 = c * chunk, rows = imin(chunk, Ptot - p0);
    const f32 *A = cols; int lda = kk;
    if (direct_1x1(args)) { A = x + p0 * Ci; lda = Ci; }
    else im2col(args, x, p0, rows, cols);
    if (tr) {
      sgemm(Co, kk, rows, dy + p0 * Co, 1, Co, A, lda, 1, t, kk, 0, gw);
      for (int i = 0; i < kk; i++)
        for (int o = 0; o < Co; o++) dw[i * Co + o] = (first ? 0.f : dw[i * Co + o]) + t[o * kk + i];
    } else sgemm(kk, Co, rows, A, 1, lda, dy + p0 * Co, Co, 1, dw, Co, !first, gw);
    first = 0;
  }
  if (first) for (int i = 0; i < kk * Co; i++) dw[i] = 0.f;
}

// dx by phases: for dx rows h = rh + a*sh (cols w = rw + b*sw) only taps kh ≡ (rh+pt) mod sh
// contribute, from dy row oh = (h + pt - kh)/sh. Per phase: cols[pix, (th,tw,co)] gathered from
// dy (zeros outside), times Bp[(th,tw,co), ci] = filter[kh,kw,ci,co], written to dx.
// Work per thread: chunk*KH*KW*Co (cols) + KH*KW*Co*Ci (Bp) + chunk*Ci (out) + GEMM_WORK.
__attribute__((export_name("sp_conv2d_backprop_input"))) void sp_conv2d_backprop_input(const int *args, int tid, int nth) {
  int N = args[0], H = args[1], W = args[2], Ci = args[3], OH = args[4], OW = args[5], Co = args[6];
  int KH = args[7], KW = args[8], sh = args[9], sw = args[10], pt = args[11], pl = args[12], chunk = args[18];
  f32 *dx = P(13); const f32 *f = P(14), *dy = P(15);
  f32 *cols = P(16) + tid * args[17], *bp = cols + chunk * KH * KW * Co, *out = bp + KH * KW * Co * Ci, *gw = out + chunk * Ci;
  // args[19] > 0: 4x4 stride 2 as Winograd F(2x2, 2x2) with that many tiles per task; args[14] is
  // then the filter as sp_s2w_filter leaves it (turned = 1).
  if (args[19] > 0 && KH == 4 && KW == 4 && sh == 2 && sw == 2 && args[17] >= s2w_work(Co, 4 * Ci, Co, args[19])) {
    sp_conv2d_backprop_input_s2w(args, tid, args[19]);
    return;
  }
  int tasks = 0;
  for (int rh = 0; rh < sh; rh++) for (int rw = 0; rw < sw; rw++) {
    int Hq = (H - rh + sh - 1) / sh, Wq = (W - rw + sw - 1) / sw;
    if (Hq > 0 && Wq > 0) tasks += (N * Hq * Wq + chunk - 1) / chunk;
  }
  int built = -1;
  for (int t; (t = NEXT_TASK()) < tasks;) {
    // Find the phase of task t.
    int rh = 0, rw = 0, c = t, Hq = 0, Wq = 0, ph = 0;
    for (ph = 0; ph < sh * sw; ph++) {
      rh = ph / sw; rw = ph % sw;
      Hq = (H - rh + sh - 1) / sh; Wq = (W - rw + sw - 1) / sw;
      int nc = Hq > 0 && Wq > 0 ? (N * Hq * Wq + chunk - 1) / chunk : 0;
      if (c < nc) break;
      c -= nc;
    }
    int kh0 = ((rh + pt) % sh + sh) % sh, kw0 = ((rw + pl) % sw + sw) % sw;
    int Jh = kh0 < KH ? (KH - kh0 + sh - 1) / sh : 0, Jw = kw0 < KW ? (KW - kw0 + sw - 1) / sw : 0;
    int Pp = N * Hq * Wq, kp = Jh * Jw * Co;
    if (built != ph) {
      // Bp for this phase (each thread keeps its own copy: small next to the GEMM).
      for (int th = 0; th < Jh; th++) for (int tw = 0; tw < Jw; tw++) {
        const f32 *src = f + ((kh0 + th * sh) * KW + (kw0 + tw * sw)) * Ci * Co;
        f32 *dst = bp + (th * Jw + tw) * Co * Ci;
        for (int ci = 0; ci < Ci; ci++) for (int co = 0; co < Co; co++) dst[co * Ci + ci] = src[ci * Co + co];
      }
      built = ph;
    }
    {
      int p0 = c * chunk, rows = imin(chunk, Pp - p0);
      if (kp == 0) { for (int i = 0; i < rows * Ci; i++) out[i] = 0.f; }
      else {
        for (int r = 0; r < rows; r++) {
          int p = p0 + r, n = p / (Hq * Wq), rem = p % (Hq * Wq), h = rh + (rem / Wq) * sh, w = rw + (rem % Wq) * sw;
          f32 *d = cols + r * kp;
          for (int th = 0; th < Jh; th++) {
            int num = h + pt - (kh0 + th * sh), oh = num / sh;
            int okh = num >= 0 && oh < OH;
            for (int tw = 0; tw < Jw; tw++) {
              int numw = w + pl - (kw0 + tw * sw), ow = numw / sw;
              if (okh && numw >= 0 && ow < OW) {
                const f32 *s = dy + ((n * OH + oh) * OW + ow) * Co; int i = 0;
                for (; i + 4 <= Co; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
                for (; i < Co; i++) d[i] = s[i];
              } else for (int i = 0; i < Co; i++) d[i] = 0.f;
              d += Co;
            }
          }
        }
        sgemm(rows, Ci, kp, cols, kp, 1, bp, Ci, 1, out, Ci, 0, gw);
      }
      for (int r = 0; r < rows; r++) {
        int p = p0 + r, n = p / (Hq * Wq), rem = p % (Hq * Wq), h = rh + (rem / Wq) * sh, w = rw + (rem % Wq) * sw;
        f32 *d = dx + ((n * H + h) * W + w) * Ci; const f32 *s = out + r * Ci; int i = 0;
        for (; i + 4 <= Ci; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
        for (; i < Ci; i++) d[i] = s[i];
      }
    }
  }
}

// dst[i] = sum over `parts` consecutive blocks of n floats starting at src (split over threads).
__attribute__((export_name("sp_sum_parts"))) void sp_sum_parts(const int *args, int tid, int nth) {
  int n = args[0], parts = args[1];
  const f32 *src = P(2); f32 *dst = P(3);
  int per = ((n + nth - 1) / nth + 3) & ~3, i0 = tid * per, i1 = imin(n, i0 + per);
  for (int i = i0; i < i1; i++) { f32 s = 0.f; for (int q = 0; q < parts; q++) s += src[q * n + i]; dst[i] = s; }
}
