// Runs a TypeScript bench (bench/<name>.bench.ts, which uses the test helpers) from plain Node:
// bundles it with esbuild (deps external, @stylepack/core from its sources as in vitest) and
// calls its exported main(argv, lib).
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lib from './lib.mjs';

export async function runTsBench(name) {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = join(here, '..');
  const outDir = join(root, 'node_modules', '.cache', 'stylepack');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-bench.mjs`);
  await esbuild.build({
    entryPoints: [join(here, `${name}.bench.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
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
}
