// Plugin-UI bench: UI-side stylize time for a 512×512 frame per backend, in headless Chromium,
// with the built plugin (dist/ui.html) and the emulated Figma host (test/figma-host).
//   node bench/plugin-ui.mjs [--full] [--backends=webgpu,webgl,wasm] [--runs=3] [--size=512] [--timeout=900 (s per run)]
// Writes bench/results/plugin-ui.json. Needs /usr/bin/chromium (or CHROMIUM_PATH) and a built
// plugin (npm run build; rebuilt here if stale). The test helpers are TypeScript, so this file
// bundles bench/plugin-ui.bench.ts with esbuild (deps external) and runs it.
import { runTsBench } from './ts-bench.mjs';

await runTsBench('plugin-ui');
