// npm run bench: runs every bench suite present and writes bench/results/*.json.
//   npm run bench [-- --full] [-- --only=core,cli,plugin,queue,vs-torch,quality,learn-steps]
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.split('=')[1].split(',');
const suites = [
  { name: 'core', file: 'core.mjs' },
  { name: 'cli', file: 'cli.mjs' },
  { name: 'plugin', file: 'plugin-ui.mjs' },
  { name: 'plugin', file: 'plugin-learn.mjs' },
  { name: 'plugin', file: 'plugin-panel.mjs' },
  { name: 'plugin', file: 'plugin-preview.mjs' },
  { name: 'queue', file: 'queue.mjs' },
  { name: 'vs-torch', file: 'vs-torch.mjs', when: () => args.includes('--vs-torch') },
  // minutes of optimisation per pair: only when asked for (--only=quality)
  { name: 'quality', file: 'quality.mjs', when: () => !!only?.includes('quality') },
  // learning a style per start and rate schedule, minutes per painting: --only=learn-steps
  { name: 'learn-steps', file: 'learn-steps.mjs', when: () => !!only?.includes('learn-steps') },
];
let failed = 0;
for (const s of suites) {
  if (only && !only.includes(s.name)) continue;
  if (s.when && !s.when()) continue;
  const file = join(here, s.file);
  if (!existsSync(file)) continue;
  console.log(`\n=== bench: ${s.name} ===`);
  const r = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${s.name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
