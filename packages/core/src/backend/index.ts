export {
  selectBackend,
  describeBackendChoice,
  isBackendName,
  BROWSER_BACKEND_ORDER,
  BACKEND_NAMES,
  type BackendName,
  type BackendAttempt,
  type BackendChoice,
  type SelectBackendOptions,
} from './select.js';
export {
  registerWasmGradientKernels,
  wasmGradientKernelStatus,
  WASM_GRADIENT_KERNELS,
  type WasmGradientOptions,
} from '../kernels/register-wasm.js';
