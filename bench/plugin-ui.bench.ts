// See plugin-ui.mjs. One fresh page per backend; each run is a real plugin run: export in the
// emulated host → decode → tiled generator → PNG encode in the UI → write back in the host.
// A backend that fails (or is not available) gets a row saying why; the others still run.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { makeTestPack, type TestPack } from '../plugins/figma/src/testing/make-pack.js';
import { PackLibrary, StyleEngine } from '../plugins/figma/src/ui/engine.js';
import type { FigmaHost } from '../test/figma-host/index.js';
import { ROOT, launchChromium, openPlugin, startServer, waitForRunDone, type Session } from '../test/e2e/harness.js';

/** bench/lib.mjs, passed in by plugin-ui.mjs (it writes to bench/results relative to itself). */
export interface BenchLib {
  median(xs: number[]): number;
  printTable(title: string, rows: Record<string, unknown>[], columns?: string[]): void;
  writeResults(name: string, data: Record<string, unknown>): string;
}

interface Timing {
  width: number;
  height: number;
  backend: string;
  decodeMs: number;
  stylizeMs: number;
  encodeMs: number;
  tiles: number;
  tileSize: number;
}

function frame(size: number) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      data[i] = (x * 255) / size;
      data[i + 1] = (y * 255) / size;
      data[i + 2] = ((x ^ y) & 63) * 4;
      data[i + 3] = 255;
    }
  return { width: size, height: size, data };
}

/** The 1-, 5- and 15-minute load averages, rounded (the machine may be shared). */
export const load = () => loadavg().map((x) => Number(x.toFixed(2)));

/** Per-node failure messages the plugin main code sent to the UI (run-node-status 'failed'). */
export function nodeErrors(host: FigmaHost): string[] {
  return host.sentToUi
    .map((m) => m as { type: string; status?: string; nodeId?: string; message?: string })
    .filter((m) => m.type === 'run-node-status' && m.status === 'failed')
    .map((m) => `${m.nodeId}: ${m.message ?? '(no message)'}`);
}

type KernelStatus = Record<string, { installed: boolean; fast: number; fallback: number; winograd: number }>;

/** The panel's fast-kernel status in a line's worth: kernels installed, calls they served, calls left to wasm's own. */
function fastKernelSummary(status: unknown): { installed: number; fastCalls: number; fallbackCalls: number; winogradCalls: number } {
  const rows = Object.values(status as KernelStatus);
  const sum = (f: (r: KernelStatus[string]) => number) => rows.reduce((a, r) => a + f(r), 0);
  return { installed: sum((r) => (r.installed ? 1 : 0)), fastCalls: sum((r) => r.fast), fallbackCalls: sum((r) => r.fallback), winogradCalls: sum((r) => r.winograd) };
}

/**
 * The wasm row's work in this Node process: the panel's own StyleEngine (ui/engine.ts) on
 * tfjs-wasm with stylepack's fast kernels, on the same frame with the same style, settings and
 * tile size. Runs right after each browser run, with 1 thread (Node's default build: Node 20
 * needs a flag for relaxed SIMD), 2 threads, and 1 thread with the relaxed-SIMD FMA build (as
 * Chromium runs it), so both sides see the same moment of a shared machine.
 */
async function nodeSameWork(pack: TestPack, size: number) {
  const core = await import('@stylepack/core/node');
  const choice = await core.initNodeBackend('wasm');
  if (choice.name !== 'wasm') throw new Error(`Node wasm backend unavailable (got ${choice.name})`);
  const engines = [core.createNodeFastEngine({ threads: 1 }), core.createNodeFastEngine({ threads: 2 }), core.createNodeFastEngine({ threads: 1, fma: true })];
  const library = new PackLibrary();
  await library.add(pack.bytes, false);
  const { vectors, baseSha } = library.vectors(library.styles()[0]!.key);
  const engine = new StyleEngine();
  engine.ensureModel(baseSha, library.baseWeights(baseSha)!);
  engine.setStyle(vectors, null, 0);
  const img = frame(size);
  // Warm up each engine untimed: V8 runs wasm on its baseline compiler first and optimises hot
  // functions in the background, so a fresh engine's first stylizes took 2-3x as long (915, 1015
  // then 333 ms on 2026-12-04), which the browser side, warmed by its own run 0, does not pay.
  for (const e of engines) {
    core.registerFastWasmKernels(e);
    for (let i = 0; i < 3; i++) await engine.stylize(img, { strength: 1, preserveColors: false, tileSize: 512 });
  }
  return {
    /** Stylize ms with 1 thread, 2 threads, 1 thread FMA. */
    async run(tileSize: number, settings: { strength: number; preserveColors: boolean }): Promise<[number, number, number]> {
      const ms: number[] = [];
      for (const e of engines) {
        core.registerFastWasmKernels(e);
        const t0 = performance.now();
        await engine.stylize(img, { ...settings, tileSize });
        ms.push(performance.now() - t0);
      }
      return ms as [number, number, number];
    },
    close() {
      engine.dispose();
      for (const e of engines) e.close();
    },
  };
}
type NodeSide = Awaited<ReturnType<typeof nodeSameWork>>;

/** `--runs=2` for every backend, or per backend: `--runs=2,webgpu:1,webgl:1`. */
function runsFor(spec: string, backend: string): number {
  let n = 3;
  for (const part of spec.split(',')) {
    const [k, v] = part.includes(':') ? part.split(':') : [null, part];
    if (k === null || k === backend) n = Number(v);
  }
  return n;
}

export async function main(argv: string[], { median, printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const full = argv.includes('--full');
  const backends = (arg('backends') ?? (full ? 'webgpu,webgl,wasm,cpu' : 'webgpu,webgl,wasm')).split(',');
  const runsSpec = arg('runs') ?? '3';
  const size = Number(arg('size') ?? 512);
  const timeoutMs = Number(arg('timeout') ?? 900) * 1000;
  // --merge: keep the rows of bench/results/plugin-ui.json for backends not run now (slow
  // backends can then be measured one at a time).
  const merge = argv.includes('--merge');
  await tf.setBackend('cpu');
  // Default lite generator (w=16) with a seeded random style: same cost as a trained pack.
  const pack = await makeTestPack({ seed: 3, widthMultiplier: 1, id: 'bench', name: 'Bench style' });
  const server = await startServer();
  const browser = await launchChromium();
  const rows: Record<string, unknown>[] = [];
  let environment: unknown = null;

  // Node's side of wasm_vs_node_1thread, measured run by run with the wasm row.
  const nodeSide: NodeSide | null = backends.includes('wasm') ? await nodeSameWork(pack, size) : null;
  const nodeMs: [number, number, number][] = [];
  const nodeLoad: number[][] = [];

  async function benchBackend(s: Session, backend: string, runs: number): Promise<Record<string, unknown>> {
    const loadBefore = load();
    const ui = s.page.frameLocator('#plugin-ui');
    const uiFrame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
    await ui.getByTestId('import-pack').setInputFiles({ name: 'bench.stylepack', mimeType: 'application/octet-stream', buffer: Buffer.from(pack.bytes) });
    await ui.getByTestId('style-option').first().waitFor();
    // The bench pack's style (the panel also has built-in styles), so Node's side does the same work.
    await ui.locator('[data-testid=style-option][data-key="bench#0@mine"]').click();
    await ui.locator('[data-testid=style-option][data-key="bench#0@mine"][aria-checked=true]').waitFor();
    s.host.select(['1:2']);
    await ui.locator('[data-testid=stylize]:not([disabled])').waitFor({ timeout: 60_000 });
    // The live preview of the selected frame renders first; let it finish so it is not timed with the runs.
    await ui.locator('[data-testid=preview][data-pending=false] [data-testid=preview-img]').waitFor({ timeout: timeoutMs });
    const active = await ui.getByTestId('backend').textContent();
    environment ??= await uiFrame.evaluate(async () => {
      const nav = navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } };
      const a = await nav.gpu?.requestAdapter();
      return { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, webgpuAdapter: a?.info ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null };
    });
    if (active !== backend) {
      const why = await ui.getByTestId('backend').getAttribute('title');
      console.log(`skipping ${backend}: the panel fell back to ${active} (${why})`);
      return { backend, skipped: `not available; fell back to ${active}`, why };
    }
    const walls: number[] = [];
    const tileSizes: number[] = []; // the tile side each run used (the panel re-aims it after a run)
    for (let i = 0; i <= runs; i++) {
      tileSizes.push((await uiFrame.evaluate('window.__stylepack.tileSize()')) as number);
      const t0 = performance.now();
      await ui.getByTestId('stylize').click();
      const done = await waitForRunDone(s.host, i + 1, timeoutMs);
      if (done.created !== 1) throw new Error(`run ${i} failed on ${backend}: ${done.message} ${nodeErrors(s.host).join('; ') || '(no per-node message)'}`);
      console.log(`  ${backend} run ${i}${i === 0 ? ' (warm-up: model load + calibration)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (i > 0) walls.push(performance.now() - t0); // run 0 = warm-up (includes model load + calibration)
      if (backend === 'wasm' && nodeSide) {
        // The same work in Node now (run 0 warms it up); tileSizes[i] is what this run used.
        const settings = (await uiFrame.evaluate('({ strength: window.__stylepack.state.settings.strength, preserveColors: window.__stylepack.state.settings.preserveColors })')) as { strength: number; preserveColors: boolean };
        nodeLoad.push(load());
        const ms = await nodeSide.run(tileSizes[i] || 256, settings);
        if (i > 0) nodeMs.push(ms);
        console.log(`  node, same work: ${(ms[0] / 1000).toFixed(2)} s on 1 thread, ${(ms[1] / 1000).toFixed(2)} s on 2, ${(ms[2] / 1000).toFixed(2)} s on 1 with FMA`);
      }
    }
    const timings = (await uiFrame.evaluate('window.__stylepack.timings')) as Timing[];
    const timed = timings.slice(1);
    const fastKernels = backend === 'wasm' ? fastKernelSummary(await uiFrame.evaluate('window.__stylepack.fastKernels()')) : undefined;
    const row = {
      backend,
      size: `${size}×${size}`,
      tiles: timed[0]!.tiles,
      tileSize: timed[0]!.tileSize,
      stylizeMs: median(timed.map((t) => t.stylizeMs)),
      decodeMs: median(timed.map((t) => t.decodeMs)),
      encodeMs: median(timed.map((t) => t.encodeMs)),
      firstRunStylizeMs: timings[0]!.stylizeMs,
      firstRunTiles: timings[0]!.tiles,
      endToEndMs: median(walls),
      runs: timed.length,
      tileSizes: tileSizes.slice(1),
      ...(fastKernels ? { fastKernels } : {}),
      load: { before: loadBefore, after: load() },
    };
    console.log(`${backend}: stylize ${row.stylizeMs.toFixed(0)} ms (median of ${row.runs}), end-to-end ${row.endToEndMs.toFixed(0)} ms`);
    return row;
  }

  try {
    for (const backend of backends) {
      let s: Session | null = null;
      try {
        s = await openPlugin(browser, server.url, {
          pages: [{ name: 'Bench', children: [{ id: '1:2', name: 'Frame', width: size, height: size, pixels: frame(size) }] }],
          clientStorage: { 'settings/v1': { backend, outputScale: 1 } },
        });
        rows.push(await benchBackend(s, backend, runsFor(runsSpec, backend)));
      } catch (e) {
        const error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
        const consoleErrors = s ? s.logs.filter((l) => /^\[(error|pageerror|warning)\]/.test(l)).slice(-8) : [];
        console.log(`${backend}: FAILED: ${error}`);
        for (const l of consoleErrors) console.log(`    ${l}`);
        rows.push({ backend, size: `${size}×${size}`, error, ...(consoleErrors.length ? { consoleErrors } : {}), load: load() });
      } finally {
        await s?.page.close().catch(() => {});
      }
    }
  } finally {
    nodeSide?.close();
    await browser.close();
    await server.close();
  }
  // The same work in Node, in this run: the ratio the wasm path is aimed at (issue 13: ≤ 1.5).
  const wasmRow = rows.find((r) => r.backend === 'wasm' && typeof r.stylizeMs === 'number') as { stylizeMs: number } | undefined;
  let node: Record<string, unknown> | null = null;
  if (wasmRow && nodeMs.length) {
    node = {
      what: "the wasm row's stylize (same frame, style, settings, tile size) in this Node process right after each browser run: tfjs-wasm + stylepack fast kernels, the panel's StyleEngine; medians of the timed runs. 1 thread = Node's default build (no FMA on Node 20); 1ThreadFma = the relaxed-SIMD build the browser runs",
      stylizeMs1Thread: median(nodeMs.map((m) => m[0])),
      stylizeMs2Threads: median(nodeMs.map((m) => m[1])),
      stylizeMs1ThreadFma: median(nodeMs.map((m) => m[2])),
      runs1Thread: nodeMs.map((m) => Math.round(m[0])),
      runs2Threads: nodeMs.map((m) => Math.round(m[1])),
      runs1ThreadFma: nodeMs.map((m) => Math.round(m[2])),
      load: nodeLoad,
    };
    console.log(`node (same work): ${(node.stylizeMs1Thread as number).toFixed(0)} ms on 1 thread; wasm in Chromium / node 1 thread = ${(wasmRow.stylizeMs / (node.stylizeMs1Thread as number)).toFixed(2)}`);
  }
  const resultsFile = join(ROOT, 'bench/results/plugin-ui.json');
  if (merge && existsSync(resultsFile)) {
    const old = JSON.parse(readFileSync(resultsFile, 'utf8')) as { rows?: Record<string, unknown>[]; environment?: unknown };
    const kept = (old.rows ?? []).filter((r) => !backends.includes(r.backend as string));
    rows.unshift(...kept.map((r) => ({ ...r, date: r.date ?? (old as { date?: string }).date })));
    environment ??= old.environment;
  }
  const order = ['webgpu', 'webgl', 'wasm', 'cpu'];
  rows.sort((a, b) => order.indexOf(a.backend as string) - order.indexOf(b.backend as string));
  const cols = ['backend', 'size', 'tiles', 'tileSize', 'stylizeMs', 'decodeMs', 'encodeMs', 'endToEndMs', 'firstRunStylizeMs', 'runs'];
  printTable(`Plugin UI: stylize a ${size}×${size} frame (lite generator, w=16)`, rows.filter((r) => !r.skipped && !r.error), cols);
  for (const r of rows.filter((r) => r.skipped || r.error)) console.log(`${r.backend}: ${r.error ?? r.skipped}`);
  writeResults('plugin-ui', {
    what: `UI-side time to stylize a ${size}×${size} frame in the Figma plugin panel (headless Chromium, emulated host). stylizeMs = tiled generator only (median of the timed runs; run 0 is a warm-up and not counted); endToEndMs = click → layer written (export, decode, stylize, encode, createImage). tiles = tiles per image in the timed runs (firstRunTiles: in the warm-up); tileSize = the panel's tile size after the last run (what it re-aimed to). load = 1/5/15-minute load averages of the machine before/after the backend's runs (they include the bench's own Chromium; SwiftShader is multi-threaded).`,
    caveat: 'Headless Chromium here renders WebGPU/WebGL with SwiftShader (CPU emulation), so GPU rows measure the software rasteriser, not a real GPU.',
    ...(node && wasmRow
      ? { wasm_vs_node_1thread: Number((wasmRow.stylizeMs / (node.stylizeMs1Thread as number)).toFixed(3)), wasm_vs_node_2threads: Number((wasmRow.stylizeMs / (node.stylizeMs2Threads as number)).toFixed(3)), wasm_vs_node_1thread_fma: Number((wasmRow.stylizeMs / (node.stylizeMs1ThreadFma as number)).toFixed(3)), node }
      : {}),
    model: { preset: 'lite', widthMultiplier: 1 },
    environment,
    rows,
  });
}
