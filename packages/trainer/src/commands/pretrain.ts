// stylepack pretrain: trains the multi-style generator (all styles at once) against a
// discriminator, with atomic checkpoints, exact --resume, a loss plot and a sample grid.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_LOSS_WEIGHTS, Discriminator, Generator, Trainer, encodeStylePack, generatorPreset, slug, type GeneratorConfig, type GeneratorPreset, type LossWeights, type StepResult } from '@stylepack/core';
import { choice, flag, num, parse, str } from '../args.js';
import { interruptSignal, log, out, type Command } from '../command.js';
import { ContentDataset } from '../dataset.js';
import { CliError, EXIT, UsageError, errorMessage } from '../errors.js';
import { isAtomicTemp } from '@stylepack/core/node';
import { writeAtomic } from '../io/atomic.js';
import { fsErrorMessage } from '../io/fs-errors.js';
import { listImages } from '../io/images.js';
import { baseModelFromGenerator, encodeBaseModel, generatorFor, loadBaseModel } from '../models.js';
import { lossCurveSvg, type LossPoint } from '../plot.js';
import { Progress } from '../progress.js';
import { BACKEND_CHOICES, createLossNet, setupBackend } from '../runtime.js';
import { loadStyleTensor, previewPng, tensorToRgba, writeSampleGrid } from '../samples.js';

const HELP = `Usage: stylepack pretrain --content DIR --styles DIR --out RUN_DIR [options]

Trains the multi-style generator on every painting in --styles at once (one style per file,
sorted by filename; style name = file stem) with content + style + adversarial + TV losses.

Options:
  --content DIR           content photos (JPEG/PNG/WebP), cropped at random each step
  --styles DIR            one painting per style
  --out RUN_DIR           run directory (created); see "Run directory" below
  --size PX               crop size, a multiple of 4, at least 32 (default 256)
  --crop-scale MIN-MAX    multi-scale crops: each covers size×k source pixels, k in [MIN, MAX]
                          (log-uniform), resized to --size (default: none, crops at 1:1)
  --style-size PX         the paintings' shorter side for the style targets and the discriminator
                          (default: --size). Sets the brush-stroke size in output pixels.
  --style-tap-weights LIST  weight of each style layer, e.g. 1,2,5,3 (default: all 1)
  --init MODEL            start from a base model's weights (fine-tune): backbone and the rows
                          of styles with the same names; its architecture replaces --preset
  --steps N               total steps of the run (default 20000); with --resume, raises the target
  --batch B               crops per step (default 4)
  --preset lite|johnson   generator size (default lite)
  --width-mult M          generator width multiplier (default 1)
  --d-width W             discriminator base width (default 64)
  --checkpoint-every N    steps between checkpoints, plot and sample refreshes (default 200)
  --seed S                seed for weights, crops and style order (default 0)
  --loss-weights LIST     e.g. content=1,style=4,tv=10,adversarial=0.05,color=50 (default: core's
                          DEFAULT_LOSS_WEIGHTS); names not given keep their defaults
  --resume                continue RUN_DIR from its last checkpoint (settings come from run.json)
  --backend NAME          auto|wasm|cpu|tensorflow (default auto: tfjs-node, else wasm, else cpu)
  --author TEXT, --licence TEXT   recorded in the written model and packs
  -h, --help

Run directory: run.json (settings and status), checkpoint.bin (whole training state, written
atomically, with a checksum; the one before it is kept as checkpoint.prev.bin and --resume falls
back to it if checkpoint.bin is damaged), loss.svg (loss curves), samples.png (content | style | result per style),
model.stylepack (base model: backbone + all styles) and packs/<style>.stylepack at the end.
Ctrl-C finishes the current step, writes a checkpoint and exits with 130; run the same command
with --resume to continue. Exit codes: 0 done, 1 failure, 2 usage error, 130 interrupted.`;

interface Settings {
  content: string;
  styles: string;
  styleFiles: string[];
  styleNames: string[];
  size: number;
  batch: number;
  preset: GeneratorPreset;
  widthMultiplier: number;
  dWidth: number;
  seed: number;
  lossWeights?: Partial<LossWeights>;
  /** Added later; runs made before them have none (= the old behaviour). */
  cropScale?: [number, number];
  styleSize?: number;
  styleTapWeights?: number[];
  /** `config`: the base's generator architecture, so a resume does not need the base file again. */
  init?: { path: string; id: string; config?: Omit<GeneratorConfig, 'numStyles'> };
}

interface RunJson {
  command: 'pretrain';
  settings: Settings;
  steps: number;
  checkpointEvery: number;
  status: 'running' | 'interrupted' | 'done' | 'failed';
  step: number;
  backend?: string;
  started: string;
  updated: string;
  outputs?: Record<string, string>;
  error?: string;
}

const MAX_HISTORY = 4000;

/** "content=1,style=4" → { content: 1, style: 4 }; unknown names and non-numbers are usage errors. */
export function parseLossWeights(text: string | undefined, command: string): Partial<LossWeights> | undefined {
  if (!text) return undefined;
  const out: Partial<LossWeights> = {};
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((x) => x.trim());
    if (!(name in DEFAULT_LOSS_WEIGHTS)) {
      throw new UsageError(`--loss-weights: unknown loss "${name}"; use ${Object.keys(DEFAULT_LOSS_WEIGHTS).join(', ')}.`, command);
    }
    const v = Number(value);
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`--loss-weights: ${name} needs a number ≥ 0 (got "${value ?? ''}").`, command);
    out[name as keyof LossWeights] = v;
  }
  return out;
}

/** Keep the loss history bounded: past MAX_HISTORY points, merge neighbours pairwise. */
export function compactHistory(h: LossPoint[]): LossPoint[] {
  if (h.length <= MAX_HISTORY) return h;
  const outp: LossPoint[] = [];
  for (let i = 0; i < h.length; i += 2) {
    const a = h[i];
    const b = h[i + 1];
    if (!b) {
      outp.push(a);
      continue;
    }
    const losses: Record<string, number> = {};
    for (const k of Object.keys(a.losses)) losses[k] = (a.losses[k] + (b.losses[k] ?? a.losses[k])) / 2;
    outp.push({ step: b.step, losses });
  }
  return outp;
}

/** "0.75-2" → [0.75, 2]. */
export function parseRange(text: string | undefined, command: string): [number, number] | undefined {
  if (!text) return undefined;
  const m = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || !(lo > 0 && hi >= lo && hi <= 8)) throw new UsageError(`--crop-scale needs MIN-MAX with 0 < MIN ≤ MAX ≤ 8, e.g. 0.75-2 (got "${text}").`, command);
  return [lo, hi];
}

/** "1,2,5,3" → [1, 2, 5, 3]; each a number ≥ 0. */
export function parseNumberList(text: string | undefined, what: string, command: string): number[] | undefined {
  if (!text) return undefined;
  const v = text.split(',').map((x) => Number(x.trim()));
  if (v.some((x) => !Number.isFinite(x) || x < 0)) throw new UsageError(`${what} needs comma-separated numbers ≥ 0, e.g. 1,2,5,3 (got "${text}").`, command);
  return v;
}

/**
 * The generator to fine-tune: a base model's backbone and, per style of this run, the base's
 * row of the same name (new names start neutral: γ = 1, β = 0).
 */
async function initialGenerator(path: string, styleNames: string[], preset: GeneratorPreset, log: (m: string) => void): Promise<Generator> {
  const base = await loadBaseModel(path);
  if (base.arch.preset !== preset) log(`--init: ${path} is a "${base.arch.preset}" generator; using its architecture instead of --preset ${preset}.`);
  const neutral = (name: string) => ({ name, tensors: Object.fromEntries(Object.entries(base.styles[0].tensors).map(([k, t]) => [k, { shape: t.shape, data: new Float32Array(t.data.length).fill(k.endsWith('/gamma') ? 1 : 0) }])) });
  const found = styleNames.map((n) => base.styles.find((s) => s.name === n));
  const missing = styleNames.filter((_, i) => !found[i]);
  log(`--init: starting from ${base.id} (${styleNames.length - missing.length} of ${styleNames.length} styles${missing.length ? `; new: ${missing.join(', ')}` : ''})`);
  return generatorFor(base, styleNames.map((n, i) => found[i] ?? neutral(n)));
}

async function run(argv: string[]): Promise<number> {
  const p = parse('pretrain', argv, {
    content: { type: 'string' },
    styles: { type: 'string' },
    out: { type: 'string' },
    size: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    preset: { type: 'string' },
    'width-mult': { type: 'string' },
    'd-width': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    seed: { type: 'string' },
    resume: { type: 'boolean' },
    'loss-weights': { type: 'string' },
    'crop-scale': { type: 'string' },
    'style-size': { type: 'string' },
    'style-tap-weights': { type: 'string' },
    init: { type: 'string' },
    backend: { type: 'string' },
    author: { type: 'string' },
    licence: { type: 'string' },
  });
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const C = 'pretrain';
  const runDir = resolve(str(p, 'out', true, C));
  const resume = flag(p, 'resume');
  const backend = choice(p, 'backend', BACKEND_CHOICES, 'auto', C);
  const ckptPath = join(runDir, 'checkpoint.bin');
  const prevPath = join(runDir, 'checkpoint.prev.bin');
  const runJsonPath = join(runDir, 'run.json');

  let settings: Settings;
  let previous: RunJson | undefined;
  let defaults = { steps: 20000, checkpointEvery: 200 };
  if (resume) {
    if (!existsSync(runJsonPath)) throw new UsageError(`--resume: ${runDir} has no run.json; it is not a pretrain run directory. Drop --resume to start a new run there.`, C);
    try {
      previous = JSON.parse(await readFile(runJsonPath, 'utf8')) as RunJson;
      if (!previous?.settings || typeof previous.steps !== 'number') throw new Error('no settings');
    } catch {
      throw new CliError(`${runJsonPath} is damaged (not the run.json pretrain writes), so the run's settings are unknown. Start a new run in another --out directory.`);
    }
    settings = previous.settings;
    defaults = { steps: previous.steps, checkpointEvery: previous.checkpointEvery };
    const fixed = ['crop-scale', 'style-size', 'style-tap-weights', 'init', 'loss-weights'].filter((k) => p.values[k] !== undefined);
    if (fixed.length) throw new UsageError(`--resume continues the run with its own settings from run.json; drop ${fixed.map((k) => `--${k}`).join(', ')}.`, C);
    const clash = ['content', 'styles', 'size', 'batch', 'preset', 'width-mult', 'd-width', 'seed'].filter((k) => p.values[k] !== undefined);
    const conflicting = clash.filter((k) => {
      const v = p.values[k] as string;
      const cur: Record<string, unknown> = { content: settings.content, styles: settings.styles, size: settings.size, batch: settings.batch, preset: settings.preset, 'width-mult': settings.widthMultiplier, 'd-width': settings.dWidth, seed: settings.seed };
      return k === 'content' || k === 'styles' ? resolve(v) !== cur[k] : String(cur[k]) !== v && Number(v) !== cur[k];
    });
    if (conflicting.length) {
      throw new UsageError(`--resume continues the run with its own settings from run.json; ${conflicting.map((k) => `--${k}`).join(', ')} differ${conflicting.length === 1 ? 's' : ''} from it. Drop ${conflicting.length === 1 ? 'it' : 'them'}, or start a new run in another --out directory.`, C);
    }
  } else {
    if (existsSync(ckptPath) || existsSync(runJsonPath)) {
      throw new UsageError(`${runDir} already holds a run. Add --resume to continue it, or choose a new --out directory.`, C);
    }
    const contentDir = resolve(str(p, 'content', true, C));
    const stylesDir = resolve(str(p, 'styles', true, C));
    const size = num(p, 'size', 256, { int: true, min: 32, max: 2048, command: C });
    if (size % 4 !== 0) throw new UsageError(`--size must be a multiple of 4 (got ${size}); 256 is typical.`, C);
    const styleFiles = await listImages(stylesDir, 'styles');
    const styleNames = styleFiles.map((f) => basename(f, extname(f)));
    const slugs = styleNames.map(slug);
    const dup = slugs.find((s, i) => slugs.indexOf(s) !== i);
    if (dup) throw new CliError(`Two style files in ${stylesDir} map to the same style id "${dup}"; rename one.`);
    settings = {
      content: contentDir,
      styles: stylesDir,
      styleFiles,
      styleNames,
      size,
      batch: num(p, 'batch', 4, { int: true, min: 1, max: 64, command: C }),
      preset: choice(p, 'preset', ['lite', 'johnson'] as const, 'lite', C),
      widthMultiplier: num(p, 'width-mult', 1, { min: 0.05, max: 8, command: C }),
      dWidth: num(p, 'd-width', 64, { int: true, min: 1, max: 512, command: C }),
      seed: num(p, 'seed', 0, { int: true, min: 0, command: C }),
      lossWeights: parseLossWeights(str(p, 'loss-weights'), C),
      cropScale: parseRange(str(p, 'crop-scale'), C),
      styleSize: p.values['style-size'] === undefined ? undefined : num(p, 'style-size', size, { int: true, min: 32, max: 4096, command: C }),
      styleTapWeights: parseNumberList(str(p, 'style-tap-weights'), '--style-tap-weights', C),
    };
    const init = str(p, 'init');
    if (init) {
      const base = await loadBaseModel(resolve(init));
      settings.init = { path: resolve(init), id: base.id, config: base.arch.config };
    }
  }
  // With --resume, --steps and --checkpoint-every default to the run's own values.
  const steps = num(p, 'steps', defaults.steps, { int: true, min: 1, command: C });
  const checkpointEvery = num(p, 'checkpoint-every', defaults.checkpointEvery, { int: true, min: 1, command: C });
  const author = str(p, 'author') ?? 'stylepack pretrain';
  const licence = str(p, 'licence') ?? 'see the style images\u2019 licences';

  await mkdir(runDir, { recursive: true }).catch((e: unknown) => {
    throw new CliError(fsErrorMessage(e, runJsonPath));
  });
  const backendName = await setupBackend(backend, log);
  const runJson: RunJson = {
    command: 'pretrain',
    settings,
    steps,
    checkpointEvery,
    status: 'running',
    step: 0,
    backend: backendName,
    started: previous?.started ?? new Date().toISOString(),
    updated: new Date().toISOString(),
  };
  const saveRunJson = async () => {
    runJson.updated = new Date().toISOString();
    await writeAtomic(runJsonPath, JSON.stringify(runJson, null, 2) + '\n');
  };

  const { net, contentTap, styleTaps } = createLossNet();
  if (settings.styleTapWeights && settings.styleTapWeights.length !== styleTaps.length) {
    throw new UsageError(`--style-tap-weights needs ${styleTaps.length} numbers, one per style layer (${styleTaps.map((i) => net.taps[i]).join(', ')}).`, C);
  }
  const data = await ContentDataset.load(settings.content, settings.size, settings.seed, log, { scale: settings.cropScale });
  const styles = await Promise.all(settings.styleFiles.map((f) => loadStyleTensor(f, settings.styleSize ?? settings.size)));
  log(`styles: ${settings.styleNames.length} (${settings.styleNames.join(', ')})${settings.styleSize ? `, shorter side ${settings.styleSize} px` : ''}`);
  const numStyles = settings.styleNames.length;
  // A resume takes every weight from the checkpoint: the --init file is only read for a new run
  // (it may have moved since).
  const hasCheckpoint = resume && (existsSync(ckptPath) || existsSync(prevPath));
  const g = settings.init && !hasCheckpoint
    ? await initialGenerator(settings.init.path, settings.styleNames, settings.preset, log)
    : new Generator(settings.init?.config ? { ...settings.init.config, numStyles } : generatorPreset(settings.preset, { widthMultiplier: settings.widthMultiplier, numStyles }), settings.seed);
  const d = new Discriminator({ width: settings.dWidth, numStyles }, settings.seed + 1);
  log(`generator: ${settings.preset} ×${settings.widthMultiplier} (${g.paramCount().toLocaleString('en')} params), discriminator width ${settings.dWidth}`);
  const trainer = new Trainer({
    generator: g,
    discriminator: d,
    lossNet: net,
    contentTap,
    styleTaps,
    styleImages: styles.map((s) => s.tensor),
    seed: settings.seed,
    mode: 'full',
    weights: settings.lossWeights,
    styleTapWeights: settings.styleTapWeights,
  });

  let history: LossPoint[] = [];
  /** Training time of earlier sessions of this run (from the checkpoint), so the total adds up across resumes. */
  let secondsBefore = 0;
  // checkpoint.bin may be rotated into checkpoint.prev.bin only once it is known to be good.
  let lastCheckpointGood = false;
  if (resume) {
    const removed = await removeStaleTemps(runDir);
    if (removed) log(`removed ${removed} temp file(s) left by an interrupted write`);
    const loaded = await loadCheckpoint(trainer, ckptPath, prevPath, runDir);
    if (loaded) {
      history = (loaded.state.history as LossPoint[] | undefined) ?? [];
      const before = loaded.state.settings.elapsedSeconds;
      if (typeof before === 'number' && Number.isFinite(before) && before >= 0) secondsBefore = before;
      lastCheckpointGood = loaded.path === ckptPath;
      if (loaded.damaged) log(`${basename(ckptPath)} is damaged (${loaded.damaged}); resumed from the previous checkpoint ${loaded.path} at step ${trainer.step}`);
      else log(`resumed from ${loaded.path} at step ${trainer.step}`);
    } else {
      log(`no checkpoint in ${runDir} yet; starting at step 0`);
    }
  }
  if (trainer.step >= steps) log(`the run is already at step ${trainer.step} ≥ --steps ${steps}; writing the outputs only`);
  runJson.step = trainer.step;
  await saveRunJson();

  const checkpointSettings = { ...settings } as unknown as Record<string, unknown>;
  const fixedContent = data.centreCrop(0);
  const contentImg = await tensorToRgba(fixedContent);

  const stylizeAll = async () => {
    const results = [];
    for (let s = 0; s < numStyles; s++) {
      const t = tf.tidy(() => {
        const oh = g.oneHot(s);
        return g.stylize(fixedContent, g.styleVectors(oh));
      });
      results.push(await tensorToRgba(t));
      t.dispose();
    }
    return results;
  };
  const writeCheckpoint = async () => {
    const bytes = await trainer.saveState({ settings: { ...checkpointSettings, elapsedSeconds: elapsed() }, history });
    // Keep the last good checkpoint as checkpoint.prev.bin: resume falls back to it if the new one is damaged.
    if (lastCheckpointGood) await rename(ckptPath, prevPath).catch((e: unknown) => {
      throw new CliError(fsErrorMessage(e, prevPath));
    });
    await writeAtomic(ckptPath, bytes, { ifFull: 'Free some space, then continue with --resume (the last checkpoint is kept).' });
    lastCheckpointGood = true;
  };
  const writeVisuals = async () => {
    await writeAtomic(join(runDir, 'loss.svg'), lossCurveSvg(history, { title: `pretrain ${basename(runDir)} — step ${trainer.step}` }));
    const results = await stylizeAll();
    const rows = results.slice(0, 8).map((result, s) => ({ content: contentImg, style: styles[s].image, result }));
    await writeSampleGrid(join(runDir, 'samples.png'), rows, Math.min(settings.size, 256));
    return results;
  };

  const progress = new Progress({ label: 'pretrain', total: steps, start: trainer.step });
  const interrupt = interruptSignal(() => progress.log('interrupt: finishing the current step, then writing a checkpoint (Ctrl-C again to quit at once)'));
  const t0 = performance.now();
  const elapsed = () => secondsBefore + (performance.now() - t0) / 1000;
  let status: RunJson['status'] = 'running';
  try {
    await trainer.fit({
      steps: Math.max(0, steps - trainer.step),
      batch: (step) => data.batch(step, settings.batch),
      signal: interrupt.signal,
      onStep: async (r: StepResult) => {
        const l = r.losses;
        if (![l.generator, l.discriminator].every(Number.isFinite)) {
          throw new CliError(`Training diverged at step ${r.step} (loss ${l.generator}). Resume from the last checkpoint with a smaller --batch or another --seed.`);
        }
        history.push({ step: r.step + 1, losses: { content: l.content, style: l.style, adversarial: l.adversarial, tv: l.tv, generator: l.generator, discriminator: l.discriminator } });
        history = compactHistory(history);
        progress.update(trainer.step, { G: l.generator, c: l.content, s: l.style, adv: l.adversarial, D: l.discriminator });
        if (trainer.step % checkpointEvery === 0 && trainer.step < steps && !interrupt.signal.aborted) {
          await writeCheckpoint();
          runJson.step = trainer.step;
          await saveRunJson();
          await writeVisuals();
        }
      },
    });
    progress.done();
    await writeCheckpoint();
    runJson.step = trainer.step;
    if (interrupt.signal.aborted && trainer.step < steps) {
      status = 'interrupted';
      runJson.status = status;
      await saveRunJson();
      await writeVisuals();
      log(`interrupted at step ${trainer.step}/${steps}; checkpoint written to ${ckptPath}. Continue with: stylepack pretrain --out ${runDir} --resume`);
      return EXIT.interrupted;
    }
    const results = await writeVisuals();
    // Final outputs: the base model and one pack per style.
    const seconds = elapsed();
    const base = await baseModelFromGenerator(g, settings.styleNames, settings.preset, settings.widthMultiplier);
    const last = history[history.length - 1]?.losses ?? {};
    const training = { steps: trainer.step, seconds: Math.round(seconds), size: settings.size, batch: settings.batch, losses: last, backend: backendName };
    const modelPath = join(runDir, 'model.stylepack');
    await writeAtomic(modelPath, await encodeBaseModel(base, { author, licence, description: `Pretrained on ${settings.styleNames.length} styles.`, training }));
    const outputs: Record<string, string> = { model: modelPath };
    for (let s = 0; s < numStyles; s++) {
      const packPath = join(runDir, 'packs', `${slug(settings.styleNames[s])}.stylepack`);
      const bytes = await encodeStylePack(base, base.styles[s], {
        author,
        licence,
        description: `Built-in style "${settings.styleNames[s]}" of ${base.id}.`,
        training: { ...training, styleImage: basename(settings.styleFiles[s]) },
        preview: await previewPng(results[s]),
      });
      await writeAtomic(packPath, bytes);
      outputs[settings.styleNames[s]] = packPath;
    }
    status = 'done';
    runJson.status = status;
    runJson.outputs = outputs;
    await saveRunJson();
    out(`done: ${trainer.step} steps in ${seconds.toFixed(1)} s`);
    out(`base model: ${modelPath} (${base.id})`);
    for (const [name, path] of Object.entries(outputs)) if (name !== 'model') out(`pack: ${path}`);
    return EXIT.ok;
  } catch (e) {
    progress.done();
    runJson.status = 'failed';
    runJson.error = errorMessage(e);
    await saveRunJson().catch(() => {});
    throw e;
  } finally {
    interrupt.release();
    fixedContent.dispose();
    trainer.dispose();
    g.dispose();
    d.dispose();
    net.dispose();
    styles.forEach((s) => s.tensor.dispose());
  }
}

export const pretrain: Command = { name: 'pretrain', summary: 'train the multi-style base model (generator + discriminator)', help: HELP, run };

/** Remove temp files of atomic writes in the run directory (and packs/), left by a kill mid-write. */
async function removeStaleTemps(runDir: string): Promise<number> {
  let n = 0;
  for (const dir of [runDir, join(runDir, 'packs')]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!isAtomicTemp(name)) continue;
      await rm(join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}

/**
 * The newest checkpoint that passes its checks (checksum, finite values, this run's mode):
 * checkpoint.bin, else checkpoint.prev.bin. Null when there is none; a CliError when every one
 * present is damaged.
 */
async function loadCheckpoint(trainer: Trainer, ckptPath: string, prevPath: string, runDir: string): Promise<{ state: { settings: Record<string, unknown>; history?: unknown }; path: string; damaged?: string } | null> {
  const problems: string[] = [];
  for (const path of [ckptPath, prevPath]) {
    if (!existsSync(path)) continue;
    try {
      const state = trainer.loadState(new Uint8Array(await readFile(path)));
      return { state, path, damaged: problems[0] };
    } catch (e) {
      problems.push(`${basename(path)}: ${errorMessage(e).replace(/^Not a usable checkpoint: /, '')}`);
    }
  }
  if (problems.length) throw new CliError(`Cannot resume ${runDir}: ${problems.join(' ')} ${problems.length > 1 ? 'No checkpoint of this run is usable' : 'It cannot be used'}; start a new run in another --out directory.`);
  return null;
}
