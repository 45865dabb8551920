// Micro-benchmark of the native convolution kernels (packages/core/native/kernels.c) on the real
// shapes of bench/profile-wasm.mjs (128² batch-4 training step, 512² inference), single-threaded,
// timed in process CPU time (process.cpuUsage), so another process on the machine barely moves it.
// Calls the engine directly (no tfjs, no copies in or out).
//   node bench/gemm-micro.mjs [--wasm=a.wasm,b.wasm] [--only=regex] [--min-ms=300] [--chunk=N] [--chunk-threads=2]
// --wasm: one or more builds of kernels.wasm to compare (default the committed one); the outputs of
// every build after the first are checked against the first (max relative error).
// --chunk-threads: threads the production chunk size is computed for (fast-wasm.ts chunkFor).
// --wino=N: tiles per task for the 3x3 stride-1 forward shapes on F(2x2, 3x3) (0: im2col); --f4=0 to
// time F(2x2, 3x3) rather than fast-wasm.ts's default F(4x4, 3x3) (--f4tiles=N: its tiles per task).
// The first shape a process times may include V8's tier-up of the wasm: compare shapes across runs. Those shapes run the
// Winograd path (Conv2D, inference and training); the "bi" shapes here time the im2col input gradient.
import { readFileSync } from 'node:fs';
import { createNodeFastEngine, fastKernelsWasmUrl } from '@stylepack/core/node';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=').slice(1).join('=') ?? d;
const wasms = arg('wasm', '') ? arg('wasm', '').split(',') : [fastKernelsWasmUrl()];
const only = new RegExp(arg('only', '.'));
const minMs = Number(arg('min-ms', '300'));
const chunkOverride = Number(arg('chunk', '0'));
const chunkThreads = Number(arg('chunk-threads', '2'));
const winoOverride = arg('wino', ''); // tiles per task for the Winograd 3x3 path; 0 = off (im2col)
const winoBf = Number(arg('wino-bf', '64')); // tiles per task of the Winograd filter gradient ("bfw" shapes)
// --s2w=N: tiles per task for the 4x4 stride-2 shapes (Winograd F(2x2,2x2) over the input's phases;
// default as fast-wasm.ts stride2Tiles / stride2FilterTiles; 0: the im2col / phase-split GEMM path).
const s2wOverride = arg('s2w', '');

// [name, kind, x NHWC, filter [kh,kw,ci,co], stride] with padding 0 (the model pads explicitly).
const SHAPES = [
  ['t.fwd.4x4s2.128-256', 'fwd', [4, 34, 34, 128], [4, 4, 128, 256], 2],
  ['t.fwd.4x4s2.64-128', 'fwd', [4, 66, 66, 64], [4, 4, 64, 128], 2],
  ['t.fwd.3x3.64-64', 'fwd', [4, 34, 34, 64], [3, 3, 64, 64], 1],
  ['t.fwd.9x9.16-3', 'fwd', [4, 136, 136, 16], [9, 9, 16, 3], 1],
  ['t.bi.4x4s2.128-256', 'bi', [4, 34, 34, 128], [4, 4, 128, 256], 2],
  ['t.bi.4x4s2.64-128', 'bi', [4, 66, 66, 64], [4, 4, 64, 128], 2],
  ['t.bi.3x3.64-64', 'bi', [4, 34, 34, 64], [3, 3, 64, 64], 1],
  ['t.bi.9x9.16-3', 'bi', [4, 136, 136, 16], [9, 9, 16, 3], 1],
  ['t.bf.3x3.64-64', 'bf', [4, 34, 34, 64], [3, 3, 64, 64], 1],
  ['t.bfw.3x3.64-64', 'bfw', [4, 34, 34, 64], [3, 3, 64, 64], 1],
  ['t.bf.4x4s2.128-256', 'bf', [4, 34, 34, 128], [4, 4, 128, 256], 2],
  ['t.bf.4x4s2.64-128', 'bf', [4, 66, 66, 64], [4, 4, 64, 128], 2],
  ['t.bf.9x9.16-3', 'bf', [4, 136, 136, 16], [9, 9, 16, 3], 1],
  ['t.bf.9x9.3-16', 'bf', [4, 136, 136, 3], [9, 9, 3, 16], 1],
  ['t.bi.3x3s2.16-32', 'bi', [4, 130, 130, 16], [3, 3, 16, 32], 2],
  ['t.fwd.4x4s2.3-64', 'fwd', [4, 130, 130, 3], [4, 4, 3, 64], 2],
  ['t.bi.4x4s2.3-64', 'bi', [4, 130, 130, 3], [4, 4, 3, 64], 2],
  ['t.bf.4x4s2.3-64', 'bf', [4, 130, 130, 3], [4, 4, 3, 64], 2],
  ['t.fwd.4x4.256-1', 'fwd', [4, 18, 18, 256], [4, 4, 256, 1], 1],
  ['t.bi.4x4.256-1', 'bi', [4, 18, 18, 256], [4, 4, 256, 1], 1],
  ['t.bf.4x4.256-1', 'bf', [4, 18, 18, 256], [4, 4, 256, 1], 1],
  ['i.fwd.3x3.64-64', 'fwd', [1, 130, 130, 64], [3, 3, 64, 64], 1],
  ['i.fwd.3x3.64-32', 'fwd', [1, 258, 258, 64], [3, 3, 64, 32], 1],
  ['i.fwd.9x9.16-3', 'fwd', [1, 520, 520, 16], [9, 9, 16, 3], 1],
  ['i.fwd.9x9.3-16', 'fwd', [1, 520, 520, 3], [9, 9, 3, 16], 1],
  ['i.fwd.3x3.32-16', 'fwd', [1, 514, 514, 32], [3, 3, 32, 16], 1],
].filter((s) => only.test(s[0]));

const GEMM_WORK = 128 * 256 + 256 * 1024; // >= native GEMM_WORK
const up4 = (n) => Math.ceil(n / 4) * 4;
// As fast-wasm.ts chunkFor.
function chunkFor(pixels, rowFloats, threads) {
  let c = up4(Math.floor(32768 / Math.max(1, rowFloats)));
  c = Math.min(256, Math.max(32, c));
  const forThreads = up4(Math.ceil(pixels / (4 * threads)));
  return Math.max(16, Math.min(c, forThreads));
}

function geom([n, h, w, ci], [kh, kw, , co], s) {
  return { n, h, w, ci, oh: Math.floor((h - kh) / s) + 1, ow: Math.floor((w - kw) / s) + 1, co, kh, kw, sh: s, sw: s, pt: 0, pl: 0 };
}
const convArgs = (g, x, f, y, work, ws, chunk, tc = 0, m = 2) => [g.n, g.h, g.w, g.ci, g.oh, g.ow, g.co, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, x, f, y, work, ws, chunk, tc, m];

// As fast-wasm.ts winogradTiles / winogradWork (0: not a Winograd shape).
function winoTiles(g, threads) {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1) return 0;
  if (winoOverride !== '') return Number(winoOverride);
  const tiles = g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);
  const tc = Math.min(32, up4(Math.max(8, Math.floor(8192 / (g.ci + g.co)))));
  return Math.max(4, Math.min(tc, up4(Math.ceil(tiles / (4 * threads)))));
}
// As fast-wasm.ts stride2Tiles / stride2Work / stride2FilterTiles / stride2FilterWork.
function s2wTiles(g, kind, threads) {
  if (g.kh !== 4 || g.kw !== 4 || g.sh !== 2 || g.sw !== 2) return 0;
  if (s2wOverride !== '') return Number(s2wOverride);
  const outTiles = g.n * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);
  if (kind === 'bf') return Math.max(4, Math.min(64, up4(Math.ceil(outTiles / (2 * threads)))));
  const [k, no, tiles] = kind === 'fwd' ? [4 * g.ci, g.co, outTiles] : [g.co, 4 * g.ci, g.n * Math.ceil((g.h + g.pt) / 4) * Math.ceil((g.w + g.pl) / 4)];
  const tc = Math.min(32, up4(Math.max(8, Math.floor(8192 / (k + no)))));
  return Math.max(4, Math.min(tc, up4(Math.ceil(tiles / (4 * threads)))));
}
const s2wWork = (k, no, c, tc) => up4(c) + 9 * (tc * (k + no) + 32);
const s2wFilterWork = (g, tc) => up4(g.ci) + 36 * g.ci * g.co + 9 * (tc * (4 * g.ci + g.co) + 32) + GEMM_WORK;
// --f4=0: the 3x3 stride-1 forward shapes on F(2x2, 3x3) instead of F(4x4, 3x3) (fast-wasm.ts's
// default); --f4tiles=N overrides its tiles per task (as fast-wasm.ts winograd4Tiles otherwise).
const f4 = arg('f4', '1') !== '0';
function wino4Tiles(g, threads) {
  if (g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1) return 0;
  if (arg('f4tiles', '')) return Number(arg('f4tiles', ''));
  const tiles = g.n * Math.ceil(g.oh / 4) * Math.ceil(g.ow / 4);
  const tc = Math.min(16, up4(Math.max(4, Math.floor(2048 / (g.ci + g.co)))));
  return Math.max(4, Math.min(tc, up4(Math.ceil(tiles / (4 * threads)))));
}
const wino4Work = (g, tc) => up4(g.ci) + 36 * g.ci * Math.ceil(g.co / 8) * 8 + 36 * g.ci * g.co + 36 * (tc * (g.ci + g.co) + 32);
const winoWork = (g, tc) => up4(g.ci) + 16 * g.ci * Math.ceil(g.co / 8) * 8 + 16 * g.ci * g.co + 16 * (tc * (g.ci + g.co) + 32);

function rand(a, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 31 - 1; }
}

// --threads=N (default 1): engine threads. With more than one the times are wall clock (CPU time
// would add the threads up), so other processes on the machine then show in them.
const threads = Number(arg('threads', '1'));
function cpuMs() {
  if (threads > 1) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// Sets up one shape in engine e; returns { run(), out(), ... }.
function setupShape(e, [name, kind, xs, fs, s]) {
  const g = geom(xs, fs, s);
  const kk = g.kh * g.kw * g.ci;
  const P = g.n * g.oh * g.ow;
  const flop = 2 * P * kk * g.co;
  let chunk, ws, entry;
  const wbf = kind === 'bfw' ? winoBf : 0;
  if (kind === 'bfw') kind = 'bf';
  if (kind === 'bi') {
    const taps = Math.ceil(g.kh / g.sh) * Math.ceil(g.kw / g.sw);
    chunk = chunkOverride || chunkFor((g.n * g.h * g.w) / (g.sh * g.sw), taps * g.co, chunkThreads);
    ws = up4(chunk * g.kh * g.kw * g.co + g.kh * g.kw * g.co * g.ci + chunk * g.ci + GEMM_WORK);
    entry = 'sp_conv2d_backprop_input';
  } else {
    chunk = chunkOverride || chunkFor(P, kk, chunkThreads);
    ws = up4(chunk * kk + GEMM_WORK + (kind === 'bf' && g.co <= 4 ? g.co * kk : 0));
    entry = kind === 'fwd' ? 'sp_conv2d' : 'sp_conv2d_backprop_filter';
  }
  e.reset();
  const xN = g.n * g.h * g.w * g.ci, fN = kk * g.co, yN = P * g.co;
  const x = e.alloc(xN * 4), f = e.alloc(fN * 4 * threads), y = e.alloc(yN * 4);
  const heap = e.heapF32();
  // fwd: x, f in; y out. bi: dy (y), f in; dx (x) out. bf: x, dy (y) in; dW (f) out.
  rand(heap.subarray(x >> 2, (x >> 2) + xN), 1);
  rand(heap.subarray(f >> 2, (f >> 2) + fN), 2);
  rand(heap.subarray(y >> 2, (y >> 2) + yN), 3);
  const s2 = s2wTiles(g, kind, chunkThreads);
  const t4 = kind === 'fwd' && f4 && winoOverride !== '0' ? wino4Tiles(g, chunkThreads) : 0;
  const tc = s2 || t4 || (kind === 'fwd' ? winoTiles(g, chunkThreads) : wbf);
  if (t4) ws = Math.max(ws, up4(wino4Work(g, t4)));
  if (s2) ws = Math.max(ws, up4(kind === 'fwd' ? s2wWork(4 * g.ci, g.co, g.ci, s2) : kind === 'bi' ? s2wWork(g.co, 4 * g.ci, g.co, s2) : s2wFilterWork(g, s2)));
  else if (tc && kind === 'fwd') ws = Math.max(ws, up4(winoWork(g, tc)));
  else if (tc && kind === 'bf') ws = Math.max(ws, up4(up4(g.ci) + 16 * g.ci * g.co + 16 * (tc * (g.ci + g.co) + 32) + GEMM_WORK));
  const work = e.alloc(ws * 4 * threads);
  // The stride-2 Winograd forward / input gradient take the filter as sp_s2w_filter leaves it
  // (timed with the conv, as fast-wasm.ts runs it once per call).
  const turned = kind === 'bi';
  const [k2, no2] = turned ? [g.co, 4 * g.ci] : [4 * g.ci, g.co];
  const pf = s2 && kind !== 'bf' ? e.alloc(9 * k2 * Math.ceil(no2 / 8) * 8 * 4) : 0;
  const args = convArgs(g, x, pf || f, y, work, ws, chunk, tc, t4 ? 4 : 2);
  const outOff = kind === 'fwd' ? y : kind === 'bi' ? x : f;
  const outN = kind === 'fwd' ? yN : kind === 'bi' ? xN : fN;
  const run = () => {
    if (pf) e.run('sp_s2w_filter', [f, g.ci, g.co, turned ? 1 : 0, pf]);
    e.run(entry, args);
  };
  return { chunk: t4 ? `w4:${tc}` : tc ? `w${tc}` : chunk, flop, run, out: () => e.heapF32().slice(outOff >> 2, (outOff >> 2) + outN) };
}

// Every shape gets its own engine per build (memory laid out once); builds run interleaved, rep by
// rep, so a change in the machine's load hits them alike. Reported: the fastest rep (least disturbed).
const engines = wasms.map((w) => createNodeFastEngine({ threads, wasm: readFileSync(w) }));
const results = wasms.map(() => []);
for (const shape of SHAPES) {
  const runs = engines.map((e) => setupShape(e, shape));
  const outs = runs.map((r) => { r.run(); return r.out(); });
  const times = runs.map(() => []);
  const t0 = cpuMs();
  while (times[0].length < 3 || (cpuMs() - t0 < minMs * runs.length && times[0].length < 50)) {
    runs.forEach((r, k) => { const a = cpuMs(); r.run(); times[k].push(cpuMs() - a); });
  }
  runs.forEach((r, k) => {
    const ms = Math.min(...times[k]);
    results[k].push({ name: shape[0], chunk: r.chunk, ms, gflops: r.flop / 1e6 / ms, out: outs[k] });
  });
  // Re-setting up the next shape reuses the same scratch, so take outputs now.
}
for (const e of engines) e.close();

const relErr = (a, b) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(a[i])); }
  return num / (den || 1);
};
const head = ['shape', 'chunk', ...wasms.map((w, i) => `ms/GF/s [${i}]`), ...(wasms.length > 1 ? ['speedup', 'maxrel'] : [])];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
let tot = wasms.map(() => 0);
SHAPES.forEach((s, i) => {
  const cells = results.map((r) => `${r[i].ms.toFixed(1)} / ${r[i].gflops.toFixed(1)}`);
  results.forEach((r, k) => { tot[k] += r[i].ms; });
  const extra = wasms.length > 1
    ? [(results[0][i].ms / results[results.length - 1][i].ms).toFixed(2), relErr(results[0][i].out, results[results.length - 1][i].out).toExponential(1)]
    : [];
  console.log(`| ${s[0]} | ${results[0][i].chunk} | ${cells.join(' | ')} | ${extra.join(' | ')} |`);
});
console.log(`| total ms | | ${tot.map((t) => t.toFixed(0)).join(' | ')} | ${wasms.length > 1 ? (tot[0] / tot[tot.length - 1]).toFixed(2) : ''} | |`);
// The Winograd filter gradient ("bfw") against the im2col one ("bf") on the same shape and inputs.
SHAPES.forEach((s, i) => {
  const j = SHAPES.findIndex((t) => t[0] === s[0].replace('.bfw.', '.bf.'));
  if (s[1] === 'bfw' && j >= 0) console.log(`${s[0]} vs ${SHAPES[j][0]}: maxrel ${relErr(results[0][j].out, results[0][i].out).toExponential(1)}`);
});
