import { PackError } from './errors.js';

/** Hard bounds the reader enforces before it allocates anything a file declares. */
export interface PackLimits {
  /** Whole file, bytes. */
  maxFileBytes: number;
  /** Manifest JSON, bytes (checked against the header before the manifest is read). */
  maxManifestBytes: number;
  /** Styles in one pack. */
  maxStyles: number;
  /** Tensors in one pack: all styles' tensors plus weights. */
  maxTensors: number;
  /** Elements in one tensor. */
  maxTensorElements: number;
  /** Elements over all tensors (bounds the Float32Arrays the reader returns). */
  maxTotalElements: number;
  /** Tensor rank. */
  maxRank: number;
  /** Preview PNG, bytes. */
  maxPreviewBytes: number;
  /** Preview width and height, pixels. */
  maxPreviewSide: number;
  /** `training` metadata serialized as JSON, bytes. */
  maxTrainingBytes: number;
  /** Nesting depth of any JSON value in the manifest. */
  maxJsonDepth: number;
  maxIdLength: number;
  maxNameLength: number;
  maxAuthorLength: number;
  maxLicenceLength: number;
  maxDescriptionLength: number;
  maxTensorNameLength: number;
  maxBaseModelIdLength: number;
}

const MiB = 1024 * 1024;

export const PACK_LIMITS: Readonly<PackLimits> = Object.freeze({
  maxFileBytes: 64 * MiB,
  maxManifestBytes: 1 * MiB,
  maxStyles: 64,
  maxTensors: 512,
  maxTensorElements: 16 * MiB,
  maxTotalElements: 32 * MiB,
  maxRank: 4,
  maxPreviewBytes: 256 * 1024,
  maxPreviewSide: 256,
  maxTrainingBytes: 64 * 1024,
  maxJsonDepth: 20,
  maxIdLength: 64,
  maxNameLength: 100,
  maxAuthorLength: 200,
  maxLicenceLength: 200,
  maxDescriptionLength: 2000,
  maxTensorNameLength: 128,
  maxBaseModelIdLength: 128,
});

/** PACK_LIMITS with the caller's overrides; every override must be a positive safe integer. */
export function resolveLimits(overrides?: Partial<PackLimits>): PackLimits {
  const out: PackLimits = { ...PACK_LIMITS };
  if (overrides === undefined) return out;
  if (overrides === null || typeof overrides !== 'object') {
    throw new PackError('BAD_INPUT', 'The `limits` option must be an object of positive integers.');
  }
  for (const key of Object.keys(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(PACK_LIMITS, key)) {
      throw new PackError('BAD_INPUT', `Unknown pack limit "${key}". Known limits: ${Object.keys(PACK_LIMITS).join(', ')}.`);
    }
    const v = (overrides as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw new PackError('BAD_INPUT', `Pack limit "${key}" must be a positive integer, got ${String(v)}.`);
    }
    (out as unknown as Record<string, number>)[key] = v;
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${+(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  return `${+(n / 1024 / MiB).toFixed(1)} GiB`;
}

/**
 * Why a file of `size` bytes is refused as a pack. Callers that can see the size first (a file's
 * stat, a picked File's size) refuse with it before reading anything.
 */
export function packTooLargeMessage(size: number, limit: number = PACK_LIMITS.maxFileBytes): string {
  return `The file is ${formatBytes(size)}; a style pack is at most ${formatBytes(limit)}, and no pack is that large. Check that this is the .stylepack file you meant.`;
}
