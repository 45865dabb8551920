// The base model as the plugin ships it: models/base/model.stylepack re-encoded with a float16
// backbone (half the bytes in ui.html; the outputs stay within a few 1/255 of the float32
// model, checked by bundled-base.test.ts). Run at build time by build.mjs and by that test.
// Only the pack format is used (no tfjs), so build.mjs can bundle this file on its own.
import { decodePack, encodePack } from '../../../../packages/core/src/pack/index.js';

/** How the bundled copy stores its tensors. */
export const BUNDLED_BASE_ENCODING = 'float16' as const;

/**
 * A float32 base model (a pack with weights) → the same pack, weights and style vectors stored
 * as float16. Its identity (id, baseModel { id, sha256 }) is kept: the sha256 names the float32
 * backbone the built-in packs were trained on, and the float16 copy stands in for it.
 */
export async function bundleBaseModel(float32Bytes: Uint8Array, source = 'models/base/model.stylepack'): Promise<Uint8Array> {
  const pack = await decodePack(float32Bytes);
  const m = pack.manifest;
  if (!pack.weights) throw new Error(`${source} has no network weights: it is a style pack, not a base model.`);
  if (m.baseModel.id !== m.id) throw new Error(`${source} is not a base model (its baseModel "${m.baseModel.id}" is not itself, "${m.id}").`);
  return encodePack(
    {
      meta: {
        id: m.id,
        name: m.name,
        author: m.author,
        licence: m.licence,
        created: m.created,
        ...(m.description !== undefined ? { description: m.description } : {}),
        baseModel: m.baseModel,
        training: { ...(m.training ?? {}), bundled: { from: source, encoding: BUNDLED_BASE_ENCODING } },
      },
      styles: pack.styles,
      weights: pack.weights,
    },
    { encoding: BUNDLED_BASE_ENCODING, weightsEncoding: BUNDLED_BASE_ENCODING },
  );
}
