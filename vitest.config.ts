import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// One vitest run covers every package: unit tests next to the code (packages/*/src, plugins/*/src)
// and cross-package / end-to-end tests under test/.
export default defineConfig({
  // Tests run against the TypeScript sources, so a change is tested without a rebuild.
  resolve: {
    alias: [
      { find: /^@stylepack\/core\/node$/, replacement: src('./packages/core/src/node/index.ts') },
      { find: /^@stylepack\/core\/crc32$/, replacement: src('./packages/core/src/train/crc32.ts') },
      { find: /^@stylepack\/core$/, replacement: src('./packages/core/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // 2-core CI: two workers at most so tfjs kernels are not starved.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
