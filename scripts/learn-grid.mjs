// See learn-grid.ts (TypeScript that imports the plugin's learner; bundled and run like the
// plugin benches).
import { runTs } from '../bench/ts-bench.mjs';

await runTs('scripts/learn-grid.ts');
