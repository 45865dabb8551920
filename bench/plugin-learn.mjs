// Learn-style bench: style-fitting steps/s at 256×256 (batch 2) per backend, in headless Chromium,
// with the built plugin (dist/ui.html) and the emulated Figma host (test/figma-host).
//   node bench/plugin-learn.mjs [--backends=webgpu,wasm] [--steps=6] [--size=256]
// Writes bench/results/plugin-learn.json. Needs /usr/bin/chromium (or CHROMIUM_PATH) and a built
// plugin (npm run build; rebuilt here if stale). The test helpers are TypeScript, so this file
// bundles bench/plugin-learn.bench.ts with esbuild (deps external) and runs it.
import { runTsBench } from './ts-bench.mjs';

await runTsBench('plugin-learn');
