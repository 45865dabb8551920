// stylepack train: learn a new style from one painting by fitting only its norm vectors on the
// frozen base model, starting from the closest built-in style: core's StyleLearning (the same
// loop as the plugin's Learn); this file adds files, progress, checkpoints and Ctrl-C.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LearnDivergedError, StyleLearning, encodeStylePack, learnRecipe, slug, thinSeries } from '@stylepack/core';
import { choice, flag, num, parse, str } from '../args.js';
import { interruptSignal, log, out, type Command, type RunContext } from '../command.js';
import { ContentDataset } from '../dataset.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { writeAtomic } from '../io/atomic.js';
import { firstOverwrite } from '../io/same-file.js';
import { DEFAULT_BASE, EXAMPLES_DIR, generatorFor, loadBaseModel } from '../models.js';
import { Progress } from '../progress.js';
import { BACKEND_CHOICES, createLossNet, setupBackend } from '../runtime.js';
import { checkpointPathFor, removeCheckpoint, resumeTraining, saveTraining, type LossHistory } from '../train-checkpoint.js';
import { loadStyleTensor, previewPng, tensorToRgba } from '../samples.js';

const HELP = `Usage: stylepack train --style IMAGE --out PACK [options]

Learns a new style from one painting: only that style's norm vectors are fitted, the base
model stays frozen, so it is quick and the pack is tiny. Starts from the built-in style whose
results are closest (Gram distance) to the painting, or from a blend of the nearest two or
three when that is closer; the learning rate decays from 3e-2 to 3e-3 over --steps.

Options:
  --style IMAGE           the painting (JPEG/PNG/WebP)
  --base MODEL            base model (default models/base/model.stylepack)
  --out PACK              the .stylepack file to write
  --name NAME             style name (default: the painting's file name)
  --steps N               optimisation steps (default 400)
  --size PX               crop size, multiple of 4, at least 32 (default 256)
  --batch B               crops per step (default 2)
  --content DIR           content photos to train on (default: the repository's examples/)
  --seed S                (default 0)
  --backend NAME          auto|wasm|cpu|tensorflow (default auto)
  --author TEXT, --licence TEXT   written into the pack
  --checkpoint-every N    save the training state to PACK.checkpoint every N steps (and on Ctrl-C);
                          the same command run again continues from it (default 0: no checkpoints)
  -h, --help

Ctrl-C stops after the current step without writing the pack (exit 130).
Exit codes: 0 written, 1 failure, 2 usage error, 130 interrupted.`;

async function run(argv: string[], ctx: RunContext = {}): Promise<number> {
  const C = 'train';
  const p = parse(C, argv, {
    style: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    steps: { type: 'string' },
    size: { type: 'string' },
    batch: { type: 'string' },
    content: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    author: { type: 'string' },
    licence: { type: 'string' },
    'checkpoint-every': { type: 'string' },
  });
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const stylePath = resolve(str(p, 'style', true, C));
  const outPath = resolve(str(p, 'out', true, C));
  if (extname(outPath) !== '.stylepack') throw new UsageError(`--out must be a .stylepack file (got ${outPath}).`, C);
  const basePath = resolve(str(p, 'base') ?? DEFAULT_BASE);
  const clash = firstOverwrite([{ output: outPath }], [basePath, stylePath]);
  if (clash) throw new UsageError(`--out would overwrite the input ${clash.input}. Choose another --out file.`, C);
  const name = str(p, 'name') ?? basename(stylePath, extname(stylePath));
  const steps = num(p, 'steps', 400, { int: true, min: 1, command: C });
  const size = num(p, 'size', 256, { int: true, min: 32, max: 2048, command: C });
  if (size % 4 !== 0) throw new UsageError(`--size must be a multiple of 4 (got ${size}).`, C);
  const batch = num(p, 'batch', 2, { int: true, min: 1, max: 64, command: C });
  const seed = num(p, 'seed', 0, { int: true, min: 0, command: C });
  const contentDir = resolve(str(p, 'content') ?? EXAMPLES_DIR);
  const backend = choice(p, 'backend', BACKEND_CHOICES, 'auto', C);
  const checkpointEvery = num(p, 'checkpoint-every', 0, { int: true, min: 0, command: C });
  if (ctx.planned?.({ reads: [stylePath, basePath, contentDir], writes: [outPath] })) return EXIT.ok;
  const ckptPath = checkpointPathFor(outPath);

  const base = await loadBaseModel(basePath);
  await setupBackend(backend, log);
  const painting = await loadStyleTensor(stylePath, size);
  const { net, contentTap, styleTaps } = createLossNet();
  const data = await ContentDataset.load(contentDir, size, seed, log);
  const probe = data.centreCrop(0);
  const g = generatorFor(base);
  const recipe = learnRecipe(steps);
  let learning: StyleLearning | undefined;
  const interrupt = interruptSignal(() => log(`interrupt: stopping after the current step; ${checkpointEvery ? `saving ${ckptPath}` : 'no pack will be written'}`));
  try {
    learning = await StyleLearning.start({
      generator: g,
      lossNet: net,
      contentTap,
      styleTaps,
      painting: painting.tensor,
      probe,
      candidates: base.styles.map((s) => ({ label: s.name, tables: s.tensors })),
      seed,
      ...recipe,
    });
    const from = learning.initFrom;
    const initFrom = from?.label ?? null;
    if (from?.parts) log(`starting from a blend of the closest built-in styles: ${from.parts.map((x) => `${x.label} ×${x.weight}`).join(' + ')} (Gram distance ${from.distance.toPrecision(3)})`);
    else if (from) log(`starting from the closest built-in style: ${from.label} (Gram distance ${from.distance.toPrecision(3)})`);
    const tr = learning.trainer;
    // Everything that must match for a checkpoint to continue this run.
    const settings = { style: createHash('sha256').update(await readFile(stylePath)).digest('hex'), base: base.sha256, name, size, batch, seed, content: contentDir };
    let losses: LossHistory = { content: [], style: [], tv: [] };
    if (checkpointEvery) {
      const resumed = await resumeTraining(tr, ckptPath, settings);
      if (resumed) {
        losses = resumed;
        log(`resumed from ${ckptPath} at step ${tr.step}`);
      }
    }
    const progress = new Progress({ label: 'train', total: steps, start: tr.step });
    const t0 = performance.now();
    try {
      await learning.fit({
        steps,
        batch: (step) => data.batch(step, batch),
        signal: interrupt.signal,
        onStep: async (r) => {
          losses.content.push(r.losses.content);
          losses.style.push(r.losses.style);
          losses.tv.push(r.losses.tv);
          progress.update(tr.step, { loss: r.losses.generator, c: r.losses.content, s: r.losses.style });
          if (checkpointEvery && tr.step % checkpointEvery === 0 && tr.step < steps) await saveTraining(tr, ckptPath, settings, losses);
        },
      });
    } catch (e) {
      if (e instanceof LearnDivergedError) throw new CliError(`Training diverged at step ${e.step}; try another --seed or a smaller --size.`, { cause: e });
      throw e;
    }
    progress.done();
    if (interrupt.signal.aborted && tr.step < steps) {
      if (checkpointEvery) await saveTraining(tr, ckptPath, settings, losses);
      log(`interrupted at step ${tr.step}/${steps}; ${outPath} was not written${checkpointEvery ? `; run the same command again to continue from ${ckptPath}` : ''}.`);
      return EXIT.interrupted;
    }
    const seconds = (performance.now() - t0) / 1000;
    const style = { name, tensors: await learning.tables() };
    const fitted = learning;
    const preview = tf.tidy(() => g.stylize(probe, fitted.vectors()));
    const previewImg = await tensorToRgba(preview);
    preview.dispose();
    const bytes = await encodeStylePack(base, style, {
      id: slug(name),
      author: str(p, 'author') ?? 'stylepack train',
      licence: str(p, 'licence') ?? 'see the style image\u2019s licence',
      description: `Learned from ${basename(stylePath)} on ${base.id}.`,
      training: { mode: 'fit-style', steps: tr.step, seconds: Math.round(seconds * 10) / 10, size, batch, styleImage: basename(stylePath), initFrom, ...(from?.parts ? { initBlend: from.parts } : {}), learningRate: recipe.learningRate, schedule: recipe.schedule, losses: { content: thinSeries(losses.content), style: thinSeries(losses.style), tv: thinSeries(losses.tv) } },
      preview: await previewPng(previewImg),
    });
    await writeAtomic(outPath, bytes);
    if (checkpointEvery) await removeCheckpoint(ckptPath);
    out(`wrote ${outPath} (style "${name}", ${tr.step} steps in ${seconds.toFixed(1)} s, base ${base.id})`);
    return EXIT.ok;
  } finally {
    interrupt.release();
    learning?.dispose();
    g.dispose();
    net.dispose();
    probe.dispose();
    painting.tensor.dispose();
  }
}

export const train: Command = { name: 'train', summary: 'learn a new style on the frozen base model', help: HELP, run };
