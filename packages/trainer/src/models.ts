// The base model and style packs on disk.
//
// Base model (`models/base/model.stylepack`, or RUN_DIR/model.stylepack after pretraining): a
// .stylepack WITH `weights` = the generator backbone (every parameter except the per-style
// gamma/beta tables, float32) and one style entry per pretrained style. Its id is
// `base-<preset>-<first 12 hex of sha256>` and its baseModel field points at itself:
// { id, sha256 = backboneSha256(weights) }. `training.architecture` records the preset, width
// multiplier and GeneratorConfig; the architecture is also inferred from the weight shapes.
//
// Style pack (`models/packs/<name>.stylepack`): one style's vectors ("<layer>/gamma",
// "<layer>/beta", shape [C]) plus a preview PNG, with baseModel = { id, sha256 } of the base
// it was made for. Stylizing = base backbone + the pack's vectors in a 1-style Generator.
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Generator,
  PACK_LIMITS,
  PackError,
  StyleMismatchError,
  backboneSha256,
  blendStyleVectors,
  packTooLargeMessage,
  decodePack,
  encodePack,
  generatorConfigFromWeights,
  generatorFor as coreGeneratorFor,
  generatorLayers,
  readParams,
  styleShapes as coreStyleShapes,
  type GeneratorConfig,
  type GeneratorPreset,
  type PackMeta,
  type PackTensor,
  type StyleEntry,
  type StylePack,
  type StyleVectors,
} from '@stylepack/core';
import { CliError } from './errors.js';
import { readErrorMessage } from './io/fs-errors.js';

export { backboneSha256 };
/** Kept for scripts that import it from here (bench/quality.mjs); the home is core's disposeStyleVectors. */
export { disposeStyleVectors as disposeVectors } from '@stylepack/core';

/** The repository's models/ folder, found from this package's own location (src/ or dist/). */
export const MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));
export const DEFAULT_BASE = join(MODELS_DIR, 'base', 'model.stylepack');
export const PACKS_DIR = join(MODELS_DIR, 'packs');
/** The repository's examples/ folder: default content for `stylepack train`. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

export interface Architecture {
  preset: GeneratorPreset | 'custom';
  widthMultiplier: number;
  config: Omit<GeneratorConfig, 'numStyles'>;
}

export interface BaseModel {
  id: string;
  sha256: string;
  path?: string;
  arch: Architecture;
  backbone: Record<string, PackTensor>;
  styles: StyleEntry[];
  pack?: StylePack;
}

const isStyleKey = (k: string) => k.endsWith('/gamma') || k.endsWith('/beta');

/** Slice a generator's tables into per-style entries ([C] vectors). */
export async function styleEntriesFromGenerator(g: Generator, names: string[]): Promise<StyleEntry[]> {
  const params = await readParams(g.params);
  return names.map((name, s) => {
    const tensors: Record<string, PackTensor> = {};
    for (const { name: layer, channels } of g.normLayers) {
      for (const kind of ['gamma', 'beta'] as const) {
        const t = params[`${layer}/${kind}`];
        tensors[`${layer}/${kind}`] = { shape: [channels], data: t.data.slice(s * channels, (s + 1) * channels) };
      }
    }
    return { name, tensors };
  });
}

export async function baseModelFromGenerator(g: Generator, styleNames: string[], preset: GeneratorPreset, widthMultiplier: number): Promise<BaseModel> {
  const params = await readParams(g.params);
  const backbone: Record<string, PackTensor> = {};
  for (const [k, v] of Object.entries(params)) if (!isStyleKey(k)) backbone[k] = v;
  const sha256 = await backboneSha256(backbone);
  const { numStyles: _n, ...config } = g.config;
  return {
    id: `base-${preset}-${sha256.slice(0, 12)}`,
    sha256,
    arch: { preset, widthMultiplier, config },
    backbone,
    styles: await styleEntriesFromGenerator(g, styleNames),
  };
}

export type Meta = Pick<PackMeta, 'author' | 'licence' | 'description'> & { training?: Record<string, unknown> };

export async function encodeBaseModel(base: BaseModel, meta: Meta): Promise<Uint8Array> {
  return encodePack(
    {
      meta: {
        id: base.id,
        name: `stylepack base model (${base.arch.preset}, ${base.styles.length} styles)`,
        author: meta.author,
        licence: meta.licence,
        description: meta.description,
        baseModel: { id: base.id, sha256: base.sha256 },
        training: { kind: 'base-model', architecture: base.arch as unknown as Record<string, unknown>, ...meta.training },
      },
      styles: base.styles,
      weights: base.backbone,
    },
    { encoding: 'float32', weightsEncoding: 'float32' },
  );
}

/** A pack file's bytes; its size is checked (stat) before anything is read. */
export async function readPackBytes(path: string, what = 'style pack'): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`${path} is a directory; give the ${what} file.`);
    if (st.size === 0) throw new CliError(`${path} is empty (0 bytes); it is not a ${what}.`);
    if (st.size > PACK_LIMITS.maxFileBytes) throw new CliError(`${path}: ${packTooLargeMessage(st.size)}`);
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if (e instanceof CliError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${what[0].toUpperCase() + what.slice(1)} not found: ${path}.`);
    throw new CliError(readErrorMessage(e, path));
  }
}

export async function readPack(path: string, what = 'style pack'): Promise<StylePack> {
  const bytes = await readPackBytes(path, what);
  try {
    return await decodePack(bytes);
  } catch (e) {
    if (e instanceof PackError) throw new CliError(`${path} is not a valid ${what} [${e.code}]: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Architecture from the backbone's shapes (cross-checked against training.architecture). */
export function inferArchitecture(pack: StylePack, path: string): Architecture {
  const w = pack.weights!;
  const c1 = w['c1/w'];
  if (!c1 || c1.shape.length !== 4) throw new CliError(`${path} has weights but no generator layer "c1/w"; it is not a stylepack base model.`);
  const { numStyles: _n, ...config } = generatorConfigFromWeights(w);
  const recorded = (pack.manifest.training as Record<string, unknown> | undefined)?.architecture as Partial<Architecture> | undefined;
  const preset = recorded?.preset === 'lite' || recorded?.preset === 'johnson' ? recorded.preset : 'custom';
  return { preset, widthMultiplier: typeof recorded?.widthMultiplier === 'number' ? recorded.widthMultiplier : 1, config };
}

export async function baseModelFromPack(pack: StylePack, path: string): Promise<BaseModel> {
  if (!pack.weights) throw new CliError(`${path} holds style vectors only, not a base model (no network weights). Pass the base model with --base.`);
  const arch = inferArchitecture(pack, path);
  const expected = generatorLayers({ ...arch.config, numStyles: 1 });
  for (const l of expected) {
    const t = pack.weights[`${l.name}/w`];
    if (!t || t.shape.join() !== [l.k, l.k, l.cin, l.cout].join()) throw new CliError(`${path}: weight "${l.name}/w" is missing or has the wrong shape; the base model is damaged or from another version.`);
  }
  const sha256 = await backboneSha256(pack.weights);
  if (sha256 !== pack.manifest.baseModel.sha256) {
    throw new CliError(`${path}: its weights do not match the checksum in its manifest (${pack.manifest.baseModel.sha256.slice(0, 12)}…); the base model is damaged.`);
  }
  return { id: pack.manifest.id, sha256, path, arch, backbone: pack.weights, styles: pack.styles, pack };
}

export async function loadBaseModel(path: string): Promise<BaseModel> {
  if (!existsSync(path)) {
    throw new CliError(
      path === DEFAULT_BASE
        ? `No base model at ${path}. Pretrain one (stylepack pretrain ... --out RUN_DIR gives RUN_DIR/model.stylepack) and pass it with --base.`
        : `Base model not found: ${path}.`,
    );
  }
  return baseModelFromPack(await readPack(path, 'base model'), path);
}

/** The shapes every style of this base must have. */
export function styleShapes(base: BaseModel): Record<string, number[]> {
  return coreStyleShapes(base.arch.config);
}

/** A generator holding the base backbone and the given styles' vectors as its tables (core's generatorFor). */
export function generatorFor(base: BaseModel, styles: StyleEntry[] = base.styles.slice(0, 1)): Generator {
  return coreGeneratorFor(base.backbone, styles.map((s) => s.tensors), base.arch.config);
}

/** Blend of styles' vectors (weights normalised to sum 1) as tensors for Generator.stylize. */
export function blendVectors(base: BaseModel, parts: { style: StyleEntry; weight: number }[]): StyleVectors {
  try {
    return blendStyleVectors(
      parts.map((p) => ({ tables: p.style.tensors, weight: p.weight, name: p.style.name })),
      styleShapes(base),
    );
  } catch (e) {
    if (e instanceof StyleMismatchError) throw new CliError(e.message, { cause: e });
    throw e;
  }
}

/** Names of the built-in packs (models/packs/*.stylepack). */
export async function builtinPackNames(): Promise<string[]> {
  try {
    const { readdir } = await import('node:fs/promises');
    return (await readdir(PACKS_DIR)).filter((n) => n.endsWith('.stylepack')).map((n) => n.slice(0, -'.stylepack'.length)).sort();
  } catch {
    return [];
  }
}

/** A path to an existing file, or NAME → models/packs/NAME.stylepack. */
export async function resolvePackPath(ref: string): Promise<string> {
  if (existsSync(ref)) return resolve(ref);
  const looksLikeName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(ref);
  if (looksLikeName) {
    const p = join(PACKS_DIR, `${ref}.stylepack`);
    if (existsSync(p)) return p;
    const names = await builtinPackNames();
    throw new CliError(`Unknown pack "${ref}": no file of that name and no built-in pack ${ref}. ${names.length ? `Built-in packs: ${names.join(', ')}.` : `No built-in packs are installed in ${PACKS_DIR}.`}`);
  }
  throw new CliError(`Pack file not found: ${ref}.`);
}

/**
 * The base model for a pack: --base if given; the pack itself if it carries weights; else
 * model.stylepack next to the pack or one folder up (a pretrain run directory); else the
 * repository's models/base/model.stylepack. The base must be the one the pack was made for.
 */
export async function baseForPack(pack: StylePack, packPath: string, explicit?: string): Promise<BaseModel> {
  if (!explicit && pack.weights) return baseModelFromPack(pack, packPath);
  const want = pack.manifest.baseModel;
  const candidates = explicit ? [explicit] : [join(dirname(packPath), 'model.stylepack'), join(dirname(packPath), '..', 'model.stylepack'), DEFAULT_BASE];
  for (const c of candidates) {
    if (!existsSync(c) || resolve(c) === resolve(packPath)) continue;
    const base = await loadBaseModel(c);
    if (base.sha256 === want.sha256) return base;
    if (explicit) {
      throw new CliError(`${packPath} was made for base model ${want.id} (${want.sha256.slice(0, 12)}…), but ${c} is ${base.id} (${base.sha256.slice(0, 12)}…). Use the base model the pack was trained on.`);
    }
  }
  throw new BaseNotFoundError(`Cannot find base model ${want.id} (${want.sha256.slice(0, 12)}…) that ${packPath} was made for. Pass it with --base MODEL.`);
}

/** No base model the pack was made for exists where baseForPack looks (the only "not checked" case of `pack verify`). */
export class BaseNotFoundError extends CliError {}
