// Shared set-up for the browser end-to-end tests and the plugin-UI bench: build check, local
// http server, headless Chromium, and a page with the plugin mounted next to the emulated host.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HOST_PAGE_HTML, mountUi } from '../figma-host/browser.js';
import { FigmaHost, type HostOptions } from '../figma-host/index.js';

/** The repository root: the nearest ancestor holding plugins/figma (works when bundled elsewhere too). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'plugins/figma/build.mjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the stylepack repository root');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();
export const PLUGIN_DIR = join(ROOT, 'plugins/figma');
export const DIST = join(PLUGIN_DIR, 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** dist/code.js + dist/ui.html, rebuilt first when missing or older than the plugin sources. */
export function pluginBuild(): { code: string; html: string } {
  const ui = join(DIST, 'ui.html');
  const stale =
    !existsSync(ui) ||
    !existsSync(join(DIST, 'code.js')) ||
    statSync(ui).mtimeMs < Math.max(newestMtime(join(PLUGIN_DIR, 'src')), statSync(join(PLUGIN_DIR, 'build.mjs')).mtimeMs);
  if (stale) {
    const r = spawnSync(process.execPath, [join(PLUGIN_DIR, 'build.mjs')], { cwd: PLUGIN_DIR, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`plugin build failed:\n${r.stdout}\n${r.stderr}`);
  }
  return { code: readFileSync(join(DIST, 'code.js'), 'utf8'), html: readFileSync(ui, 'utf8') };
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png' };

/** Serves the host page at / and plugins/figma/dist/* at /dist/ on 127.0.0.1 (a secure context). */
export async function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' });
      res.end(HOST_PAGE_HTML);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path.startsWith('/dist/')) {
      const file = normalize(join(DIST, path.slice('/dist/'.length)));
      if (file.startsWith(DIST) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH. Never download browsers with playwright.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS });
}

export interface Session {
  host: FigmaHost;
  page: Page;
  /** Console lines from the page and the plugin iframe. */
  logs: string[];
}

/**
 * A fresh page with the plugin running: main code in the emulated host, UI in the sandboxed
 * iframe (figma-host/iframe.ts). `initScript(initArg)` runs in every frame before its own scripts.
 */
export async function openPlugin<A>(browser: Browser, serverUrl: string, hostOpts: HostOptions, opts: { initScript?: (arg: A) => void; initArg?: A } = {}): Promise<Session> {
  const { code, html } = pluginBuild();
  const host = new FigmaHost(hostOpts);
  host.runPlugin(code, html);
  const page = await browser.newPage({ viewport: { width: 1000, height: 780 } });
  page.setDefaultTimeout(120_000); // shared 2-core CI: the UI thread may be busy with a tile for seconds
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  if (opts.initScript) await page.addInitScript(opts.initScript as never, opts.initArg);
  await page.goto(serverUrl);
  await mountUi(page, host);
  return { host, page, logs };
}

/** Resolves when main has posted `count` run-done messages in total. */
export async function waitForRunDone(host: FigmaHost, count: number, timeoutMs = 60_000): Promise<{ created: number; failed: number; cancelled: boolean; message: string }> {
  const t0 = Date.now();
  for (;;) {
    const done = host.sentToUi.filter((m) => (m as { type: string }).type === 'run-done');
    if (done.length >= count) return done[count - 1] as { created: number; failed: number; cancelled: boolean; message: string };
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for run-done #${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A test file's teardown: prints the page logs of any session whose page threw, then closes the browser and server. */
export async function closeAll(opened: { logs?: string[][]; browser?: Browser; server?: { close: () => Promise<void> } }): Promise<void> {
  for (const logs of opened.logs ?? []) if (logs.some((l) => l.startsWith('[pageerror]'))) console.log(logs.join('\n'));
  await opened.browser?.close();
  await opened.server?.close();
}
