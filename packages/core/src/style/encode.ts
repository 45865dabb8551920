// Pack encoding of one style: a .stylepack holding one style's vectors (float16) and a preview,
// tied to the base model it was made for. The CLI (train, pretrain) and the plugin's Learn write
// their packs with it.
import { encodePack } from '../pack/encode.js';
import type { PackMeta, StyleEntry } from '../pack/types.js';
import { slug } from './slug.js';

export interface StylePackMeta extends Pick<PackMeta, 'author' | 'licence' | 'description' | 'training'> {
  /** Pack id; default slug(style.name). */
  id?: string;
  preview?: { png: Uint8Array; width: number; height: number };
}

export async function encodeStylePack(base: { id: string; sha256: string }, style: StyleEntry, meta: StylePackMeta): Promise<Uint8Array> {
  return encodePack(
    {
      meta: {
        id: meta.id ?? slug(style.name),
        name: style.name,
        author: meta.author,
        licence: meta.licence,
        description: meta.description,
        baseModel: { id: base.id, sha256: base.sha256 },
        training: meta.training,
      },
      styles: [style],
      ...(meta.preview ? { preview: meta.preview } : {}),
    },
    { encoding: 'float16' },
  );
}

/** A loss series kept short for a pack's training record: at most ~200 points, the last one always. */
export function thinSeries(a: number[], max = 200): number[] {
  return a.length <= max ? a : a.filter((_, i) => i % Math.ceil(a.length / max) === 0 || i === a.length - 1);
}
