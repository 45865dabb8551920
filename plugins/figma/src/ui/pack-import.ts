// Validation of a pack before it enters the library (import, file/clientStorage load): core's
// decodePack checks the container (magic, version, sizes, layout, SHA-256 of the body, values);
// on top of that the pack must fit an installed base model (expectedBaseModel + the exact vector
// shapes that base needs), unless it carries its own base weights. Every rejection is a message
// a designer can act on. No DOM: unit-tested in Node.
import { PackError, decodePack, generatorConfigFromWeights, generatorLayers, packTooLargeMessage, styleShapes, readPackManifest, type PackManifest, type PackTensor, type StylePack } from '@stylepack/core';
import { PLUGIN_MAX_PACK_BYTES } from '../shared/limits.js';
import { checkBaseWeights } from './pack-library.js';

export interface InstalledBase {
  id: string;
  sha256: string;
  weights: Record<string, PackTensor>;
}

/** Packs the panel accepts (shared/limits.ts). */
export const PLUGIN_PACK_LIMITS = { maxFileBytes: PLUGIN_MAX_PACK_BYTES };

export class ImportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

const HINT: Partial<Record<string, string>> = {
  TRUNCATED: 'The file is incomplete (cut off while copying or downloading?).',
  BAD_MAGIC: 'This is not a .stylepack file.',
  UNSUPPORTED_VERSION: 'It was made by a newer version of stylepack; update the plugin.',
  BAD_CHECKSUM: 'The file was changed or damaged after it was made.',
  WRONG_BASE_MODEL: 'It was made for a different base model than the ones installed here.',
  TOO_LARGE: 'The file is larger than a style pack can be.',
};

function explain(e: unknown, fileName: string): ImportError {
  if (e instanceof ImportError) return e;
  if (e instanceof PackError) {
    const hint = HINT[e.code];
    return new ImportError(`${fileName} was rejected: ${hint ? `${hint} ` : ''}(${e.message})`, e.code);
  }
  return new ImportError(`${fileName} was rejected: ${e instanceof Error ? e.message : String(e)}`, 'INTERNAL');
}

/** Refuse a file larger than any pack, before reading it. */
export function checkPackFileSize(size: number, fileName: string): void {
  if (size > PLUGIN_MAX_PACK_BYTES) throw new ImportError(`${fileName} was rejected: ${packTooLargeMessage(size, PLUGIN_MAX_PACK_BYTES)}`, 'TOO_LARGE');
}

/** A picked or dropped file's bytes, read only when its size can be a pack's. */
export async function readPackFile(file: { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer> }): Promise<Uint8Array> {
  checkPackFileSize(file.size, file.name);
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * Decode and check a pack against the installed bases. Style-only packs must name an installed
 * base (by sha256) and hold exactly the vectors it needs; packs with weights must be a complete
 * generator backbone. Throws ImportError with a readable message.
 */
export async function validatePack(bytes: Uint8Array, bases: InstalledBase[], fileName = 'The pack'): Promise<StylePack> {
  try {
    checkPackFileSize(bytes.byteLength, fileName);
    const manifest: PackManifest = readPackManifest(bytes, { limits: PLUGIN_PACK_LIMITS });
    if (manifest.weights) {
      const pack = await decodePack(bytes, { limits: PLUGIN_PACK_LIMITS });
      try {
        const cfg = generatorConfigFromWeights(pack.weights!);
        for (const l of generatorLayers(cfg)) {
          const w = pack.weights![`${l.name}/w`];
          if (!w || w.shape.join() !== [l.k, l.k, l.cin, l.cout].join()) throw new Error(`weight "${l.name}/w" is missing or has the wrong shape`);
        }
      } catch (e) {
        throw new ImportError(`${fileName} was rejected: it carries network weights, but they are not a complete stylepack base model (${e instanceof Error ? e.message : String(e)}).`, 'BAD_SHAPE');
      }
      try {
        await checkBaseWeights(pack);
      } catch (e) {
        throw new ImportError(`${fileName} was rejected: ${e instanceof Error ? e.message : String(e)}`, 'BAD_CHECKSUM');
      }
      return pack;
    }
    const base = bases.find((b) => b.sha256 === manifest.baseModel.sha256);
    if (!base) {
      if (bases.length === 0) {
        throw new ImportError(`${fileName} was rejected: it needs base model "${manifest.baseModel.id}", and no base model is installed. Import a pack that includes the base model first.`, 'WRONG_BASE_MODEL');
      }
      // Let core produce its WRONG_BASE_MODEL error against the installed base.
      await decodePack(bytes, { expectedBaseModel: { id: bases[0]!.id, sha256: bases[0]!.sha256 }, limits: PLUGIN_PACK_LIMITS });
    }
    return await decodePack(bytes, {
      expectedBaseModel: { id: manifest.baseModel.id, sha256: base!.sha256 },
      expectedShapes: styleShapes(generatorConfigFromWeights(base!.weights)),
      limits: PLUGIN_PACK_LIMITS,
    });
  } catch (e) {
    throw explain(e, fileName);
  }
}
