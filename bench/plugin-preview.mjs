// Live-preview bench: time from a settings change (a click on another style) to the new preview
// on show, in headless Chromium on the wasm backend, with the built plugin and the emulated host.
//   node bench/plugin-preview.mjs [--frames=256,1024] [--runs=5]
// Writes bench/results/plugin-preview.json. Needs /usr/bin/chromium (or CHROMIUM_PATH). The test
// helpers are TypeScript, so this bundles bench/plugin-preview.bench.ts with esbuild and runs it.
import { runTsBench } from './ts-bench.mjs';

await runTsBench('plugin-preview');
