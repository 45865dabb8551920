// Every problem the pack reader or writer reports is a PackError with a stable `code`, so
// callers (the CLI, the Figma plugin) can branch on the code and show the message as is.

export type PackErrorCode =
  /** The caller passed something that is not a pack or not valid encoder input. */
  | 'BAD_INPUT'
  /** The file ends before the header, manifest or body it declares. */
  | 'TRUNCATED'
  /** The file does not start with "STYLEPK\0". */
  | 'BAD_MAGIC'
  /** The header declares a format version this reader does not read. */
  | 'UNSUPPORTED_VERSION'
  /** The header declares a manifest larger than the limit. */
  | 'MANIFEST_TOO_LARGE'
  /** The manifest is not valid UTF-8/JSON, or a field is missing, mistyped or unknown. */
  | 'BAD_MANIFEST'
  /** The file, a tensor, the preview or a count is over a limit. */
  | 'TOO_LARGE'
  /** Blob offsets/lengths are misaligned, out of range, overlapping, or the body has trailing bytes. */
  | 'BAD_LAYOUT'
  /** The body's SHA-256 differs from the manifest's bodySha256. */
  | 'BAD_CHECKSUM'
  /** A shape is invalid, disagrees with byteLength or between styles, or with the expected shapes. */
  | 'BAD_SHAPE'
  /** A tensor holds NaN or Infinity (or, when encoding, a value float16 cannot hold). */
  | 'BAD_VALUE'
  /** The preview is not a PNG of the declared size. */
  | 'BAD_PREVIEW'
  /** The pack was made for a different base model than the caller expects. */
  | 'WRONG_BASE_MODEL'
  /** No Web Crypto (globalThis.crypto.subtle) in this environment. */
  | 'NO_CRYPTO'
  /** An unexpected internal failure (a bug): never caused by a well-handled bad file. */
  | 'INTERNAL';

export class PackError extends Error {
  readonly code: PackErrorCode;
  constructor(code: PackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PackError';
    this.code = code;
  }
}

export function isPackError(e: unknown): e is PackError {
  return e instanceof PackError;
}
