// Plugin-panel bench: open time (iframe load → built-in styles usable → panel ready, with
// ui.html's size) and long tasks in the panel during a 512² stylize and during Learn, on wasm.
//   node bench/plugin-panel.mjs [--opens=3] [--backends=auto,wasm] [--learn-steps=3] [--learn-size=128]
// Writes bench/results/plugin-panel.json. Needs /usr/bin/chromium (or CHROMIUM_PATH); rebuilds the
// plugin if stale. The test helpers are TypeScript: bench/plugin-panel.bench.ts is bundled and run.
import { runTsBench } from './ts-bench.mjs';

await runTsBench('plugin-panel');
