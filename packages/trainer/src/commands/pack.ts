// stylepack pack inspect|verify FILE
import { basename, resolve } from 'node:path';
import { PackError, decodePack, readPackManifest, summarizePack } from '@stylepack/core';
import { flag, parse, str } from '../args.js';
import { out, type Command } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { BaseNotFoundError, baseForPack, readPackBytes, resolvePackPath, styleShapes } from '../models.js';

const HELP = `Usage: stylepack pack inspect FILE [--json]
       stylepack pack verify FILE [--base MODEL]

inspect   prints the manifest summary: name, id, author, licence, base model, styles, sizes,
          training metadata (--json: as JSON). Reads only the header and manifest.
verify    decodes the whole pack: checksum, layout, values; then checks it against its base
          model (--base, else found like stylize does) when one is available.
FILE may be a built-in pack name. Exit codes: 0 ok, 1 invalid pack, 2 usage error.`;

function fail(path: string, e: unknown): never {
  if (e instanceof PackError) throw new CliError(`${path} is not a valid pack [${e.code}]: ${e.message}`, { cause: e });
  throw e;
}

async function run(argv: string[]): Promise<number> {
  const C = 'pack';
  const p = parse(C, argv, { json: { type: 'boolean' }, base: { type: 'string' } }, true);
  if (flag(p, 'help')) {
    out(HELP);
    return EXIT.ok;
  }
  const [sub, file, ...extra] = p.positionals;
  if (sub !== 'inspect' && sub !== 'verify') throw new UsageError(sub ? `Unknown pack subcommand "${sub}"; use inspect or verify.` : 'Missing subcommand: inspect or verify.', C);
  if (!file) throw new UsageError(`Missing the pack FILE to ${sub}.`, C);
  if (extra.length) throw new UsageError(`Unexpected argument(s): ${extra.join(' ')}.`, C);
  const path = await resolvePackPath(file);
  const bytes = await readPackBytes(path, 'pack');

  if (sub === 'inspect') {
    let manifest;
    try {
      manifest = readPackManifest(bytes);
    } catch (e) {
      fail(path, e);
    }
    const s = summarizePack({ manifest, fileByteLength: bytes.length });
    if (flag(p, 'json')) {
      out(JSON.stringify(s, null, 2));
      return EXIT.ok;
    }
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    out(`${basename(path)}: ${s.name} (${s.id})`);
    out(`  author:     ${s.author}`);
    out(`  licence:    ${s.licence}`);
    out(`  created:    ${s.created}`);
    if (s.description) out(`  about:      ${s.description}`);
    out(`  base model: ${s.baseModel.id} (sha256 ${s.baseModel.sha256.slice(0, 16)}…)`);
    out(`  styles:     ${s.styleCount}: ${s.styles.map((x) => `${x.name} (${x.parameters} values)`).join(', ')}`);
    out(`  weights:    ${s.hasWeights ? `${s.weightTensorCount} tensors, ${s.weightParameterCount.toLocaleString('en')} values (a base model)` : 'none (style vectors only)'}`);
    out(`  storage:    ${Object.entries(s.bytesByDtype).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${kb(v)}`).join(', ') || '-'}; file ${kb(bytes.length)}`);
    out(`  preview:    ${s.preview ? `${s.preview.width}×${s.preview.height} PNG` : 'none'}`);
    if (s.training) {
      const t = s.training;
      out(`  training:   ${[t.steps !== undefined ? `${t.steps} steps` : '', t.seconds !== undefined ? `${t.seconds} s` : '', t.styleImage ? `from ${t.styleImage}` : ''].filter(Boolean).join(', ') || t.fields.join(', ')}`);
      if (t.finalLosses) out(`  losses:     ${Object.entries(t.finalLosses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(', ')}`);
    }
    return EXIT.ok;
  }

  let pack;
  try {
    pack = await decodePack(bytes);
  } catch (e) {
    fail(path, e);
  }
  out(`${basename(path)}: format OK (checksum, layout and values verified; ${pack.styles.length} style(s))`);
  let base;
  try {
    base = await baseForPack(pack, path, str(p, 'base') ? resolve(str(p, 'base')!) : undefined);
  } catch (e) {
    // Only a base that is nowhere to be found passes (and says so); a damaged or mismatched one fails.
    if (!(e instanceof BaseNotFoundError) || str(p, 'base')) throw e;
    out(`base model ${pack.manifest.baseModel.id}: not found (next to the pack, one folder up, or the installed base), so compatibility was not checked; pass --base MODEL to check it`);
    return EXIT.ok;
  }
  try {
    await decodePack(bytes, { expectedBaseModel: { id: base.id, sha256: base.sha256 }, expectedShapes: styleShapes(base) });
  } catch (e) {
    fail(path, e);
  }
  out(`base model ${base.id}: compatible${base.path ? ` (${base.path})` : ''}`);
  return EXIT.ok;
}

export const pack: Command = { name: 'pack', summary: 'inspect or verify a .stylepack file', help: HELP, run };
