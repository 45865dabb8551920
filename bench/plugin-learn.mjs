// Learn-style bench: style-fitting steps/s at 256×256 (batch 2) per backend, in headless Chromium,
// with the built plugin (dist/ui.html) and the emulated Figma host (test/figma-host).
//   node bench/plugin-learn.mjs [--backends=webgpu,wasm] [--steps=6] [--size=256]
// Writes bench/results/plugin-learn.json. Needs /usr/bin/chromium (or CHROMIUM_PATH) and a built
// plugin (npm run build; rebuilt here if stale). The test helpers are TypeScript, so this file
// bundles bench/plugin-learn.bench.ts with esbuild (deps external) and runs it.
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lib from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outDir = join(root, 'node_modules', '.cache', 'stylepack');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, 'plugin-learn-bench.mjs');
await esbuild.build({
  entryPoints: [join(here, 'plugin-learn.bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // like vitest: @stylepack/core from its sources
  alias: { '@stylepack/core': join(root, 'packages/core/src/index.ts') },
  outfile,
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
try {
  await main(process.argv.slice(2), lib);
} catch (e) {
  console.error(e);
  process.exit(1);
}
