// The .stylepack file format, v1: one binary file holding a style pack (per-style conditional
// instance-norm vectors, optional full weights, a small PNG preview, training metadata).
// Universal: plain TypeScript on Uint8Array/DataView/TextEncoder and Web Crypto; no Node APIs,
// no tfjs. Byte layout and policies: docs/pack-format.md.
export { PackError, isPackError, type PackErrorCode } from './errors.js';
export { PACK_LIMITS, packTooLargeMessage, type PackLimits } from './limits.js';
export { toFloat16, fromFloat16, float32ToFloat16Bits, float16BitsToFloat32, isFloat16NonFinite } from './float16.js';
export { sha256Hex } from './sha256.js';
export { backboneSha256 } from './backbone-sha.js';
export { STYLE_VALUE_LIMIT, MIN_GAMMA_MEAN_ABS } from './style-limits.js';
export { encodePack } from './encode.js';
export { decodePack, readPackManifest } from './decode.js';
export { summarizePack, type PackSummary } from './summary.js';
export { FORMAT_VERSION as PACK_FORMAT_VERSION, MAGIC as PACK_MAGIC } from './validate.js';
export type {
  PackTensor,
  StyleEntry,
  StylePack,
  PackDtype,
  PackJson,
  PackTensorRef,
  PackPreviewRef,
  PackBaseModel,
  PackManifest,
  PackMeta,
  PackEncodeInput,
  PackEncodeOptions,
  PackDecodeOptions,
} from './types.js';
