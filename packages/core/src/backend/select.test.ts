import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeBackend, nodeWasmPaths } from '../node/backend-node.js';
import { BROWSER_BACKEND_ORDER, describeBackendChoice, selectBackend } from './select.js';
import { wasmGradientKernelStatus } from '../kernels/register-wasm.js';

describe('selectBackend', () => {
  it('falls back from webgpu to wasm in Node, logging the reason, and registers the wasm gradients', async () => {
    const lines: string[] = [];
    const choice = await selectBackend(['webgpu', 'wasm'], { log: (m) => lines.push(m), wasmPaths: nodeWasmPaths() });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.tried).toHaveLength(2);
    expect(choice.tried[0]!.name).toBe('webgpu');
    expect(choice.tried[0]!.error).toMatch(/navigator/);
    expect(choice.tried[1]).toEqual({ name: 'wasm' });
    expect(lines[0]).toMatch(/^webgpu unavailable: .*navigator.*; trying wasm$/);
    expect(lines[1]).toMatch(/^backend: wasm \(.*stylepack gradient kernels: .*Conv2DBackpropFilter/);
    expect(describeBackendChoice(choice)).toMatch(/^wasm \(.*webgpu: /);
    expect(wasmGradientKernelStatus().Conv2DBackpropFilter).toBe('stylepack');
    // The wasm backend now trains a conv (filter gradient included).
    const w = tf.variable(tf.ones([3, 3, 2, 2]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(tf.ones([1, 5, 5, 2]) as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same')));
    expect(grads[w.name]!.shape).toEqual([3, 3, 2, 2]);
    tf.dispose([w, ...Object.values(grads)]);
  });

  it('skips webgl (not registered in Node) and a backend whose prepare hook throws', async () => {
    const lines: string[] = [];
    const choice = await selectBackend(['webgl', 'wasm', 'cpu'], {
      log: (m) => lines.push(m),
      prepare: async (name) => {
        if (name === 'wasm') throw new Error('disabled by test');
      },
    });
    expect(choice.name).toBe('cpu');
    expect(choice.tried.map((t) => t.name)).toEqual(['webgl', 'wasm', 'cpu']);
    expect(choice.tried[0]!.error).toMatch(/no 'webgl' backend/);
    expect(lines).toContain('wasm unavailable: disabled by test; trying cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('throws with every reason when nothing works', async () => {
    await expect(selectBackend(['webgpu', 'webgl'])).rejects.toThrow(/no usable tfjs backend.*webgpu: .*webgl: /);
  });

  it('exposes the browser order', () => {
    expect(BROWSER_BACKEND_ORDER).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });
});

describe('initNodeBackend', () => {
  it("'auto' picks wasm when tfjs-node is absent, explaining why", async () => {
    const lines: string[] = [];
    const choice = await initNodeBackend('auto', (m) => lines.push(m));
    expect(choice.name).toBe('wasm');
    expect(choice.tried[0]).toEqual({ name: 'tensorflow', error: '@tensorflow/tfjs-node is not installed' });
    expect(lines[0]).toBe('tensorflow unavailable: @tensorflow/tfjs-node is not installed; trying wasm');
  });

  it('a named backend is tried first, with the Node order as fallback', async () => {
    const choice = await initNodeBackend('cpu');
    expect(choice).toEqual({ name: 'cpu', tried: [{ name: 'cpu' }] });
    const again = await initNodeBackend('webgpu');
    expect(again.name).toBe('wasm');
    expect(again.tried.map((t) => t.name)).toEqual(['webgpu', 'tensorflow', 'wasm']);
  });
});
