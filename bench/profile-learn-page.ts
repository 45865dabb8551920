// Page script for bench/profile-learn-web.mjs (bundled with esbuild): one Learn step as the plugin
// runs it (Trainer in fit-style mode, lite w16, MobileNetV2 with the default taps), on tfjs's wasm
// backend with stylepack's fast kernels on ONE thread (a page that is not cross-origin isolated,
// as the plugin's iframe), with tf.profile per kernel.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS, Generator, Trainer, createLossNetwork, enableWebFastWasmKernels, generatorPreset } from '@stylepack/core';

async function bytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

interface Opts {
  size: number;
  batch: number;
  steps: number;
  /** Start the backend and the fast kernels only. */
  setupOnly?: boolean;
}

(window as unknown as { run: (o: Opts) => Promise<unknown> }).run = async ({ size, batch, steps, setupOnly }: Opts) => {
  setWasmPaths(new URL('wasm/', location.href).href);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to start');
  const { registerWasmGradientKernels } = await import('@stylepack/core');
  registerWasmGradientKernels();
  const fast = await enableWebFastWasmKernels({
    single: await bytes('native/kernels-st.wasm'),
    threaded: await bytes('native/kernels.wasm'),
    singleFma: await bytes('native/kernels-st-fma.wasm'),
    threadedFma: await bytes('native/kernels-fma.wasm'),
    heap: await bytes('native/heap-kernels.wasm'),
  });
  if (setupOnly) return { fast: fast.line };
  const meta = (await (await fetch('lossnet.json')).json()) as { modelTopology: unknown; weightsManifest: unknown };
  const weightData = (await bytes('lossnet.bin')).buffer as ArrayBuffer;
  const taps = [...DEFAULT_STYLE_TAPS];
  const lossNet = createLossNetwork({ ...meta, weightData }, { taps });
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 1, numStyles: 1 }), 1);
  const styleImages = [tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 10) as tf.Tensor4D];
  const trainer = new Trainer({
    generator: g, lossNet, contentTap: taps.indexOf(DEFAULT_CONTENT_TAP), styleTaps: taps.map((_, i) => i),
    styleImages, mode: 'fit-style', seed: 1, weights: { adversarial: 0 },
  });
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const step = async () => {
    await trainer.trainStepAsync(x);
  };
  await step(); // warm-up
  const before = tf.memory().numTensors;
  const info = await tf.profile(step);
  const kernels = info.kernels.map((k) => ({ name: k.name, shapes: k.inputShapes.map((s) => (s ? s.join('×') : '')).join(' · '), ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 }));
  const walls: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    walls.push(performance.now() - t0);
  }
  const leaked = tf.memory().numTensors - before;
  return { fast: fast.line, kernels, walls, leaked };
};

/** The plugin's own learner (ui/learn.ts) on the shipped base model, as the plugin-learn bench drives it, timed per step. */
(window as unknown as { runLearner: (o: Opts) => Promise<unknown> }).runLearner = async ({ size, steps }: Opts) => {
  const { decodePack } = await import('@stylepack/core');
  const { StyleLearner } = await import('../plugins/figma/src/ui/learn.js');
  const pack = await decodePack(await bytes('base.stylepack'));
  const meta = (await (await fetch('lossnet.json')).json()) as { modelTopology: unknown; weightsManifest: unknown };
  const weightData = (await bytes('lossnet.bin')).buffer as ArrayBuffer;
  const img = (w: number, f: (x: number, y: number) => [number, number, number]) => {
    const data = new Uint8ClampedArray(w * w * 4);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) data.set([...f(x, y), 255], (y * w + x) * 4);
    return { width: w, height: w, data };
  };
  const learner = new StyleLearner({
    baseWeights: pack.weights as never,
    style: img(size, (x, y) => ((((x >> 4) + (y >> 4)) & 1) ? [230, 80, 20] : [20, 40, 200])),
    content: [img(Math.round(size * 1.5), (x, y) => [x & 255, y & 255, (x ^ y) & 255])],
    candidates: pack.styles.map((s) => ({ label: s.name, vectors: s.tensors as never })),
    steps,
    size,
    batch: 2,
    previewEvery: 10,
    lossSource: () => ({ ...meta, weightData }),
  });
  const at: number[] = [];
  let sps: number | null = null;
  const before = tf.memory().numTensors;
  await learner.run((p) => {
    at.push(performance.now());
    sps = p.stepsPerSec;
  });
  return { stepsPerSec: sps, stepMs: at.slice(1).map((t, i) => t - at[i]!), leaked: tf.memory().numTensors - before };
};

/**
 * The content-target change A/B in one page: two trainers on the same generator and loss network,
 * one whose loss network ignores `only` (the content batch runs to the deepest style tap, as before
 * 2026-12-04), steps interleaved (ABBA order); medians of the step wall times.
 */
(window as unknown as { ab: (o: Opts) => Promise<unknown> }).ab = async ({ size, batch, steps }: Opts) => {
  const meta = (await (await fetch('lossnet.json')).json()) as { modelTopology: unknown; weightsManifest: unknown };
  const weightData = (await bytes('lossnet.bin')).buffer as ArrayBuffer;
  const taps = [...DEFAULT_STYLE_TAPS];
  const lossNet = createLossNetwork({ ...meta, weightData }, { taps });
  const wholeNet = { taps: lossNet.taps, features: (x: tf.Tensor4D, only?: readonly number[]) => { const all = lossNet.features(x); return only ? only.map((i) => all[i]!) : all; } };
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 1, numStyles: 1 }), 1);
  const styleImages = [tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 10) as tf.Tensor4D];
  const make = (net: typeof wholeNet) => new Trainer({ generator: g, lossNet: net, contentTap: taps.indexOf(DEFAULT_CONTENT_TAP), styleTaps: taps.map((_, i) => i), styleImages, mode: 'fit-style', seed: 1, weights: { adversarial: 0 } });
  const trainers = [make(wholeNet), make(lossNet)];
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const ms: number[][] = [[], []];
  for (let i = 0; i < steps + 1; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      await trainers[k]!.trainStepAsync(x);
      if (i > 0) ms[k]!.push(performance.now() - t0); // step 0 of each: warm-up
    }
  }
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
  return { before: med(ms[0]!), after: med(ms[1]!), n: steps };
};

interface CurveOpts {
  size: number;
  steps: number;
  every: number;
  /** RGBA images served by the bench at /rgba/<i> (0: the painting, then the content photos). */
  images: { width: number; height: number }[];
  /** Left out of the candidates: the painting's own built-in style (learned as an unseen one). */
  leaveOut: string;
  variants: { name: string; recipe?: { start: 'closest' | 'blend'; learningRate: number } }[];
}

/**
 * Steps to 90 % in the plugin (bench/profile-learn-web.mjs --curve): the plugin's StyleLearner on
 * the shipped base, one run per recipe, recording the probe style loss the panel gets every
 * `every` steps (the centre crop of the first content photo).
 */
(window as unknown as { runCurve: (o: CurveOpts) => Promise<unknown> }).runCurve = async ({ size, steps, every, images, leaveOut, variants }: CurveOpts) => {
  const { decodePack, slug } = await import('@stylepack/core');
  const { StyleLearner } = await import('../plugins/figma/src/ui/learn.js');
  const pack = await decodePack(await bytes('base.stylepack'));
  const meta = (await (await fetch('lossnet.json')).json()) as { modelTopology: unknown; weightsManifest: unknown };
  const weightData = (await bytes('lossnet.bin')).buffer as ArrayBuffer;
  const rgba = await Promise.all(images.map(async (d, i) => ({ ...d, data: new Uint8ClampedArray((await bytes(`rgba/${i}`)).buffer) })));
  const runs = [];
  for (const v of variants) {
    const learner = new StyleLearner({
      baseWeights: pack.weights as never,
      style: rgba[0]!,
      content: rgba.slice(1),
      candidates: pack.styles.filter((s) => slug(s.name) !== slug(leaveOut)).map((s) => ({ label: s.name, vectors: s.tensors as never })),
      steps,
      size,
      batch: 2,
      previewEvery: every,
      lossSource: () => ({ ...meta, weightData }),
      ...(v.recipe ? { recipe: v.recipe } : {}),
    });
    const curve: { step: number; style: number }[] = [];
    let sps: number | null = null;
    const r = await learner.run((p) => {
      sps = p.stepsPerSec;
      if (p.probeStyle !== undefined) curve.push({ step: p.step, style: p.probeStyle });
    });
    curve.unshift({ step: 0, style: r.probeStyleStart });
    runs.push({ variant: v.name, initFrom: r.initFrom, learningRate: r.learningRate, schedule: r.schedule ?? null, stepsPerSec: sps, seconds: r.seconds, curve });
  }
  return { backend: tf.getBackend(), runs };
};
