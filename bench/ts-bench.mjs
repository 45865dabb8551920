// Runs a TypeScript bench (bench/<name>.bench.ts, which uses the test helpers) or script from plain Node:
// bundles it with esbuild (deps external, @stylepack/core from its sources as in vitest) and
// calls its exported main(argv, lib).
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lib from './lib.mjs';

export function runTsBench(name) {
  return runTs(`bench/${name}.bench.ts`);
}

/** Bundles `entry` (a path from the repo root) and calls its exported main(argv, lib). */
export async function runTs(entry) {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..');
  const name = basename(entry).replace(/\.(bench\.)?ts$/, '');
  const outDir = join(root, 'node_modules', '.cache', 'stylepack');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-bench.mjs`);
  await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // @stylepack/core from its sources (as in vitest); @stylepack/core/node stays external (dist),
    // since it locates kernels.wasm next to its own module file.
    plugins: [{ name: 'core-sources', setup: (b) => b.onResolve({ filter: /^@stylepack\/core$/ }, () => ({ path: join(root, 'packages/core/src/index.ts') })) }],
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
}
