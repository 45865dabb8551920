// The fast wasm kernels' universal API: the browser host and the status of the kernels.
// Node's host is in '@stylepack/core/node' (node/fast-kernels-node.ts).
export {
  createWebFastEngine,
  enableWebFastWasmKernels,
  webFastKernelThreads,
  type WebFastKernelBytes,
  type WebFastKernelOptions,
} from './fast-engine-web.js';
export { describeFastKernels, type FastKernelsResult } from './fast-engine.js';
export { fastWasmKernelStatus, FAST_WASM_KERNELS } from './register-wasm.js';
