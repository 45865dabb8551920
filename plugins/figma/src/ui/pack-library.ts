// The packs the panel knows, keyed by where they come from and their id. A pack from one home
// never replaces a pack from another: an imported or in-file pack reusing a built-in's id is
// listed next to it, each labelled with its home, so a shared file cannot swap what a built-in
// style does for everyone who opens it. A pack carrying base weights must hash to the base
// sha256 it claims (core's backboneSha256, as the CLI checks), so it cannot pose as a base.
import { backboneSha256, decodePack, type PackTensor, type StylePack } from '@stylepack/core';
import type { Home } from '../protocol.js';

/** One style the user can pick: a style inside a pack. */
export interface StyleOption {
  /** `${packId}#${styleIndex}` for built-ins, `${packId}#${styleIndex}@${home}` otherwise; what Settings.packId stores. */
  key: string;
  packId: string;
  styleIndex: number;
  /** Where the pack comes from. */
  home: Home;
  /** "Pack name" or "Pack name / style"; packs not built in add their home: "Name (this file)". */
  label: string;
  /** The label without the home: what a stylized layer is named after. */
  name: string;
  builtIn: boolean;
  /** PNG bytes of the pack's preview, if it has one. */
  preview: Uint8Array | null;
  /** Base model this style's vectors were trained for. */
  baseSha: string;
  /** Null when the style can be used; else why not (e.g. its base model is not installed). */
  problem: string | null;
}

/** How a home is named after a pack's label in the picker. */
export const HOME_TAGS: Record<Home, string> = { builtin: 'built-in', mine: 'Mine', file: 'this file' };

/** The library key of a pack: built-ins keep their bare id (saved settings stay valid). */
export const packKey = (home: Home, id: string): string => (home === 'builtin' ? id : `${id}@${home}`);

/** Style key → pack key and style index. */
export function splitStyleKey(key: string): { pack: string; index: number } {
  const m = /^(.*)#(\d+)(@[a-z]+)?$/.exec(key);
  if (!m) return { pack: key, index: 0 };
  return { pack: m[1]! + (m[3] ?? ''), index: Number(m[2]) };
}

/** Throws when a pack's weights do not hash to the base sha256 its manifest claims. */
export async function checkBaseWeights(pack: StylePack): Promise<void> {
  if (!pack.weights) return;
  const actual = await backboneSha256(pack.weights);
  const claimed = pack.manifest.baseModel.sha256;
  if (actual !== claimed) {
    throw new Error(
      `its network weights do not match the base model checksum it claims (sha256 ${claimed.slice(0, 12)}…, the weights hash to ${actual.slice(0, 12)}…); the file was altered. Get the base model from its source.`,
    );
  }
}

interface LoadedPack {
  pack: StylePack;
  home: Home;
}

export class PackLibrary {
  private packs = new Map<string, LoadedPack>();
  /** Base models shipped with the plugin: weights only, no styles in the picker; never replaced. */
  private builtinBases = new Map<string, Record<string, PackTensor>>();

  /** A built-in base model: it serves baseWeights() for its sha before any other pack. */
  addBuiltinBase(pack: StylePack): void {
    if (!pack.weights) throw new Error(`"${pack.manifest.id}" carries no weights; it is not a base model.`);
    this.builtinBases.set(pack.manifest.baseModel.sha256, pack.weights);
  }

  /**
   * Decode and add (or reload) a pack from `home`. Only a pack of the same home and id is
   * replaced. Packs not built in that carry weights must hash to the base they claim.
   */
  async add(bytes: Uint8Array, home: Home): Promise<StylePack> {
    const pack = await decodePack(bytes);
    if (home !== 'builtin') await checkBaseWeights(pack);
    this.packs.set(packKey(home, pack.manifest.id), { pack, home });
    return pack;
  }

  /** Forget a pack of one home (the same id in other homes stays). */
  remove(home: Home, id: string): void {
    this.packs.delete(packKey(home, id));
  }

  /** A pack by its id in `home`, or by its library key (packKey) when `home` is left out. */
  get(idOrKey: string, home?: Home): StylePack | undefined {
    return this.packs.get(home ? packKey(home, idOrKey) : idOrKey)?.pack;
  }

  /** Full weights for a base model: built-in bases and packs first, then any pack made for it with weights. */
  baseWeights(sha: string): Record<string, PackTensor> | null {
    const shipped = this.builtinBases.get(sha);
    if (shipped) return shipped;
    const all = [...this.packs.values()].sort((a, b) => Number(b.home === 'builtin') - Number(a.home === 'builtin'));
    for (const { pack } of all) {
      if (pack.manifest.baseModel.sha256 === sha && pack.weights) return pack.weights;
    }
    return null;
  }

  styles(): StyleOption[] {
    const out: StyleOption[] = [];
    const all = [...this.packs.entries()];
    for (const [key, { pack, home }] of all) {
      const sha = pack.manifest.baseModel.sha256;
      const problem = this.baseWeights(sha)
        ? null
        : `Needs base model "${pack.manifest.baseModel.id}", which is not installed (import a pack that includes its weights).`;
      // A built-in says so only when a pack from elsewhere shares its id or name.
      const lookalike = all.some(([k, o]) => k !== key && (o.pack.manifest.id === pack.manifest.id || o.pack.manifest.name === pack.manifest.name));
      const tag = home !== 'builtin' || lookalike ? ` (${HOME_TAGS[home]})` : '';
      pack.styles.forEach((s, i) => {
        const name = pack.styles.length > 1 ? `${pack.manifest.name} / ${s.name}` : pack.manifest.name;
        const label = name + tag;
        const styleKey = `${pack.manifest.id}#${i}${home === 'builtin' ? '' : `@${home}`}`;
        out.push({ key: styleKey, packId: pack.manifest.id, styleIndex: i, home, label, name, builtIn: home === 'builtin', preview: pack.preview ?? null, baseSha: sha, problem });
      });
    }
    return out;
  }

  /** The style's vectors ("<layer>/gamma" → [C]). */
  vectors(key: string): { vectors: Record<string, PackTensor>; baseSha: string; label: string } {
    const { pack: k, index } = splitStyleKey(key);
    const pack = this.packs.get(k)?.pack;
    const style = pack?.styles[index];
    if (!pack || !style) throw new Error(`Style "${key}" is not loaded.`);
    const label = this.styles().find((s) => s.key === key)?.label ?? pack.manifest.name;
    return { vectors: style.tensors, baseSha: pack.manifest.baseModel.sha256, label };
  }
}
