// esbuild plugin for build.mjs: the virtual module 'stylepack:fast-kernels', stylepack's own native
// kernels (packages/core/native/*.wasm, built by its build.sh) as base64, so that the UI hands
// their bytes to @stylepack/core's browser host (ui/fast-kernels.ts): no network, no blob: URLs.
// STYLEPACK_PLUGIN_FAST_KERNELS=0 builds without them (stock tfjs-wasm kernels; for A/B benches).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * kernels-st.wasm: one thread (plugin iframe); kernels.wasm: threads where cross-origin isolated;
 * *-fma.wasm: the same with relaxed-SIMD FMA, where the engine validates them; heap-kernels.wasm.
 */
const FILES = {
  single: 'kernels-st.wasm',
  threaded: 'kernels.wasm',
  singleFma: 'kernels-st-fma.wasm',
  threadedFma: 'kernels-fma.wasm',
  heap: 'heap-kernels.wasm',
};

export function fastKernelsModule(root) {
  const native = join(root, 'packages', 'core', 'native');
  return {
    name: 'stylepack-fast-kernels',
    setup(build) {
      build.onResolve({ filter: /^stylepack:fast-kernels$/ }, (args) => ({ path: args.path, namespace: 'stylepack-fast-kernels' }));
      build.onLoad({ filter: /.*/, namespace: 'stylepack-fast-kernels' }, () => {
        if (process.env.STYLEPACK_PLUGIN_FAST_KERNELS === '0') return { contents: 'export const FAST_KERNEL_WASM = null;', loader: 'js' };
        const files = Object.fromEntries(Object.entries(FILES).map(([k, f]) => [k, readFileSync(join(native, f)).toString('base64')]));
        return { contents: `export const FAST_KERNEL_WASM = ${JSON.stringify(files)};`, loader: 'js', watchFiles: Object.values(FILES).map((f) => join(native, f)) };
      });
    },
  };
}
