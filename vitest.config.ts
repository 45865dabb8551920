import { defineConfig } from 'vitest/config';

// One vitest run covers every package: unit tests next to the code (packages/*/src, plugins/*/src)
// and cross-package / end-to-end tests under test/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // 2-core CI: two workers at most so tfjs kernels are not starved.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
