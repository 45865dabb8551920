// Reading a .stylepack file. The bytes are untrusted: every size is checked against the limits
// before anything is allocated for it, and every failure is a PackError with a helpful message.
import { PackError } from './errors.js';
import { float16BitsToFloat32, isFloat16NonFinite } from './float16.js';
import { formatBytes, packTooLargeMessage, resolveLimits, type PackLimits } from './limits.js';
import { sha256Hex } from './sha256.js';
import { styleTensorProblem } from './style-limits.js';
import type { PackBaseModel, PackDecodeOptions, PackManifest, PackTensor, PackTensorRef, StyleEntry, StylePack } from './types.js';
import {
  FORMAT_VERSION,
  HEADER_BYTES,
  HEX64_RE,
  MAGIC,
  describe,
  fmtShape,
  hasOwn,
  isPlainObject,
  pngProblem,
  quote,
  readerError,
  sameShape,
  validateManifest,
} from './validate.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const AGAIN = 'the download may be incomplete—get the file again.';

/**
 * Decodes and fully verifies a pack: header, manifest, limits, layout, body checksum, optional
 * base model and shape expectations, and finiteness of every value. Tensors come back as fresh
 * Float32Arrays whatever their storage. Throws only PackError.
 */
export async function decodePack(bytes: Uint8Array | ArrayBuffer, opts: PackDecodeOptions = {}): Promise<StylePack> {
  try {
    return await decodeUnchecked(bytes, opts);
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError(
      'INTERNAL',
      `Unexpected error while reading the pack (${e instanceof Error ? e.message : String(e)}). This is a bug in stylepack; please report it and attach the file.`,
      { cause: e },
    );
  }
}

/** Reads and validates only the header and manifest (no checksum, no tensor data): for quick listings. */
export function readPackManifest(bytes: Uint8Array | ArrayBuffer, opts: Pick<PackDecodeOptions, 'limits'> = {}): PackManifest {
  try {
    const input = toBytes(bytes);
    return readHeaderAndManifest(input, resolveLimits(opts.limits)).manifest;
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError('INTERNAL', `Unexpected error while reading the pack manifest (${e instanceof Error ? e.message : String(e)}). This is a bug in stylepack; please report it and attach the file.`, { cause: e });
  }
}

function toBytes(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new PackError('BAD_INPUT', `decodePack needs the file's bytes as a Uint8Array or ArrayBuffer, not ${describe(bytes)}.`);
}

function startHex(bytes: Uint8Array): string {
  const n = Math.min(bytes.length, 8);
  const hex: string[] = [];
  let ascii = '';
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    hex.push(b.toString(16).padStart(2, '0'));
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return `${hex.join(' ')} "${ascii}"`;
}

function sniff(bytes: Uint8Array): string {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return ', which looks like a PNG image';
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return ', which looks like a JPEG image';
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return ', which looks like a ZIP archive';
  if (b(0) === 0x1f && b(1) === 0x8b) return ', which looks like a gzip file';
  if (b(0) === 0x7b || b(0) === 0x5b) return ', which looks like JSON text';
  if (b(0) === 0x3c) return ', which looks like HTML/XML (perhaps an error page instead of the download)';
  return '';
}

interface Parsed {
  manifest: PackManifest;
  body: Uint8Array;
}

function readHeaderAndManifest(bytes: Uint8Array, limits: PackLimits): Parsed {
  const len = bytes.length;
  if (len === 0) throw new PackError('TRUNCATED', `The file is empty (0 bytes); ${AGAIN}`);
  for (let i = 0; i < Math.min(len, MAGIC.length); i++) {
    if (bytes[i] !== MAGIC[i] && i === MAGIC.length - 1) {
      throw new PackError(
        'BAD_MAGIC',
        `Not a .stylepack file: it starts like one ("STYLEPK"), but byte 8 is 0x${bytes[i]!.toString(16).padStart(2, '0')} where a pack has 0x00 (NUL). The file was altered or made by another tool; get the pack again.`,
      );
    }
    if (bytes[i] !== MAGIC[i]) {
      throw new PackError(
        'BAD_MAGIC',
        `Not a .stylepack file (it starts with ${startHex(bytes)}${sniff(bytes)}; a pack starts with the bytes 53 54 59 4c 45 50 4b 00, "STYLEPK" and a NUL). Choose a .stylepack file exported by stylepack.`,
      );
    }
  }
  if (len < HEADER_BYTES) {
    throw new PackError('TRUNCATED', `The file ends after ${len} bytes but the pack header alone is ${HEADER_BYTES} bytes; ${AGAIN}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new PackError(
      'UNSUPPORTED_VERSION',
      version > FORMAT_VERSION
        ? `This pack uses format version ${version}, but this stylepack reads version ${FORMAT_VERSION}. Update stylepack to open it.`
        : `This pack declares format version ${version}, which does not exist (this stylepack reads version ${FORMAT_VERSION}); the file is damaged—get it again.`,
    );
  }
  if (len > limits.maxFileBytes) {
    throw new PackError('TOO_LARGE', packTooLargeMessage(len, limits.maxFileBytes));
  }
  const manifestLength = dv.getUint32(12, true);
  if (manifestLength > limits.maxManifestBytes) {
    throw new PackError(
      'MANIFEST_TOO_LARGE',
      `The pack header declares a manifest of ${manifestLength} bytes (${formatBytes(manifestLength)}); at most ${formatBytes(limits.maxManifestBytes)} is allowed. The file is damaged or not a genuine pack; get it again.`,
    );
  }
  if (manifestLength === 0) {
    throw new PackError('BAD_MANIFEST', 'The pack header declares an empty manifest; the file is damaged—get it again.');
  }
  const bodyStart = HEADER_BYTES + manifestLength;
  if (len < bodyStart) {
    throw new PackError('TRUNCATED', `The file ends after ${len} bytes but the header declares a manifest ending at byte ${bodyStart}; ${AGAIN}`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, bodyStart));
  } catch {
    throw new PackError('BAD_MANIFEST', 'The pack manifest is not valid UTF-8 text; the file is damaged—get it again.');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PackError(
      'BAD_MANIFEST',
      `The pack manifest is not valid JSON (${e instanceof Error ? e.message : String(e)}); the file is damaged—get it again.`,
    );
  }

  // Truncation first (the most likely cause of trouble), from the body length the manifest declares.
  if (isPlainObject(raw)) {
    const declared = raw['bodyByteLength'];
    if (typeof declared === 'number' && Number.isSafeInteger(declared) && declared >= 0) {
      const total = bodyStart + declared;
      if (len < total) {
        throw new PackError('TRUNCATED', `The file ends after ${len} bytes but the manifest declares ${total}; ${AGAIN}`);
      }
      if (len > total) {
        throw new PackError(
          'BAD_LAYOUT',
          `The file has ${len - total} unexpected bytes after the ${total} bytes the manifest declares; it was damaged or modified—get it again.`,
        );
      }
    }
  }
  const manifest = validateManifest(raw, limits, readerError);
  return { manifest, body: bytes.subarray(bodyStart) };
}

async function decodeUnchecked(input: unknown, opts: PackDecodeOptions): Promise<StylePack> {
  const bytes = toBytes(input);
  if (opts === null || typeof opts !== 'object') throw new PackError('BAD_INPUT', 'decodePack options must be an object.');
  const limits = resolveLimits(opts.limits);
  const expectedBaseModel = opts.expectedBaseModel === undefined ? undefined : checkExpectedBaseModel(opts.expectedBaseModel);
  const expectedShapes = opts.expectedShapes === undefined ? undefined : checkExpectedShapes(opts.expectedShapes, 'expectedShapes');
  const expectedWeightShapes =
    opts.expectedWeightShapes === undefined ? undefined : checkExpectedShapes(opts.expectedWeightShapes, 'expectedWeightShapes');

  const { manifest, body } = readHeaderAndManifest(bytes, limits);

  const actual = await sha256Hex(body);
  if (actual !== manifest.bodySha256) {
    throw new PackError(
      'BAD_CHECKSUM',
      `The pack is damaged or was modified: checksum mismatch (the manifest says ${manifest.bodySha256.slice(0, 12)}…, the data hashes to ${actual.slice(0, 12)}…). Get the file again from its source.`,
    );
  }

  if (expectedBaseModel) {
    const got = manifest.baseModel;
    if (got.id !== expectedBaseModel.id || got.sha256 !== expectedBaseModel.sha256) {
      const show = (m: PackBaseModel): string => `"${m.id}" (sha256 ${m.sha256.slice(0, 12)}…)`;
      throw new PackError(
        'WRONG_BASE_MODEL',
        `This pack was trained for base model ${show(got)}; this stylepack has ${show(expectedBaseModel)}. ` +
          'Get a version of the pack made for this base model, or retrain the style on it.',
      );
    }
  }

  if (expectedShapes) {
    for (const s of manifest.styles) checkAgainst(s.tensors, expectedShapes, `style ${quote(s.name)}`, 'style tensor');
  }
  if (expectedWeightShapes && manifest.weights) checkAgainst(manifest.weights, expectedWeightShapes, 'the weights', 'weight');

  const styles: StyleEntry[] = manifest.styles.map((s) => {
    const tensors: Record<string, PackTensor> = {};
    for (const [name, ref] of Object.entries(s.tensors)) {
      tensors[name] = readTensor(body, ref, `tensor ${quote(name)} of style ${quote(s.name)}`);
      const problem = styleTensorProblem(name, tensors[name]!.data);
      if (problem) {
        throw new PackError(
          'BAD_VALUE',
          `The pack's style ${quote(s.name)} tensor ${quote(name)} ${problem}; training never makes such values. The pack was damaged or edited; get it again from its source.`,
        );
      }
    }
    return { name: s.name, tensors };
  });
  let weights: Record<string, PackTensor> | undefined;
  if (manifest.weights) {
    weights = {};
    for (const [name, ref] of Object.entries(manifest.weights)) weights[name] = readTensor(body, ref, `weight ${quote(name)}`);
  }
  let preview: Uint8Array | undefined;
  if (manifest.preview) {
    const p = manifest.preview;
    preview = body.slice(p.offset, p.offset + p.byteLength);
    const problem = pngProblem(preview, p.width, p.height);
    if (problem) {
      throw new PackError('BAD_PREVIEW', `The pack's preview image ${problem}; the pack is damaged or was made by a faulty tool—re-export it.`);
    }
  }

  return {
    manifest,
    styles,
    ...(weights ? { weights } : {}),
    ...(preview ? { preview } : {}),
    fileByteLength: bytes.length,
  };
}

function readTensor(body: Uint8Array, ref: PackTensorRef, label: string): PackTensor {
  const n = ref.byteLength / (ref.dtype === 'float32' ? 4 : ref.dtype === 'float16' ? 2 : 1);
  const dv = new DataView(body.buffer, body.byteOffset + ref.offset, ref.byteLength);
  let data: Float32Array;
  const bad = (i: number, v: number): PackError =>
    new PackError(
      'BAD_VALUE',
      `The pack's ${label} holds ${Number.isNaN(v) ? 'NaN' : v} at index ${i}; a usable pack holds only finite numbers. ` +
        'It was damaged or made by a diverged training run; re-export it from a healthy run.',
    );
  if (ref.dtype === 'float32') {
    if (LITTLE_ENDIAN_HOST) {
      data = new Float32Array(body.slice(ref.offset, ref.offset + ref.byteLength).buffer);
    } else {
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(i * 4, true);
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(data[i]!)) throw bad(i, data[i]!);
  } else if (ref.dtype === 'float16') {
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const h = dv.getUint16(i * 2, true);
      if (isFloat16NonFinite(h)) throw bad(i, h & 0x3ff ? NaN : h & 0x8000 ? -Infinity : Infinity);
      bits[i] = h;
    }
    data = float16BitsToFloat32(bits);
  } else {
    const { min, scale } = ref.quant!;
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = min + dv.getUint8(i) * scale;
      if (!Number.isFinite(data[i]!)) throw bad(i, data[i]!);
    }
  }
  return { shape: ref.shape.slice(), data };
}

function checkExpectedBaseModel(v: unknown): PackBaseModel {
  if (!isPlainObject(v) || typeof v['id'] !== 'string' || typeof v['sha256'] !== 'string' || !HEX64_RE.test(v['sha256'].toLowerCase())) {
    throw new PackError('BAD_INPUT', 'The expectedBaseModel option must be { id: string, sha256: 64 hex digits }.');
  }
  return { id: v['id'], sha256: v['sha256'].toLowerCase() };
}

function checkExpectedShapes(v: unknown, what: string): Map<string, number[]> {
  if (!isPlainObject(v)) throw new PackError('BAD_INPUT', `The ${what} option must be an object of tensor name -> shape.`);
  const out = new Map<string, number[]>();
  for (const k of Object.keys(v)) {
    const s = v[k];
    if (!Array.isArray(s) || !s.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
      throw new PackError('BAD_INPUT', `The ${what} option gives ${quote(k)} the shape ${describe(s)}; shapes are arrays of integers.`);
    }
    out.set(k, s as number[]);
  }
  return out;
}

function checkAgainst(tensors: Record<string, PackTensorRef>, expected: Map<string, number[]>, where: string, kind: string): void {
  for (const [name, shape] of expected) {
    if (!hasOwn(tensors, name)) {
      throw new PackError(
        'BAD_SHAPE',
        `The pack's ${where} has no ${kind} ${quote(name)} (expected shape ${fmtShape(shape)}), which this stylepack's base model needs. The pack was made for a different model architecture; get a pack made for this one.`,
      );
    }
    const got = tensors[name]!.shape;
    if (!sameShape(got, shape)) {
      throw new PackError(
        'BAD_SHAPE',
        `The pack's ${where} has ${kind} ${quote(name)} with shape ${fmtShape(got)}, but this stylepack's base model needs ${fmtShape(shape)}. The pack was made for a different model architecture; get a pack made for this one.`,
      );
    }
  }
  for (const name of Object.keys(tensors)) {
    if (!expected.has(name)) {
      throw new PackError(
        'BAD_SHAPE',
        `The pack's ${where} has the ${kind} ${quote(name)}, which this stylepack's base model does not have. The pack was made for a different model architecture; get a pack made for this one.`,
      );
    }
  }
}
