// Packs travel between the CLI and the Figma plugin: a pack made by `stylepack train` passes the
// plugin's import validation and the plugin's engine gives the same pixels as `stylepack
// stylize`; a pack learned in the plugin (ui/learn.ts) is stylized identically by the CLI.
// CLI in-process (sources), tfjs cpu, tiny sizes.
import * as tf from '@tensorflow/tfjs';
import { Generator, decodePack, generatorPreset } from '@stylepack/core';
import { loadNsfwjsMobileNetSource } from '@stylepack/core/node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StyleEngine } from '../../plugins/figma/src/ui/engine.js';
import { StyleLearner, encodeLearnedPack } from '../../plugins/figma/src/ui/learn.js';
import { validatePack, type InstalledBase } from '../../plugins/figma/src/ui/pack-import.js';
import { baseModelFromGenerator, encodeBaseModel, type BaseModel } from '../../packages/trainer/src/models.js';
import { cli, makeFixtures, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let fx: { content: string; styles: string };
let base: BaseModel;
let installed: InstalledBase;
const basePath = () => join(tmp.dir, 'base.stylepack');

async function rgba(path: string) {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
}

/** The plugin's engine (the code the panel runs), on cpu, one tile. */
async function pluginStylize(packBytes: Uint8Array, inputPath: string): Promise<Uint8ClampedArray> {
  const pack = await validatePack(packBytes, [installed], 'pack');
  const engine = new StyleEngine();
  try {
    engine.ensureModel(installed.sha256, installed.weights);
    engine.setStyle(pack.styles[0]!.tensors, null, 0);
    return await engine.stylize(await rgba(inputPath), { strength: 1, preserveColors: false, tileSize: 512 });
  } finally {
    engine.dispose();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = tempDir('roundtrip');
  fx = await makeFixtures(tmp.dir);
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: 2 }), 5);
  try {
    base = await baseModelFromGenerator(g, ['one', 'two'], 'lite', 0.25);
  } finally {
    g.dispose();
  }
  writeFileSync(basePath(), await encodeBaseModel(base, { author: 'tests', licence: 'CC0-1.0', description: 'tiny seeded base' }));
  installed = { id: base.id, sha256: base.sha256, weights: base.backbone };
});

afterAll(() => tmp?.cleanup());

describe('packs between the CLI and the plugin', () => {
  it('a pack from `stylepack train` imports into the plugin and stylizes like `stylepack stylize`', async () => {
    const packPath = join(tmp.dir, 'cli.stylepack');
    const t = await cli(['train', '--style', join(fx.styles, 'checks.png'), '--base', basePath(), '--out', packPath, '--steps', '2', '--size', '32', '--batch', '1', '--content', fx.content, '--backend', 'cpu']);
    expect(t.code, t.stderr).toBe(0);
    const bytes = new Uint8Array(readFileSync(packPath));
    const pack = await validatePack(bytes, [installed], 'cli.stylepack');
    expect(pack.manifest.baseModel.sha256).toBe(base.sha256);
    const outPath = join(tmp.dir, 'out-cli.png');
    const s = await cli(['stylize', '--pack', packPath, '--base', basePath(), join(fx.content, 'a.png'), '--out', outPath, '--backend', 'cpu']);
    expect(s.code, s.stderr).toBe(0);
    const fromCli = await rgba(outPath);
    const fromPlugin = await pluginStylize(bytes, join(fx.content, 'a.png'));
    expect(fromPlugin.length).toBe(fromCli.data.length);
    expect(maxDiff(fromPlugin, fromCli.data)).toBeLessThanOrEqual(1);
  });

  it('a pack learned in the plugin is stylized identically by the CLI', async () => {
    const learner = new StyleLearner({
      baseWeights: base.backbone,
      style: await rgba(join(fx.styles, 'checks.png')),
      content: [await rgba(join(fx.content, 'a.png'))],
      candidates: base.styles.map((s) => ({ label: s.name, vectors: s.tensors })),
      steps: 2,
      size: 32,
      batch: 1,
      lossSource: loadNsfwjsMobileNetSource,
    });
    const r = await learner.run(() => {});
    expect(r.initFrom).toMatch(/^(one|two)( \+ (one|two))?$/);
    const bytes = await encodeLearnedPack(r, { name: 'From Figma', baseModel: { id: base.id, sha256: base.sha256 }, size: 32, batch: 1 });
    const packPath = join(tmp.dir, 'figma.stylepack');
    writeFileSync(packPath, bytes);
    const v = await cli(['pack', 'verify', packPath, '--base', basePath()]);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    const outPath = join(tmp.dir, 'out-figma.png');
    const s = await cli(['stylize', '--pack', packPath, '--base', basePath(), join(fx.content, 'b.jpg'), '--out', outPath, '--backend', 'cpu']);
    expect(s.code, s.stderr).toBe(0);
    // b.jpg: the CLI decodes JPEG with sharp; give the plugin engine the same decoded pixels.
    const pngIn = join(tmp.dir, 'b.png');
    await sharp(join(fx.content, 'b.jpg')).png().toFile(pngIn);
    const fromCli = await rgba(outPath);
    const fromPlugin = await pluginStylize(bytes, pngIn);
    expect(maxDiff(fromPlugin, fromCli.data)).toBeLessThanOrEqual(1);
    expect((await decodePack(bytes)).manifest.training).toMatchObject({ tool: 'figma-plugin', mode: 'fit-style', steps: 2 });
  });
});
