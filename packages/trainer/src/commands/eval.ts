// stylepack eval: content / style / adversarial / TV losses and stylize timing of a pack's styles
// on a folder of content images, as a table (stdout) and optionally JSON.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Discriminator, contentLoss, decodeCheckpoint, generatorAdversarialLoss, gram, slug, styleLoss, totalVariationLoss, writeParams, type StyleEntry } from '@stylepack/core';
import { choice, flag, num, parse, str } from '../args.js';
import { log, out, type Command } from '../command.js';
import { ContentDataset } from '../dataset.js';
import { CliError, EXIT, UsageError, errorMessage } from '../errors.js';
import { writeAtomic } from '../io/atomic.js';
import { firstOverwrite } from '../io/same-file.js';
import { listImages } from '../io/images.js';
import { baseForPack, blendVectors, disposeVectors, generatorFor, readPack, resolvePackPath } from '../models.js';
import { formatNumber } from '../progress.js';
import { BACKEND_CHOICES, createLossNet, setupBackend } from '../runtime.js';
import { loadStyleTensor } from '../samples.js';

const HELP = `Usage: stylepack eval --pack PACK|NAME --content DIR [options]

Stylizes centre crops of the content images with each style of the pack and reports the mean
content, style, adversarial and total-variation losses and the time per image.

Options:
  --pack PACK|NAME        pack file or built-in name (a base model evaluates all its styles)
  --content DIR           content images
  --style IMAGE           the painting of a one-style pack (for the style loss)
  --styles DIR            paintings named after the styles (for the style loss)
  --checkpoint FILE       a pretrain checkpoint.bin: its discriminator gives the adversarial
                          loss, and its run's paintings the style loss
  --size PX               crop size (default 256)
  --max-images N          evaluate at most N content images (default 16)
  --json FILE             also write the results as JSON
  --base MODEL            base model (default: found automatically)
  --backend NAME          auto|wasm|cpu|tensorflow (default auto)
  -h, --help

Losses that cannot be computed (no painting, no discriminator) are shown as "n/a" (null in JSON).
Exit codes: 0 ok, 1 failure (bad pack, images or checkpoint), 2 usage error.`;

interface Row {
  style: string;
  content: number;
  style_loss: number | null;
  adversarial: number | null;
  tv: number;
  msPerImage: number;
}

async function run(argv: string[]): Promise<number> {
  const C = 'eval';
  const p = parse(C, argv, {
    pack: { type: 'string' },
    content: { type: 'string' },
    style: { type: 'string' },
    styles: { type: 'string' },
    checkpoint: { type: 'string' },
    size: { type: 'string' },
    'max-images': { type: 'string' },
    json: { type: 'string' },
    base: { type: 'string' },
    backend: { type: 'string' },
  });
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const packPath = await resolvePackPath(str(p, 'pack', true, C));
  const contentDir = resolve(str(p, 'content', true, C));
  const size = num(p, 'size', 256, { int: true, min: 32, max: 2048, command: C });
  if (size % 4 !== 0) throw new UsageError(`--size must be a multiple of 4 (got ${size}).`, C);
  const maxImages = num(p, 'max-images', 16, { int: true, min: 1, command: C });
  const jsonPath = str(p, 'json');
  const backend = choice(p, 'backend', BACKEND_CHOICES, 'auto', C);
  if (jsonPath) {
    // --json must not replace one of the files this run reads.
    const inputs = [packPath, str(p, 'base'), str(p, 'checkpoint'), str(p, 'style')].filter((x): x is string => !!x);
    const clash = firstOverwrite([{ output: resolve(jsonPath) }], inputs);
    if (clash) throw new UsageError(`--json would overwrite the input ${clash.input}. Choose another file for --json.`, C);
  }

  const pack = await readPack(packPath);
  const base = await baseForPack(pack, packPath, str(p, 'base'));

  // Paintings per style name.
  const paintings = new Map<string, string>();
  const styleArg = str(p, 'style');
  if (styleArg) {
    if (pack.styles.length !== 1) throw new UsageError(`--style gives one painting, but ${basename(packPath)} holds ${pack.styles.length} styles; use --styles DIR.`, C);
    paintings.set(pack.styles[0].name, resolve(styleArg));
  }
  const stylesDir = str(p, 'styles');
  if (stylesDir) {
    for (const f of await listImages(resolve(stylesDir), 'styles')) {
      const stem = basename(f, extname(f));
      for (const s of pack.styles) if (s.name === stem || slug(s.name) === slug(stem)) paintings.set(s.name, f);
    }
  }
  let discriminator: { d: Discriminator; names: string[] } | null = null;
  const ckptArg = str(p, 'checkpoint');
  await setupBackend(backend, log);
  if (ckptArg) {
    if (!existsSync(ckptArg)) throw new CliError(`Checkpoint not found: ${ckptArg}.`);
    let ck;
    try {
      ck = decodeCheckpoint(new Uint8Array(await readFile(ckptArg)));
    } catch (e) {
      throw new CliError(`${ckptArg}: ${errorMessage(e)}`);
    }
    const names = (ck.header.settings.styleNames as string[] | undefined) ?? [];
    const files = (ck.header.settings.styleFiles as string[] | undefined) ?? [];
    names.forEach((n, i) => {
      if (!paintings.has(n) && files[i] && existsSync(files[i])) paintings.set(n, files[i]);
    });
    const dParams: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith('D/')) dParams[k.slice(2)] = v;
    if (dParams['d1/w'] && dParams['d4/w']) {
      const d = new Discriminator({ width: dParams['d1/w'].shape[3], numStyles: dParams['d4/w'].shape[3] });
      writeParams(d.params, dParams, 'discriminator weights');
      discriminator = { d, names };
    } else {
      log(`${ckptArg} holds no discriminator; adversarial loss n/a`);
    }
  }

  const { net, contentTap, styleTaps } = createLossNet();
  const data = await ContentDataset.load(contentDir, size, 0, log);
  const n = Math.min(maxImages, data.items.length);
  const g = generatorFor(base);
  const rows: Row[] = [];
  try {
    for (const style of pack.styles as StyleEntry[]) {
      const paintingPath = paintings.get(style.name);
      const painting = paintingPath ? await loadStyleTensor(paintingPath, size) : null;
      const targets = painting ? tf.tidy(() => { const f = net.features(painting.tensor); return styleTaps.map((i) => gram(f[i])); }) : null;
      const dIndex = discriminator ? discriminator.names.indexOf(style.name) : -1;
      const vectors = blendVectors(base, [{ style, weight: 1 }]);
      const sums = { content: 0, style: 0, adversarial: 0, tv: 0 };
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = data.centreCrop(i);
        const t0 = performance.now();
        const y = g.stylize(x, vectors);
        await y.data();
        times.push(performance.now() - t0);
        const vals = tf.tidy(() => {
          const fx = net.features(x);
          const fy = net.features(y);
          const lc = contentLoss(fy[contentTap], fx[contentTap]);
          const ls = targets ? styleLoss(styleTaps.map((t) => fy[t]), targets) : tf.scalar(NaN);
          let la: tf.Scalar = tf.scalar(NaN);
          if (discriminator && dIndex >= 0) {
            const oh = tf.oneHot(tf.tensor1d([dIndex], 'int32'), discriminator.d.config.numStyles).toFloat() as tf.Tensor2D;
            la = generatorAdversarialLoss(discriminator.d.apply(y, oh));
          }
          return [lc, ls, la, totalVariationLoss(y)].map((s) => s.dataSync()[0]);
        });
        sums.content += vals[0];
        sums.style += vals[1];
        sums.adversarial += vals[2];
        sums.tv += vals[3];
        tf.dispose([x, y]);
      }
      disposeVectors(vectors);
      if (targets) tf.dispose(targets);
      painting?.tensor.dispose();
      const timed = times.length > 1 ? times.slice(1) : times;
      const mean = (v: number) => (Number.isFinite(v) ? v / n : null);
      rows.push({
        style: style.name,
        content: sums.content / n,
        style_loss: mean(sums.style),
        adversarial: mean(sums.adversarial),
        tv: sums.tv / n,
        msPerImage: timed.reduce((a, b) => a + b, 0) / timed.length,
      });
    }
  } finally {
    g.dispose();
    net.dispose();
    discriminator?.d.dispose();
  }

  const header = ['style', 'content', 'style', 'adversarial', 'tv', 'ms/image'];
  const table = rows.map((r) => [r.style, formatNumber(r.content), r.style_loss === null ? 'n/a' : formatNumber(r.style_loss), r.adversarial === null ? 'n/a' : formatNumber(r.adversarial), formatNumber(r.tv), r.msPerImage.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out(`${basename(packPath)} on ${n} image(s) from ${contentDir} at ${size}×${size}, base ${base.id}`);
  out(line(header));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of table) out(line(r));
  if (jsonPath) {
    const json = {
      pack: packPath,
      packId: pack.manifest.id,
      baseModel: base.id,
      backend: tf.getBackend(),
      size,
      images: n,
      styles: rows.map((r) => ({ name: r.style, losses: { content: r.content, style: r.style_loss, adversarial: r.adversarial, tv: r.tv }, msPerImage: r.msPerImage })),
    };
    await writeAtomic(resolve(jsonPath), JSON.stringify(json, null, 2) + '\n');
    out(`wrote ${resolve(jsonPath)}`);
  }
  return EXIT.ok;
}

export const evaluate: Command = { name: 'eval', summary: 'losses and timing of a pack', help: HELP, run };
