// Test-only helpers for the fast-kernel tests (outside src/, so never part of the build or the
// universal sources): the error measure, deterministic data, the cpu-vs-wasm comparison and the
// engines' set-up.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect } from 'vitest';
import { initNodeBackend } from '../src/node/backend-node.js';
import { createNodeFastEngine, type NodeFastEngine } from '../src/node/fast-kernels-node.js';
import { registerFastWasmKernels, unregisterFastWasmKernels } from '../src/kernels/register-wasm.js';

/** max|a − b| / max|b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(1e-6, scale);
}

/** Deterministic, backend-independent data in [offset − spread, offset + spread); each call new. */
export function dataSource(firstSeed: number): (shape: number[], offset?: number, spread?: number) => Float32Array {
  let seed = firstSeed;
  return (shape, offset = 0, spread = 1) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    let s = (seed++ * 2654435761) >>> 0;
    for (let i = 0; i < n; i++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      out[i] = offset + spread * (s / 2 ** 31 - 1);
    }
    return out;
  };
}

/**
 * Runs `f` on cpu and on wasm (fast kernels) on the same inputs; returns relErr per output.
 * Each run must leave tf.memory().numTensors as it found it.
 */
export async function compareCpuWasm(data: Float32Array[], shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<number[]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const xs = data.map((d, i) => tf.tensor(d, shapes[i]));
    const out = tf.tidy(() => {
      const r = f(...xs);
      return Array.isArray(r) ? r : [r];
    });
    const vals = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([...xs, ...out]);
    expect(tf.memory().numTensors).toBe(before);
    return vals;
  };
  const ref = await run('cpu');
  const got = await run('wasm');
  return ref.map((r, i) => relErr(got[i]!, r));
}

/**
 * Registers vitest hooks: wasm backend, a 2-thread, a 1-thread and a 1-thread relaxed-SIMD FMA
 * engine (kernels-fma.wasm; V8's flag turned on where Node needs it), the 2-thread one registered,
 * and clean-up. Returns the engines (filled once beforeAll ran).
 */
export function useFastWasmEngines(): NodeFastEngine[] {
  const engines: NodeFastEngine[] = [];
  beforeAll(async () => {
    const choice = await initNodeBackend('wasm', () => {}, {});
    expect(choice.name).toBe('wasm');
    engines.push(createNodeFastEngine({ threads: 2, fma: false }), createNodeFastEngine({ threads: 1, fma: false }), createNodeFastEngine({ threads: 1, fma: true }));
    registerFastWasmKernels(engines[0]!);
  });
  afterAll(async () => {
    unregisterFastWasmKernels();
    for (const e of engines) e.close();
    await tf.setBackend('wasm');
  });
  return engines;
}
