// See plugin-panel.mjs. How the panel feels, in headless Chromium with the built plugin in the
// emulated host's sandboxed iframe (test/figma-host/iframe.ts), a fresh profile per page:
//  - open: from the host assigning ui.html to the iframe to (a) the built-in styles usable and
//    (b) the panel ready (styles usable and the model runtime started), per backend preference;
//  - long tasks (PerformanceObserver 'longtask', ≥ 50 ms of main-thread work each) in the panel
//    while it stylizes a 512² frame and while it learns a style, on wasm.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST, launchChromium, openPlugin, pluginBuild, startServer, waitForRunDone, type Session } from '../test/e2e/harness.js';
import { load, type BenchLib } from './plugin-ui.bench.js';

interface PanelProbe {
  styles: number | null;
  ready: number | null;
  longtasks: { start: number; ms: number }[];
}
type ProbeWindow = Window & { __probe?: PanelProbe; __stylepack?: { state: { styles: { problem: string | null }[]; backend: { name: string | null; busy: boolean } } } };

/**
 * Runs in every frame before its scripts; in the plugin iframe it records (epoch ms) when the
 * built-in styles became usable and when the runtime was ready, and every long task.
 */
function installProbe(): void {
  if (window.parent === window) return; // the host page
  const w = window as ProbeWindow;
  const probe: PanelProbe = { styles: null, ready: null, longtasks: [] };
  w.__probe = probe;
  const now = () => performance.timeOrigin + performance.now();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longtasks.push({ start: performance.timeOrigin + e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const poll = () => {
    const st = w.__stylepack?.state;
    if (st && probe.styles === null && st.styles.length > 0 && st.styles.every((s) => !s.problem)) probe.styles = now();
    if (st && probe.styles !== null && st.backend.name && !st.backend.busy) probe.ready = now();
    if (probe.ready === null) setTimeout(poll, 5);
  };
  poll();
}

function img(size: number, f: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.set([...f(x, y), 255], (y * size + x) * 4);
  return { width: size, height: size, data };
}

const NODES = [
  { id: '1:2', name: 'Frame 512', width: 512, height: 512, pixels: img(512, (x, y) => [x >> 1, y >> 1, (x ^ y) & 255]) },
  { id: '1:3', name: 'Painting', width: 256, height: 256, pixels: img(256, (x, y) => ((((x >> 4) + (y >> 4)) & 1) ? [230, 80, 20] : [20, 40, 200])) },
];

const epochNow = () => performance.timeOrigin + performance.now();

async function probeOf(s: Session): Promise<PanelProbe> {
  const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
  return frame.evaluate(() => (window as ProbeWindow).__probe!);
}

/** Long tasks that started inside [t0, t1] (epoch ms). */
function summarize(tasks: { start: number; ms: number }[], t0: number, t1: number) {
  const inside = tasks.filter((t) => t.start >= t0 && t.start <= t1);
  const ms = inside.map((t) => t.ms);
  return {
    windowMs: Math.round(t1 - t0),
    longTasks: inside.length,
    maxMs: Math.round(Math.max(0, ...ms)),
    over200ms: ms.filter((x) => x > 200).length,
    blockedMs: Math.round(ms.reduce((a, b) => a + b, 0)),
  };
}

export async function main(argv: string[], { median, printTable, writeResults }: BenchLib): Promise<void> {
  const arg = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  const opens = Number(arg('opens') ?? 3);
  const prefs = (arg('backends') ?? 'auto,wasm').split(',');
  const learnSteps = Number(arg('learn-steps') ?? 3);
  const learnSize = Number(arg('learn-size') ?? 128);
  pluginBuild();
  const uiHtmlBytes = statSync(join(DIST, 'ui.html')).size;
  const server = await startServer();
  const browser = await launchChromium();
  const openRows: Record<string, unknown>[] = [];
  const taskRows: Record<string, unknown>[] = [];
  const open = (backend: string) => openPlugin(browser, server.url, { pages: [{ name: 'Bench', children: NODES }], clientStorage: { 'settings/v1': { backend } } }, { initScript: installProbe });
  try {
    for (const pref of prefs) {
      const styles: number[] = [];
      const ready: number[] = [];
      let active = '';
      const loadBefore = load();
      for (let i = 0; i < opens; i++) {
        const s = await open(pref);
        try {
          const started = (await s.page.evaluate(() => (window as unknown as { __uiLoadStartedAt: number }).__uiLoadStartedAt)) as number;
          let p = await probeOf(s);
          for (let t = 0; p.ready === null && t < 1200; t++) {
            await new Promise((r) => setTimeout(r, 100));
            p = await probeOf(s);
          }
          if (p.ready === null) throw new Error(`${pref}: the panel was not ready after 120 s`);
          styles.push(p.styles! - started);
          ready.push(p.ready - started);
          active = (await s.page.frameLocator('#plugin-ui').getByTestId('backend').textContent()) ?? '';
          console.log(`  open ${pref} #${i}: styles usable ${Math.round(p.styles! - started)} ms, ready (${active}) ${Math.round(p.ready - started)} ms`);
        } finally {
          await s.page.close();
        }
      }
      openRows.push({ preference: pref, runtime: active, uiHtmlKB: Math.round(uiHtmlBytes / 1024), stylesUsableMs: Math.round(median(styles)), panelReadyMs: Math.round(median(ready)), opens, load: { before: loadBefore, after: load() } });
    }

    // Long tasks on wasm: a 512² stylize, then Learn (style frame + built-in sample photos).
    const s = await open('wasm');
    try {
      const ui = s.page.frameLocator('#plugin-ui');
      const frame = s.page.frames().find((f) => f !== s.page.mainFrame())!;
      await ui.locator('[data-testid=stylize-hint]').waitFor();
      s.host.select(['1:2']);
      await ui.locator('[data-testid=stylize]:not([disabled])').waitFor({ timeout: 120_000 });
      for (let run = 0; run < 2; run++) {
        const loadBefore = load();
        const t0 = epochNow();
        await ui.getByTestId('stylize').click();
        await waitForRunDone(s.host, run + 1, 600_000);
        const t1 = epochNow();
        const row = { action: `stylize 512² (${run === 0 ? 'first: model load + calibration' : 'warm'})`, backend: 'wasm', ...summarize((await probeOf(s)).longtasks, t0, t1), load: { before: loadBefore, after: load() } };
        console.log(`  ${row.action}: ${row.longTasks} long tasks, longest ${row.maxMs} ms, ${row.over200ms} over 200 ms`);
        taskRows.push(row);
      }
      s.host.select(['1:3']);
      await ui.locator('[data-testid=sel-item][data-node-id="1:3"]').waitFor();
      await ui.getByTestId('learn-mark-style').click();
      await ui.locator('details.advanced').evaluate((d) => ((d as HTMLDetailsElement).open = true));
      await ui.getByTestId('learn-steps').fill(String(learnSteps));
      await ui.getByTestId('learn-steps').press('Tab');
      await ui.getByTestId('learn-size').fill(String(learnSize));
      await ui.getByTestId('learn-size').press('Tab');
      const loadBefore = load();
      const t0 = epochNow();
      await ui.getByTestId('learn-start').click();
      for (;;) {
        const l = (await frame.evaluate('window.__stylepack.library.learn')) as { error: string | null; result: unknown; running: boolean };
        if (l.error) throw new Error(`learn: ${l.error}`);
        if (l.result && !l.running) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const t1 = epochNow();
      const row = { action: `learn ${learnSteps} steps at ${learnSize}² (incl. loss-network load)`, backend: 'wasm', ...summarize((await probeOf(s)).longtasks, t0, t1), load: { before: loadBefore, after: load() } };
      console.log(`  ${row.action}: ${row.longTasks} long tasks, longest ${row.maxMs} ms, ${row.over200ms} over 200 ms`);
      taskRows.push(row);
    } finally {
      await s.page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  printTable(`Plugin panel: open time (sandboxed iframe, fresh profile; ui.html ${Math.round(uiHtmlBytes / 1024)} kB)`, openRows, ['preference', 'runtime', 'uiHtmlKB', 'stylesUsableMs', 'panelReadyMs', 'opens']);
  printTable('Plugin panel: long tasks in the panel (main thread of the iframe)', taskRows, ['action', 'backend', 'windowMs', 'longTasks', 'maxMs', 'over200ms', 'blockedMs']);
  writeResults('plugin-panel', {
    what: 'The plugin panel in headless Chromium, ui.html in the emulated host\'s sandboxed opaque-origin iframe, a fresh profile each page. open: ms from the host assigning ui.html to the iframe until the 12 built-in styles are usable (stylesUsableMs) and until the model runtime is also started (panelReadyMs; in the model worker since 3 Dec 2026), median of `opens` fresh pages; "auto" starts webgpu here. longTasks: PerformanceObserver \'longtask\' entries (main-thread tasks ≥ 50 ms, during which the panel cannot react) that started between the click and the end of the action; maxMs is the longest freeze. load = 1/5/15-minute load averages before/after.',
    caveat: 'Headless Chromium here renders WebGPU/WebGL with SwiftShader (CPU emulation). The machine has 2 cores shared with other jobs: see load.',
    uiHtmlBytes,
    open: openRows,
    longTasks: taskRows,
  });
}
