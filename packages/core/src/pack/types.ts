// Types of the .stylepack format v1. See docs/pack-format.md for the byte layout.
import type { PackLimits } from './limits.js';

/** A tensor as plain data; what the encoder takes and the decoder returns (always float32). */
export interface PackTensor {
  shape: number[];
  data: Float32Array;
}

/** One style: its conditional instance-norm vectors, keyed "<normLayerName>/gamma" and ".../beta". */
export interface StyleEntry {
  name: string;
  tensors: Record<string, PackTensor>;
}

/** How a tensor is stored in the body. */
export type PackDtype = 'float32' | 'float16' | 'uint8';

/** A JSON value, as found in `training`. */
export type PackJson = null | boolean | number | string | PackJson[] | { [key: string]: PackJson };

/** Where one tensor lives in the body and how to read it. */
export interface PackTensorRef {
  dtype: PackDtype;
  shape: number[];
  /** Byte offset from the start of the body; a multiple of 8. */
  offset: number;
  byteLength: number;
  /** uint8 only: value = min + q * scale. */
  quant?: { min: number; scale: number };
}

export interface PackPreviewRef {
  mime: 'image/png';
  offset: number;
  byteLength: number;
  width: number;
  height: number;
}

export interface PackBaseModel {
  id: string;
  /** Lower-case hex SHA-256 (64 characters) identifying the base model's weights. */
  sha256: string;
}

export interface PackManifest {
  format: 'stylepack';
  formatVersion: 1;
  id: string;
  name: string;
  author: string;
  licence: string;
  created: string;
  description?: string;
  baseModel: PackBaseModel;
  styles: { name: string; tensors: Record<string, PackTensorRef> }[];
  weights?: Record<string, PackTensorRef>;
  preview?: PackPreviewRef;
  training?: { [key: string]: PackJson };
  /** Length of the body in bytes (everything after the manifest). */
  bodyByteLength: number;
  /** Lower-case hex SHA-256 of the body. */
  bodySha256: string;
}

/** A decoded pack. Every tensor is a fresh Float32Array; nothing aliases the input bytes. */
export interface StylePack {
  manifest: PackManifest;
  styles: StyleEntry[];
  weights?: Record<string, PackTensor>;
  /** The preview PNG's bytes (not decoded: treat them as untrusted image data). */
  preview?: Uint8Array;
  /** Size of the file it was decoded from, bytes. */
  fileByteLength: number;
}

/** Descriptive fields the encoder copies into the manifest. */
export interface PackMeta {
  id: string;
  name: string;
  author: string;
  licence: string;
  /** ISO 8601; defaults to now. */
  created?: string;
  description?: string;
  baseModel: PackBaseModel;
  /** Free JSON metadata (steps, losses, seconds, styleImage, sizes...), at most maxTrainingBytes. */
  training?: Record<string, unknown>;
}

export interface PackEncodeInput {
  meta: PackMeta;
  styles: StyleEntry[];
  weights?: Record<string, PackTensor>;
  preview?: { png: Uint8Array; width: number; height: number };
}

export interface PackEncodeOptions {
  /** Storage of the style vectors. Default 'float16'. */
  encoding?: PackDtype;
  /** Storage of full network weights. Default 'float32'. */
  weightsEncoding?: PackDtype;
  limits?: Partial<PackLimits>;
}

export interface PackDecodeOptions {
  /** Reject the pack (WRONG_BASE_MODEL) unless it was made for this base model. */
  expectedBaseModel?: PackBaseModel;
  /**
   * The style tensors the base model needs, by name ("c1/gamma" -> [32]). When given, every style
   * must hold exactly these tensors with exactly these shapes (else BAD_SHAPE).
   */
  expectedShapes?: Record<string, number[]>;
  /** Same for `weights`, checked when the pack has weights. */
  expectedWeightShapes?: Record<string, number[]>;
  limits?: Partial<PackLimits>;
}
