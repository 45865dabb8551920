// core/style: pack → generator, blending, closest-style search, the learn loop, slug, encoding.
// Tiny generator (width 4, 1 block), 32 px images, the real MobileNetV2 loss network.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Generator, readParams } from '../model/index.js';
import { decodePack } from '../pack/decode.js';
import type { LossNetwork } from '../lossnet/index.js';
import { loadLossNetworkFromNsfwjs } from '../node/lossnet-node.js';
import { Rng } from '../model/params.js';
import { learningRateAt } from '../train/schedule.js';
import {
  LearnDivergedError,
  StyleLearning,
  blendStart,
  learnRecipe,
  StyleMismatchError,
  blendStyles,
  closestStyle,
  encodeStylePack,
  generatorConfigFromWeights,
  generatorFor,
  slug,
  styleDistances,
  styleShapes,
  thinSeries,
  type StyleTables,
} from './index.js';

const CFG = { width: 4, resBlocks: 1, outerKernel: 3 };
let backbone: Record<string, { shape: number[]; data: Float32Array }>;
let net: LossNetwork;

function randomStyle(seed: number): StyleTables {
  const rng = new Rng(seed);
  const out: StyleTables = {};
  for (const [k, [c]] of Object.entries(styleShapes(CFG))) {
    const data = new Float32Array(c!);
    for (let i = 0; i < c!; i++) data[i] = (k.endsWith('/gamma') ? 1 : 0) + 0.8 * (rng.next() - 0.5);
    out[k] = { shape: [c!], data };
  }
  return out;
}

function image(seed: number, size = 32): tf.Tensor4D {
  const rng = new Rng(seed);
  const d = new Float32Array(size * size * 3);
  for (let i = 0; i < d.length; i++) d[i] = (((i / 3) | 0) % size) / size * 0.5 + 0.5 * rng.next();
  return tf.tensor4d(d, [1, size, size, 3]);
}

/** `content` stylized with `style`: a "painting" whose closest style is known. */
function paintedWith(style: StyleTables, content: tf.Tensor4D): tf.Tensor4D {
  const gp = generatorFor(backbone, [style]);
  const y = tf.tidy(() => gp.stylize(content, gp.styleVectors(tf.ones([1, 1]) as tf.Tensor2D)));
  gp.dispose();
  return y;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const g = new Generator({ ...CFG, numStyles: 1 }, 7);
  backbone = await readParams(g.params);
  g.dispose();
  net = await loadLossNetworkFromNsfwjs({ taps: ['block_1_expand_relu', 'block_3_expand_relu'] });
});

describe('slug', () => {
  it('keeps letters and digits, dashes the rest, falls back to "style"', () => {
    expect(slug('Starry Night (1889)')).toBe('starry-night-1889');
    expect(slug('Été à Paris')).toBe('ete-a-paris');
    expect(slug('***')).toBe('style');
    expect(slug('a'.repeat(70) + ' b').length).toBe(64);
  });
});

describe('pack → generator', () => {
  it('infers the architecture and holds each style as a row of the norm tables', async () => {
    expect(generatorConfigFromWeights(backbone)).toEqual({ ...CFG, numStyles: 1 });
    const a = randomStyle(1);
    const b = randomStyle(2);
    const g = generatorFor(backbone, [a, b]);
    const p = await readParams(g.params);
    const layer = g.normLayers[0]!;
    expect(p[`${layer.name}/gamma`]!.shape).toEqual([2, layer.channels]);
    expect(Array.from(p[`${layer.name}/gamma`]!.data.slice(layer.channels))).toEqual(Array.from(b[`${layer.name}/gamma`]!.data));
    expect(Array.from(p['c1/w']!.data)).toEqual(Array.from(backbone['c1/w']!.data));
    g.dispose();
    const neutral = generatorFor(backbone);
    const q = await readParams(neutral.params);
    expect(Array.from(new Set(q[`${layer.name}/gamma`]!.data))).toEqual([1]);
    expect(Array.from(new Set(q[`${layer.name}/beta`]!.data))).toEqual([0]);
    neutral.dispose();
  });

  it('refuses a style of another architecture, naming the vector', () => {
    const before = tf.memory().numTensors;
    const bad = { ...randomStyle(1), 'c1/gamma': { shape: [3], data: new Float32Array(3) } };
    expect(() => generatorFor(backbone, [bad])).toThrow(/"c1\/gamma"/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('blendStyles', () => {
  it('is the weighted mean with weights normalised to 1, and one part is its own vectors', () => {
    const shapes = styleShapes(CFG);
    const a = randomStyle(1);
    const b = randomStyle(2);
    const m = blendStyles([{ tables: a, weight: 3 }, { tables: b, weight: 1 }], shapes);
    const k = Object.keys(shapes)[0]!;
    for (let i = 0; i < 4; i++) expect(m[k]!.data[i]).toBeCloseTo(0.75 * a[k]!.data[i]! + 0.25 * b[k]!.data[i]!, 6);
    expect(blendStyles([{ tables: a, weight: 0 }, { tables: b, weight: 2 }], shapes)[k]!.data).toEqual(b[k]!.data);
    expect(() => blendStyles([{ tables: a, weight: 0 }], shapes)).toThrow(StyleMismatchError);
    expect(() => blendStyles([{ tables: {}, weight: 1, name: 'Empty' }], shapes)).toThrow(/Style "Empty" does not fit/);
  });
});

describe('closest-style search', () => {
  it('finds the style the painting was made with and skips styles that do not fit', async () => {
    const styles = [randomStyle(11), randomStyle(12), randomStyle(13)];
    const g = generatorFor(backbone);
    const probe = image(1);
    const painting = paintedWith(styles[1]!, probe);
    const before = tf.memory().numTensors;
    const d = await styleDistances(g, net, probe, painting, [...styles, { x: { shape: [1], data: new Float32Array(1) } }]);
    expect(d[1]).toBeCloseTo(0, 6);
    expect(d[0]!).toBeGreaterThan(0);
    expect(d[3]).toBe(Infinity);
    expect(await closestStyle(g, net, probe, painting, styles)).toEqual({ index: 1, distance: d[1] });
    expect(await closestStyle(g, net, probe, painting, [{}])).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([probe, painting]);
    g.dispose();
  });
});

describe('StyleLearning (the learn-a-style loop)', () => {
  it('starts from the closest style, lowers the style loss, continues to a total and leaks nothing', async () => {
    const styles = [randomStyle(21), randomStyle(22)];
    const probe = image(2);
    const painting = paintedWith(randomStyle(23), image(3));
    const g = generatorFor(backbone);
    const before = tf.memory().numTensors;
    const d = await styleDistances(g, net, probe, painting, styles);
    const l = await StyleLearning.start({ generator: g, lossNet: net, contentTap: 1, styleTaps: [0, 1], painting, probe, candidates: styles.map((t, i) => ({ label: `s${i}`, tables: t })), learningRate: 3e-2, seed: 1 });
    const nearest = d[0]! < d[1]! ? 0 : 1;
    expect(l.initFrom).toEqual({ label: `s${nearest}`, distance: d[nearest] });
    expect(Array.from((await l.tables())['c1/gamma']!.data)).toEqual(Array.from(styles[nearest]!['c1/gamma']!.data));
    const style: number[] = [];
    await l.fit({ steps: 6, batch: () => probe.clone(), onStep: (r) => void style.push(r.losses.style) });
    expect(l.step).toBe(6);
    expect(style[5]!).toBeLessThan(style[0]!);
    await l.fit({ steps: 8, batch: () => probe.clone() }); // a total: 2 more
    expect(l.step).toBe(8);
    const t = await l.tables();
    expect(t['c1/gamma']!.shape).toEqual([4]);
    l.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([probe, painting]);
    g.dispose();
  });

  it('stops with LearnDivergedError when the loss is not finite', async () => {
    const probe = image(4);
    const painting = tf.fill([1, 32, 32, 3], NaN) as tf.Tensor4D;
    const g = generatorFor(backbone);
    const l = await StyleLearning.start({ generator: g, lossNet: net, contentTap: 1, styleTaps: [0, 1], painting, probe, candidates: [] });
    expect(l.initFrom).toBeNull();
    await expect(l.fit({ steps: 3, batch: () => probe.clone() })).rejects.toThrow(LearnDivergedError);
    l.dispose();
    tf.dispose([probe, painting]);
    g.dispose();
  });
});

describe('encodeStylePack', () => {
  it('writes one float16 style tied to its base, id from the name', async () => {
    const style = randomStyle(5);
    const bytes = await encodeStylePack({ id: 'base-x', sha256: 'ab'.repeat(32) }, { name: 'Blue Period', tensors: style }, { author: 'test', licence: 'CC0-1.0', training: { steps: 3 } });
    const pack = await decodePack(bytes);
    expect(pack.manifest.id).toBe('blue-period');
    expect(pack.manifest.baseModel).toEqual({ id: 'base-x', sha256: 'ab'.repeat(32) });
    expect(pack.manifest.training).toEqual({ steps: 3 });
    expect(pack.styles[0]!.tensors['c1/beta']!.data[0]).toBeCloseTo(style['c1/beta']!.data[0]!, 3);
    expect(pack.weights).toBeUndefined();
  });

  it('thinSeries keeps at most ~200 points and the last one', () => {
    const a = Array.from({ length: 1001 }, (_, i) => i);
    const t = thinSeries(a);
    expect(t.length).toBeLessThanOrEqual(201);
    expect(t[t.length - 1]).toBe(1000);
    expect(thinSeries([1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('a better start and a schedule (issue 12 item 5)', () => {
  it('blendStart finds a painting made with a half-and-half blend of two styles, and is never further than the closest style', async () => {
    // Styles 1 and 2 lie either side of a middle style x (x ± a small offset): the painting is made
    // with x, which only their half-and-half blend reaches; 0 and 3 are far away.
    const x = randomStyle(31);
    const off = randomStyle(32);
    const side = (sign: number): StyleTables => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, { shape: v.shape, data: v.data.map((a, i) => a + sign * 0.3 * (off[k]!.data[i]! - (k.endsWith('/gamma') ? 1 : 0))) }]));
    const styles = [randomStyle(33), side(1), side(-1), randomStyle(34)];
    const probe = image(5);
    const painting = paintedWith(x, probe);
    const single = paintedWith(styles[3]!, probe);
    const g = generatorFor(backbone);
    const before = tf.memory().numTensors;
    const d = await styleDistances(g, net, probe, painting, styles);
    const b = (await blendStart(g, net, probe, painting, styles, d))!;
    expect(b.parts.map((p) => p.index).sort()).toEqual([1, 2]);
    expect(b.parts.map((p) => p.weight)).toEqual([0.5, 0.5]);
    expect(b.distance).toBeCloseTo(0, 6);
    expect(b.distance).toBeLessThanOrEqual(Math.min(...d));
    // A painting made with one style: that style alone wins.
    const s = (await blendStart(g, net, probe, single, styles))!;
    expect(s.parts).toEqual([{ index: 3, weight: 1 }]);
    expect(s.tables).toBe(styles[3]);
    expect(await blendStart(g, net, probe, single, [{}])).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([probe, painting, single]);
    g.dispose();
  });

  it("StyleLearning with the recipe starts from the blend and labels it; the recipe's rate falls from 3e-2 to 3e-3", async () => {
    const styles = [randomStyle(41), randomStyle(42), randomStyle(43)];
    const probe = image(6);
    const painting = paintedWith(blendStyles([{ tables: styles[0]!, weight: 1 }, { tables: styles[2]!, weight: 1 }], styleShapes(CFG)), probe);
    const g = generatorFor(backbone);
    const recipe = learnRecipe(10);
    const l = await StyleLearning.start({ generator: g, lossNet: net, contentTap: 1, styleTaps: [0, 1], painting, probe, candidates: styles.map((t, i) => ({ label: `s${i}`, tables: t })), ...recipe });
    expect(l.initFrom?.parts?.map((p) => p.label).sort()).toEqual(['s0', 's2']);
    expect(l.initFrom?.label).toMatch(/^s[02] \+ s[02]$/);
    const rates: number[] = [];
    await l.fit({ steps: 10, batch: () => probe.clone(), onStep: (r) => void rates.push(r.learningRate) });
    expect(learningRateAt(recipe.learningRate!, 0, recipe.schedule)).toBeCloseTo(3e-2, 9);
    expect(learningRateAt(recipe.learningRate!, 10, recipe.schedule)).toBeCloseTo(3e-3, 9);
    expect(rates).toHaveLength(10);
    expect(rates[0]).toBeCloseTo(3e-2, 9);
    for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeLessThan(rates[i - 1]!);
    l.dispose();
    tf.dispose([probe, painting]);
    g.dispose();
  });
});
