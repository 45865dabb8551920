// stylepack stylize: apply a pack (or a blend of packs) to image files.
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { TEXTURE_SCALE_MAX, TEXTURE_SCALE_MIN, fitWithin, rgbToRgba, rgbaToTensor, stylizeAtScale, stylizeTiled, tileCount, workingSize, type StyleEntry } from '@stylepack/core';
import { choice, flag, num, parse, str } from '../args.js';
import { log, out, type Command, type RunContext } from '../command.js';
import { CliError, EXIT, UsageError, errorMessage } from '../errors.js';
import { outputFormat, readImage, resizeRgba, writeImage } from '../io/images.js';
import { firstOverwrite } from '../io/same-file.js';
import { baseForPack, blendVectors, disposeVectors, generatorFor, readPack, resolvePackPath, styleShapes, type BaseModel } from '../models.js';
import { BACKEND_CHOICES, setupBackend } from '../runtime.js';

export const DEFAULT_MAX_SIZE = 1024;

const HELP = `Usage: stylepack stylize --pack PACK|NAME IN... --out DIR|FILE [options]

Stylizes each input image (JPEG, PNG or WebP; EXIF orientation applied; alpha kept).
NAME is a built-in pack: models/packs/NAME.stylepack of the stylepack install.

Options:
  --pack PACK|NAME        the style pack (a file, or a built-in name)
  --out DIR|FILE          output folder (one <input name> per input, same format as the input),
                          or a single .png/.jpg/.webp file when there is one input
  --strength S            0..1, blend between the input (0) and the full style (1) (default 1)
  --scale S               texture scale ("brush size"), ${TEXTURE_SCALE_MIN}..${TEXTURE_SCALE_MAX} (default 1): 2 paints the style's
                          strokes twice as large, 0.5 half as large (the model runs on the image
                          resampled by 1/S; the output keeps the input's size)
  --max-size PX           longest side the model processes in one pass (default ${DEFAULT_MAX_SIZE}); larger
                          images are downscaled so it fits, or tiled at full size with --tile
  --tile PX               stylize images larger than --max-size in overlapping PX-sized tiles
  --preserve-colors       keep the input's colours, take only luminance from the style
  --mix NAME:W,NAME:W     blend styles: each NAME is a style of --pack or of its base model,
                          a pack file or a built-in pack; W are relative weights
  --base MODEL            base model the pack was made for (default: found automatically)
  --backend NAME          auto|wasm|cpu|tensorflow (default auto)
  --overwrite             allow --out to replace an input file (refused otherwise)
  -h, --help

Outputs are written atomically (never half-written). Exit codes: 0 all written, 1 some input
failed (the others are still written), 2 usage error.`;

interface Plan {
  input: string;
  output: string;
}

function planOutputs(inputs: string[], outArg: string): Plan[] {
  const isDir = (existsSync(outArg) && statSync(outArg).isDirectory()) || /[\\/]$/.test(outArg) || !extname(outArg);
  if (!isDir) {
    if (inputs.length > 1) throw new UsageError(`--out ${outArg} is a file, but ${inputs.length} inputs were given; use a folder for --out.`, 'stylize');
    outputFormat(outArg);
    return [{ input: inputs[0], output: resolve(outArg) }];
  }
  const seen = new Map<string, string>();
  return inputs.map((input) => {
    const ext = extname(input).toLowerCase();
    const name = basename(input, extname(input)) + (['.jpg', '.jpeg', '.png', '.webp'].includes(ext) ? ext : '.png');
    const output = resolve(join(outArg, name));
    if (seen.has(output)) throw new UsageError(`${input} and ${seen.get(output)} would both be written to ${output}; stylize them separately.`, 'stylize');
    seen.set(output, input);
    return { input, output };
  });
}

async function run(argv: string[], ctx: RunContext = {}): Promise<number> {
  const C = 'stylize';
  const p = parse(C, argv, {
    pack: { type: 'string' },
    out: { type: 'string' },
    strength: { type: 'string' },
    'max-size': { type: 'string' },
    scale: { type: 'string' },
    tile: { type: 'string' },
    'preserve-colors': { type: 'boolean' },
    mix: { type: 'string' },
    base: { type: 'string' },
    backend: { type: 'string' },
    overwrite: { type: 'boolean' },
  }, true);
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const packRef = str(p, 'pack');
  const mixArg = str(p, 'mix');
  if (!packRef && !mixArg) throw new UsageError('Missing --pack (a .stylepack file or a built-in pack name).', C);
  const outArg = str(p, 'out', true, C);
  if (p.positionals.length === 0) throw new UsageError('No input images given.', C);
  const strength = num(p, 'strength', 1, { min: 0, max: 1, command: C });
  const maxSize = num(p, 'max-size', DEFAULT_MAX_SIZE, { int: true, min: 16, max: 16384, command: C });
  const scale = num(p, 'scale', 1, { min: TEXTURE_SCALE_MIN, max: TEXTURE_SCALE_MAX, command: C });
  const tile = p.values.tile === undefined ? undefined : num(p, 'tile', 512, { int: true, min: 64, max: 4096, command: C });
  const preserve = flag(p, 'preserve-colors');
  const backend = choice(p, 'backend', BACKEND_CHOICES, 'auto', C);
  const mix = mixArg?.split(',').map((part) => {
    const m = /^(.+):([0-9]*\.?[0-9]+)$/.exec(part.trim());
    if (!m) throw new UsageError(`--mix entries are NAME:WEIGHT (e.g. starry-night:0.7,great-wave:0.3); got "${part}".`, C);
    const weight = Number(m[2]);
    // "9999…" (400 digits) is Infinity and "0.000…1" underflows to 0: both would give a flat image.
    if (!Number.isFinite(weight) || !(weight > 0)) throw new UsageError(`--mix weights must be finite numbers greater than 0; got "${part}".`, C);
    return { ref: m[1], weight };
  });
  const plans = planOutputs(p.positionals, outArg);
  const clash = flag(p, 'overwrite') ? undefined : firstOverwrite(plans, p.positionals);
  if (clash) throw new UsageError(`--out would overwrite the input ${clash.input} (${clash.output} is the same file). Choose another --out, or add --overwrite to replace the input with its stylized version.`, C);
  const packFiles = [packRef, str(p, 'base'), ...(mix ?? []).map((m) => m.ref)].filter((r): r is string => !!r && existsSync(r));
  if (ctx.planned?.({ reads: [...plans.map((x) => resolve(x.input)), ...packFiles.map((f) => resolve(f))], writes: plans.map((x) => x.output) })) return EXIT.ok;

  // Styles: --pack's first style, or the --mix blend (names resolve inside --pack first).
  let base: BaseModel | undefined;
  const parts: { style: StyleEntry; weight: number; label: string }[] = [];
  const packStyles: StyleEntry[] = [];
  let packLabel = '';
  if (packRef) {
    const path = await resolvePackPath(packRef);
    const pack = await readPack(path);
    base = await baseForPack(pack, path, str(p, 'base'));
    packStyles.push(...pack.styles);
    packLabel = `${pack.manifest.name} (${basename(path)})`;
    if (!mix) parts.push({ style: pack.styles[0], weight: 1, label: pack.styles[0].name });
  }
  for (const m of mix ?? []) {
    const inPack = packStyles.find((s) => s.name === m.ref) ?? base?.styles.find((s) => s.name === m.ref);
    if (inPack) {
      parts.push({ style: inPack, weight: m.weight, label: m.ref });
      continue;
    }
    const path = await resolvePackPath(m.ref);
    const pack = await readPack(path);
    const b = await baseForPack(pack, path, str(p, 'base'));
    if (base && b.sha256 !== base.sha256) throw new CliError(`--mix: ${m.ref} was made for base model ${b.id}, the others for ${base.id}; only packs of the same base model can be mixed.`);
    base ??= b;
    parts.push({ style: pack.styles[0], weight: m.weight, label: m.ref });
  }
  if (!base) throw new CliError('No base model found.');
  const shapes = styleShapes(base);
  for (const { style } of parts) {
    for (const [k, shape] of Object.entries(shapes)) {
      if (style.tensors[k]?.shape.join() !== shape.join()) throw new CliError(`Style "${style.name}" does not fit base model ${base.id} (tensor ${k}).`);
    }
  }

  await setupBackend(backend, log);
  const g = generatorFor(base);
  const vectors = blendVectors(base, parts);
  log(`style: ${parts.length > 1 ? parts.map((x) => `${x.label}×${x.weight}`).join(' + ') : packLabel || parts[0].label}; base ${base.id}; strength ${strength}${scale !== 1 ? `; texture scale ${scale}` : ''}${preserve ? '; colours preserved' : ''}`);

  let failed = 0;
  try {
    for (const { input, output } of plans) {
      const t0 = performance.now();
      try {
        const img = await readImage(input);
        let src = img as { width: number; height: number; data: Uint8Array | Uint8ClampedArray };
        let note = '';
        // --max-size bounds what the model sees in one pass: the image at 1/scale.
        const big = Math.max(img.width, img.height) / scale > maxSize;
        const tiled = big && tile !== undefined;
        if (big && !tiled) {
          const fit = fitWithin(img.width, img.height, Math.floor(maxSize * scale));
          src = await resizeRgba(img, fit.width, fit.height);
          note = `downscaled from ${img.width}×${img.height} to ${fit.width}×${fit.height} (--max-size ${maxSize}${scale !== 1 ? ` at --scale ${scale}` : ''}; add --tile PX to keep full size)`;
        } else if (tiled) {
          const work = workingSize(img.width, img.height, scale);
          note = `full size in ${tileCount(work.width, work.height, { tileSize: tile })} tiles of ${tile} px (larger than --max-size ${maxSize})`;
        }
        if (Math.min(src.width, src.height) < 8) {
          throw new CliError(
            src === img
              ? `${input} is too small (${img.width}×${img.height} px); stylize needs at least 8 px a side.`
              : `${input} is ${img.width}×${img.height} px; downscaled to --max-size ${maxSize} it would be ${src.width}×${src.height}, under the 8 px minimum a side. Use --max-size ${Math.max(img.width, img.height)} or --tile PX to stylize it at full size.`,
          );
        }
        const x = rgbaToTensor(src);
        let rgb: Float32Array;
        try {
          rgb = await stylizeAtScale(
            x,
            async (w) => {
              if (tiled) {
                const data = await stylizeTiled(g, w, vectors, { tileSize: tile, yieldBetweenTiles: async () => {}, onTile: (d, n) => process.stderr.write(`\r  tile ${d}/${n}`) });
                process.stderr.write('\r\x1b[2K');
                return data;
              }
              const y = g.stylize(w, vectors);
              try {
                return (await y.data()) as Float32Array;
              } finally {
                y.dispose();
              }
            },
            { scale, strength, preserveColors: preserve },
          );
        } finally {
          x.dispose();
        }
        await writeImage(output, { width: src.width, height: src.height, data: rgbToRgba(rgb, src.width, src.height, src) }, input);
        out(`${input} → ${output} (${src.width}×${src.height}, ${((performance.now() - t0) / 1000).toFixed(2)} s)${note ? ` — ${note}` : ''}`);
      } catch (e) {
        failed++;
        if (e instanceof UsageError) throw e;
        log(`stylepack stylize: error: ${errorMessage(e)}`);
      }
    }
  } finally {
    disposeVectors(vectors);
    g.dispose();
  }
  if (failed) {
    log(`${failed} of ${plans.length} input(s) failed; nothing was written for them.`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

export const stylize: Command = { name: 'stylize', summary: 'stylize images with a pack', help: HELP, run };
