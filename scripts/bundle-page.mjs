// Bundles a browser page for Chromium (one IIFE script, in memory) with @stylepack/core taken from
// its TypeScript sources, so the page runs the current code without a rebuild. Shared by
// test/e2e/fast-kernels-web.e2e.test.ts and bench/profile-learn-web.mjs (plain ESM, so node and
// vitest can both import it).
import * as esbuild from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * @param {string} entry the page's entry file (absolute path)
 * @returns {Promise<string>} the bundled script
 */
export async function bundleCorePage(entry) {
  const bundle = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
    plugins: [{ name: 'core-sources', setup: (b) => b.onResolve({ filter: /^@stylepack\/core$/ }, () => ({ path: join(ROOT, 'packages/core/src/index.ts') })) }],
  });
  return bundle.outputFiles[0].text;
}
