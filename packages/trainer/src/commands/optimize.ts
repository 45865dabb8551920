// stylepack optimize: per-image optimisation of one photo towards one painting (core's
// optimizeImage), from the photo or from a pack's feed-forward result ("refine"). Slow, but the
// best quality for one hero image, and the reference the quality bench measures packs against.
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fitWithin, optimizeImage, rgbToRgba, rgbaToTensor, type OptimizeStep } from '@stylepack/core';
import { choice, flag, num, parse, str } from '../args.js';
import { interruptSignal, log, out, type Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { readImage, resizeRgba, writeImage } from '../io/images.js';
import { baseForPack, blendVectors, disposeVectors, generatorFor, readPack, resolvePackPath } from '../models.js';
import { Progress } from '../progress.js';
import { BACKEND_CHOICES, createLossNet, setupBackend } from '../runtime.js';
import { loadStyleTensor } from '../samples.js';
import { parseLossWeights, parseNumberList } from './pretrain.js';

const HELP = `Usage: stylepack optimize PHOTO --style PAINTING --out FILE [options]

Per-image optimisation (Gatys et al.): optimises the picture itself for stylepack's content and
style losses against one painting. Minutes instead of milliseconds, but the closest match to the
painting while keeping the photo's objects. With --pack it refines that pack's result instead of
starting from the photo.

Options:
  --style PAINTING        the painting (JPEG/PNG/WebP); a uniform frame around it is cropped
  --out FILE              output image (PNG, JPEG or WebP by extension)
  --pack PACK|NAME        refine: start from this pack's feed-forward result (default: the photo)
  --steps N               optimisation steps (default 300)
  --size PX               longest side of the result (default 512; larger photos are downscaled)
  --style-size PX         the painting's shorter side when measuring its style; sets the stroke
                          size (default: the result's shorter side)
  --time-limit SEC        stop after this many seconds and write the result (default: none)
  --lr RATE               Adam learning rate (default 0.01)
  --loss-weights LIST     content=1,style=3,color=30,tv=10 (default: the trainer's)
  --style-tap-weights LIST  weight of each style layer (default: all 1)
  --seed S                seed of the random shifts and rescales (default 0)
  --base MODEL            base model for --pack (default: found automatically)
  --overwrite             replace --out if it exists
  --backend NAME          auto|wasm|cpu|tensorflow (default auto)
  -h, --help

Every step looks at the picture through a random crop offset and rescale, so the result holds at
any pixel grid, not only at one. Ctrl-C stops after the current step and writes the result so far
(exit 130). Exit codes: 0 done, 1 failure, 2 usage error, 130 interrupted.`;

const sameFile = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

async function run(argv: string[]): Promise<number> {
  const C = 'optimize';
  const p = parse(C, argv, {
    style: { type: 'string' },
    out: { type: 'string' },
    pack: { type: 'string' },
    steps: { type: 'string' },
    size: { type: 'string' },
    'style-size': { type: 'string' },
    'time-limit': { type: 'string' },
    lr: { type: 'string' },
    'loss-weights': { type: 'string' },
    'style-tap-weights': { type: 'string' },
    seed: { type: 'string' },
    overwrite: { type: 'boolean' },
    backend: { type: 'string' },
    base: { type: 'string' },
  }, true);
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  if (p.positionals.length !== 1) throw new UsageError(p.positionals.length ? `optimize takes one photo (got ${p.positionals.length}); run it once per photo.` : 'No photo given.', C);
  const photoPath = p.positionals[0];
  const stylePath = str(p, 'style', true, C);
  const outPath = resolve(str(p, 'out', true, C));
  for (const [what, path] of [['photo', photoPath], ['painting', stylePath]] as const) {
    if (existsSync(outPath) && sameFile(outPath, path)) throw new UsageError(`--out ${outPath} is the ${what} itself; write the result to another file.`, C);
  }
  if (existsSync(outPath) && !flag(p, 'overwrite')) throw new UsageError(`${outPath} already exists; choose another --out, or add --overwrite to replace it.`, C);
  const steps = num(p, 'steps', 300, { int: true, min: 1, max: 100000, command: C });
  const size = num(p, 'size', 512, { int: true, min: 32, max: 4096, command: C });
  const timeLimit = num(p, 'time-limit', Infinity, { min: 1, command: C });
  const lr = num(p, 'lr', 0.01, { min: 1e-5, max: 1, command: C });
  const seed = num(p, 'seed', 0, { int: true, min: 0, command: C });
  const lw = parseLossWeights(str(p, 'loss-weights'), C);
  if (lw?.adversarial !== undefined) throw new UsageError('--loss-weights: optimize has no discriminator; drop "adversarial".', C);
  const tapWeights = parseNumberList(str(p, 'style-tap-weights'), '--style-tap-weights', C);
  const backend = choice(p, 'backend', BACKEND_CHOICES, 'auto', C);

  const photo = await readImage(photoPath);
  const fit = fitWithin(photo.width, photo.height, size);
  if (Math.min(fit.width, fit.height) < 32) throw new CliError(`${photoPath} is ${photo.width}×${photo.height}; at --size ${size} its shorter side would be under 32 px, the loss network's minimum. Use a larger --size or photo.`);
  const src = await resizeRgba(photo, fit.width, fit.height);
  await setupBackend(backend, log);
  const { net, contentTap, styleTaps } = createLossNet();
  if (tapWeights && tapWeights.length !== styleTaps.length) throw new UsageError(`--style-tap-weights needs ${styleTaps.length} numbers, one per style layer.`, C);
  const styleSide = num(p, 'style-size', Math.min(fit.width, fit.height), { int: true, min: 32, max: 4096, command: C });
  const painting = await loadStyleTensor(stylePath, styleSide);
  const content = rgbaToTensor(src);
  let start = content;
  const packRef = str(p, 'pack');
  if (packRef) {
    const path = await resolvePackPath(packRef);
    const pack = await readPack(path);
    const base = await baseForPack(pack, path, str(p, 'base'));
    const g = generatorFor(base);
    const vectors = blendVectors(base, [{ style: pack.styles[0], weight: 1 }]);
    start = g.stylize(content, vectors);
    disposeVectors(vectors);
    g.dispose();
    log(`refining the result of ${pack.manifest.name} (${path})`);
  }
  log(`optimize: ${src.width}×${src.height}, painting ${painting.image.width}×${painting.image.height}, ${steps} steps${Number.isFinite(timeLimit) ? `, at most ${timeLimit} s` : ''}`);

  const progress = new Progress({ label: 'optimize', total: steps });
  const interrupt = interruptSignal(() => progress.log('interrupt: finishing the current step, then writing the result (Ctrl-C again to quit at once)'));
  const t0 = performance.now();
  let timedOut = false;
  let last: OptimizeStep | undefined;
  try {
    const r = await optimizeImage(content, painting.tensor, start, {
      lossNet: net,
      contentTap,
      styleTaps,
      styleTapWeights: tapWeights,
      weights: lw,
      steps,
      learningRate: lr,
      seed,
      signal: interrupt.signal,
      onStep: (s) => {
        last = s;
        progress.update(s.step + 1, { loss: s.losses.total, c: s.losses.content, s: s.losses.style, col: s.losses.color });
        if ((performance.now() - t0) / 1000 >= timeLimit) timedOut = true;
        return timedOut;
      },
    });
    progress.done();
    const rgb = (await r.image.data()) as Float32Array;
    r.image.dispose();
    await writeImage(outPath, { width: src.width, height: src.height, data: rgbToRgba(rgb, src.width, src.height, src) });
    const secs = (performance.now() - t0) / 1000;
    const summary = `${r.steps} steps in ${secs.toFixed(1)} s (${(r.steps / secs).toFixed(2)} steps/s)${last ? `, loss ${last.losses.total.toPrecision(3)}` : ''}`;
    if (interrupt.signal.aborted) {
      log(`interrupted after ${summary}; the result so far is in ${outPath}`);
      return EXIT.interrupted;
    }
    out(`${photoPath} → ${outPath} (${src.width}×${src.height}): ${summary}${timedOut ? ` — stopped at --time-limit ${timeLimit} s` : ''}`);
    return EXIT.ok;
  } finally {
    interrupt.release();
    tf.dispose([content, start, painting.tensor]);
    net.dispose();
  }
}

export const optimize: Command = { name: 'optimize', summary: 'per-image optimisation of one photo towards a painting (best quality, slow); --pack refines a pack\u2019s result', help: HELP, run };
