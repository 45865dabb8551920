// stylepack's fast wasm kernels in a plain browser page (not the plugin): one thread on
// kernels-st.wasm where the page is not cross-origin isolated, two Web Workers on kernels.wasm
// where it is (COOP + COEP headers); each with and without relaxed-SIMD FMA (Chromium validates the
// kernels-*fma.wasm builds, so they are picked by default). Each matches tfjs's cpu backend to 1e-4 relative (max |Δ|
// over max |cpu|; seen 2.1e-6 for the generator, 2e-7 for the gradients) on a generator forward and
// a conv's gradients.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCorePage } from '../../scripts/bundle-page.mjs';
import { ROOT, launchChromium } from './harness.js';

const NATIVE = join(ROOT, 'packages/core/native');
const TFJS_WASM = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

let browser: Browser;
let server: http.Server;
let base = '';

beforeAll(async () => {
  const js = await bundleCorePage(join(ROOT, 'test/e2e/fast-kernels-page.ts'));
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // /coi/...: cross-origin isolated (SharedArrayBuffer, threads); /plain/...: not.
    const [, mode, ...rest] = url.pathname.split('/');
    const path = '/' + rest.join('/');
    const headers: Record<string, string> = mode === 'coi' ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    const send = (type: string, body: string | Buffer) => res.writeHead(200, { ...headers, 'content-type': type }).end(body);
    if (path === '/') return send('text/html', '<!doctype html><meta charset="utf-8"><script src="page.js"></script>');
    if (path === '/page.js') return send('text/javascript', js);
    for (const [prefix, dir] of [['/native/', NATIVE], ['/wasm/', TFJS_WASM]] as const) {
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (path.startsWith(prefix) && file.startsWith(dir) && existsSync(file)) return send('application/wasm', readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

interface Result {
  crossOriginIsolated: boolean;
  fast: { kernels: string[]; threads: number; fma: boolean; off?: string; line: string };
  relErr: number[];
  status: Record<string, { installed: boolean; fast: number; winograd: number }>;
}

async function check(mode: 'coi' | 'plain', fma: boolean): Promise<Result> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${base}/${mode}/`);
    const r = (await page.evaluate(`window.check(${fma})`)) as Result;
    expect(errors).toEqual([]);
    return r;
  } finally {
    await page.close();
  }
}

function expectFastAndExact(r: Result): void {
  expect(r.fast.off).toBeUndefined();
  for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'StylepackInstanceNorm', 'MirrorPad']) {
    expect(r.status[k], k).toMatchObject({ installed: true });
    expect(r.status[k]!.fast, `${k} calls served by the fast kernels`).toBeGreaterThan(0);
  }
  expect(r.status.Conv2D!.winograd).toBeGreaterThan(0);
  expect(r.relErr).toHaveLength(3);
  for (const e of r.relErr) expect(e).toBeLessThan(1e-4);
}

describe.each([
  ['with relaxed-SIMD FMA', true],
  ['without FMA', false],
])('fast wasm kernels in a browser page, %s', { timeout: 120_000 }, (_label, fma) => {
  it('run on one thread (kernels-st*.wasm) without cross-origin isolation', async () => {
    const r = await check('plain', fma);
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.fast).toMatchObject({ threads: 1, fma });
    expectFastAndExact(r);
  });

  it('run on two Web Workers (kernels*.wasm, shared memory) when cross-origin isolated', async () => {
    const r = await check('coi', fma);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.fast).toMatchObject({ threads: 2, fma });
    expectFastAndExact(r);
  });
});
