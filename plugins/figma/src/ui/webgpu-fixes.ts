// tfjs-backend-webgpu 4.22's AddN compiles one shader with a storage buffer per input. WebGPU
// allows only a few storage buffers per shader stage (8 by default; SwiftShader gives exactly
// that), so an AddN over more inputs silently computes garbage. The trainer's global gradient
// norm sums one term per style vector (28+ inputs), which made Learn style diverge on webgpu
// (NaN vectors after two steps). This wraps the kernel to add at most MAX_INPUTS at a time.
import * as tf from '@tensorflow/tfjs';

const MAX_INPUTS = 4;
let installed = false;

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Info = tf.TensorInfo;

export function installWebgpuAddNFix(): boolean {
  if (installed) return true;
  const k = tf.getKernel('AddN', 'webgpu');
  if (!k) return false;
  const original = k.kernelFunc;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: (args: KernelArgs) => {
      const backend = args.backend as unknown as { disposeData(dataId: object): void };
      let inputs = args.inputs as unknown as Info[];
      const temps: Info[] = [];
      while (inputs.length > MAX_INPUTS) {
        const next: Info[] = [];
        for (let i = 0; i < inputs.length; i += MAX_INPUTS) {
          const group = inputs.slice(i, i + MAX_INPUTS);
          if (group.length === 1) next.push(group[0]!);
          else {
            const r = original({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as Info;
            temps.push(r);
            next.push(r);
          }
        }
        inputs = next;
      }
      const out = original({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as Info;
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    },
  });
  installed = true;
  return true;
}
