// Page script for fast-kernels-web.e2e.test.ts (bundled by the test with esbuild): runs the
// generator and a Conv2D gradient on cpu and on wasm with stylepack's fast kernels, in the browser.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Generator, enableWebFastWasmKernels, fastWasmKernelStatus, generatorPreset } from '@stylepack/core';

async function bytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`native/${file}`)).arrayBuffer());
}

/** Generator forward (Winograd 3×3, 9×9 convs, fused norm, upsampling) and a conv's gradients, as plain arrays. */
async function work(): Promise<number[][]> {
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 0.5, numStyles: 1 }), 7);
  const x = tf.tidy(() => tf.randomUniform([1, 48, 40, 3], 0, 1, 'float32', 3) as tf.Tensor4D);
  const y = tf.tidy(() => g.stylize(x, g.styleVectors(tf.ones([1, 1]) as tf.Tensor2D), 1));
  const grads = tf.tidy(() => {
    const a = tf.randomNormal([2, 20, 18, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 24], 0, 0.2, 'float32', 6) as tf.Tensor4D;
    return tf.grads((a: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(a, w, 1, 'same').square().sum())([a, w]);
  });
  const out = [Array.from(await y.data()), ...(await Promise.all(grads.map(async (t) => Array.from(await t.data()))))];
  tf.dispose([x, y, ...grads]);
  g.dispose();
  return out;
}

(window as unknown as { check: (fma: boolean) => Promise<unknown> }).check = async (fma: boolean) => {
  await tf.setBackend('cpu');
  const ref = await work();
  setWasmPaths(new URL('wasm/', location.href).href);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // tfjs's own kernels single-threaded; ours decide for themselves
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to start');
  const fast = await enableWebFastWasmKernels(
    {
      single: await bytes('kernels-st.wasm'),
      threaded: await bytes('kernels.wasm'),
      singleFma: await bytes('kernels-st-fma.wasm'),
      threadedFma: await bytes('kernels-fma.wasm'),
      heap: await bytes('heap-kernels.wasm'),
    },
    { threads: 2, fma },
  );
  const got = await work();
  const relErr = got.map((g, i) => {
    let d = 0;
    let m = 0;
    for (let j = 0; j < g.length; j++) {
      d = Math.max(d, Math.abs(g[j]! - ref[i]![j]!));
      m = Math.max(m, Math.abs(ref[i]![j]!));
    }
    return d / m;
  });
  return { crossOriginIsolated, fast, relErr, status: fastWasmKernelStatus() };
};
