// Strict validation of a parsed manifest, shared by the reader (on untrusted files) and the
// writer (as a self-check of what it is about to write). Nothing here reads the body.
import { PackError, type PackErrorCode } from './errors.js';
import { formatBytes, type PackLimits } from './limits.js';
import type { PackDtype, PackJson, PackManifest, PackPreviewRef, PackTensorRef } from './types.js';

export const FORMAT_VERSION = 1;
/** "STYLEPK\0" */
export const MAGIC: readonly number[] = [0x53, 0x54, 0x59, 0x4c, 0x45, 0x50, 0x4b, 0x00];
/** magic (8) + u32 version + u32 manifest length */
export const HEADER_BYTES = 16;
export const BLOB_ALIGN = 8;
export const BYTES_PER_ELEMENT: Readonly<Record<PackDtype, number>> = { float32: 4, float16: 2, uint8: 1 };
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Keys that could tamper with prototypes if a consumer ever copied manifest objects naively. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const ID_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
export const TENSOR_NAME_RE = /^[A-Za-z0-9_.:/-]+$/;
export const STYLE_TENSOR_RE = /^.+\/(?:gamma|beta)$/;
export const HEX64_RE = /^[0-9a-f]{64}$/;
const ISO_8601_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
/**
 * C0 and C1 controls, DEL, bidi marks (LRM, RLM, ALM) and overrides/isolates: they can drive a
 * terminal or make a name display as another.
 */
const SINGLE_LINE_BAD_RE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const MULTI_LINE_BAD_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
export const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
export const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${quote(key)}]`;
}

export type ErrorFactory = (code: PackErrorCode, path: string, problem: string) => PackError;

/** Errors about a file being read. */
export const readerError: ErrorFactory = (code, path, problem) => {
  const advice =
    code === 'TOO_LARGE'
      ? 'No genuine pack is that large; the file was damaged or made by another tool.'
      : 'The file was not written by a compatible stylepack, or it was damaged or edited; get it again or re-export it.';
  return new PackError(code, `Invalid pack: ${path} ${problem}. ${advice}`);
};

/** Errors about what a caller asked the writer to write. */
export const writerError: ErrorFactory = (code, path, problem) =>
  new PackError(code === 'BAD_MANIFEST' ? 'BAD_INPUT' : code, `Cannot write the pack: ${path} ${problem}.`);

/**
 * Checks that `v` is plain JSON data (null, booleans, finite numbers, strings, arrays, plain
 * objects) nested at most `maxDepth` deep, with no forbidden keys. Iterative: no stack overflow.
 */
export function checkJsonTree(v: unknown, path: string, maxDepth: number, err: ErrorFactory): void {
  const stack: [unknown, string, number][] = [[v, path, 1]];
  while (stack.length > 0) {
    const [x, p, depth] = stack.pop()!;
    if (x === null || typeof x === 'string' || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw err('BAD_MANIFEST', p, `is ${x}, which JSON cannot hold`);
      continue;
    }
    if (typeof x !== 'object') throw err('BAD_MANIFEST', p, `is ${typeof x === 'undefined' ? 'undefined' : `a ${typeof x}`}, which JSON cannot hold`);
    if (depth > maxDepth) throw err('BAD_MANIFEST', p, `is nested more than ${maxDepth} levels deep`);
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], `${p}[${i}]`, depth + 1]);
      continue;
    }
    if (!isPlainObject(x)) throw err('BAD_MANIFEST', p, 'is not a plain JSON object');
    for (const k of Object.keys(x)) {
      if (FORBIDDEN_KEYS.has(k)) {
        throw err('BAD_MANIFEST', p, `has the key "${k}", which is not allowed (it could tamper with object prototypes)`);
      }
      stack.push([x[k], keyPath(p, k), depth + 1]);
    }
  }
}

/** Checks the PNG signature and that the IHDR chunk declares `width` × `height`. Returns a problem or null. */
export function pngProblem(png: Uint8Array, width: number, height: number): string | null {
  if (png.length < 33) return `is ${png.length} bytes, too short to be a PNG`;
  for (let i = 0; i < 8; i++) if (png[i] !== PNG_SIGNATURE[i]) return 'is not a PNG (bad signature)';
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const ihdr = String.fromCharCode(png[12]!, png[13]!, png[14]!, png[15]!);
  if (dv.getUint32(8) !== 13 || ihdr !== 'IHDR') return 'is not a PNG (no IHDR chunk first)';
  const w = dv.getUint32(16);
  const h = dv.getUint32(20);
  if (w !== width || h !== height) return `is ${w}×${h} pixels, but ${width}×${height} is declared`;
  return null;
}

export function align8(n: number): number {
  return Math.ceil(n / BLOB_ALIGN) * BLOB_ALIGN;
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  limits: PackLimits;
  err: ErrorFactory;
}

function checkKeys(o: Record<string, unknown>, path: string, allowed: readonly string[], required: readonly string[], ctx: Ctx): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw ctx.err('BAD_MANIFEST', path, `has an unknown field ${quote(k)} (known: ${allowed.join(', ')})`);
    }
  }
  for (const k of required) {
    if (!hasOwn(o, k)) throw ctx.err('BAD_MANIFEST', path, `lacks the required field "${k}"`);
  }
}

function text(v: unknown, path: string, max: number, ctx: Ctx, multiLine = false): string {
  if (typeof v !== 'string') throw ctx.err('BAD_MANIFEST', path, `must be a string, not ${describe(v)}`);
  if (v.length === 0) throw ctx.err('BAD_MANIFEST', path, 'must not be empty');
  if (v.length > max) throw ctx.err('BAD_MANIFEST', path, `is ${v.length} characters long; at most ${max} are allowed`);
  if ((multiLine ? MULTI_LINE_BAD_RE : SINGLE_LINE_BAD_RE).test(v)) {
    throw ctx.err('BAD_MANIFEST', path, 'contains control or text-direction characters');
  }
  return v;
}

function nonNegInt(v: unknown, path: string, ctx: Ctx): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw ctx.err('BAD_MANIFEST', path, `must be a non-negative integer, not ${describe(v)}`);
  }
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/** Validates a shape and returns its element count (checked against the limit as it multiplies). */
export function checkShape(v: unknown, path: string, ctx: Ctx): { shape: number[]; elements: number } {
  if (!Array.isArray(v)) throw ctx.err('BAD_SHAPE', path, `must be an array of positive integers, not ${describe(v)}`);
  if (v.length > ctx.limits.maxRank) {
    throw ctx.err('BAD_SHAPE', path, `has rank ${v.length}; at most ${ctx.limits.maxRank} is allowed`);
  }
  let elements = 1;
  for (let i = 0; i < v.length; i++) {
    const d = v[i] as unknown;
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
      throw ctx.err('BAD_SHAPE', path, `has dimension ${i} = ${describe(d)}; dimensions must be positive integers`);
    }
    elements *= d;
    if (elements > ctx.limits.maxTensorElements) {
      throw ctx.err(
        'TOO_LARGE',
        path,
        `declares more than ${ctx.limits.maxTensorElements} elements (shape ${fmtShape(v as number[])}), over the per-tensor limit`,
      );
    }
  }
  return { shape: (v as number[]).slice(), elements };
}

const REF_KEYS = ['dtype', 'shape', 'offset', 'byteLength', 'quant'] as const;
const REF_REQUIRED = ['dtype', 'shape', 'offset', 'byteLength'] as const;

function checkRef(v: unknown, path: string, ctx: Ctx): { ref: PackTensorRef; elements: number } {
  if (!isPlainObject(v)) throw ctx.err('BAD_MANIFEST', path, `must be a tensor reference object, not ${describe(v)}`);
  checkKeys(v, path, REF_KEYS, REF_REQUIRED, ctx);
  const dtype = v['dtype'];
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'uint8') {
    throw ctx.err('BAD_MANIFEST', `${path}.dtype`, `is ${describe(dtype)}; it must be "float32", "float16" or "uint8"`);
  }
  const { shape, elements } = checkShape(v['shape'], `${path}.shape`, ctx);
  const offset = nonNegInt(v['offset'], `${path}.offset`, ctx);
  const byteLength = nonNegInt(v['byteLength'], `${path}.byteLength`, ctx);
  const expected = elements * BYTES_PER_ELEMENT[dtype];
  if (byteLength !== expected) {
    throw ctx.err(
      'BAD_SHAPE',
      path,
      `has shape ${fmtShape(shape)} (${elements} ${dtype} elements = ${expected} bytes) but byteLength ${byteLength}`,
    );
  }
  const ref: PackTensorRef = { dtype, shape, offset, byteLength };
  if (dtype === 'uint8') {
    const q = v['quant'];
    if (!isPlainObject(q)) throw ctx.err('BAD_MANIFEST', `${path}.quant`, 'is required for uint8 tensors and must be { min, scale }');
    checkKeys(q, `${path}.quant`, ['min', 'scale'], ['min', 'scale'], ctx);
    const min = q['min'];
    const scale = q['scale'];
    if (typeof min !== 'number' || !Number.isFinite(min)) {
      throw ctx.err('BAD_MANIFEST', `${path}.quant.min`, `must be a finite number, not ${describe(min)}`);
    }
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0) {
      throw ctx.err('BAD_MANIFEST', `${path}.quant.scale`, `must be a finite number ≥ 0, not ${describe(scale)}`);
    }
    ref.quant = { min, scale };
  } else if (hasOwn(v, 'quant')) {
    throw ctx.err('BAD_MANIFEST', `${path}.quant`, `is only allowed for uint8 tensors, not ${dtype}`);
  }
  return { ref, elements };
}

function checkTensorName(name: string, path: string, ctx: Ctx, style: boolean): void {
  if (name.length === 0 || name.length > ctx.limits.maxTensorNameLength || !TENSOR_NAME_RE.test(name)) {
    throw ctx.err(
      'BAD_MANIFEST',
      path,
      `has the tensor name ${quote(name)}; names are 1–${ctx.limits.maxTensorNameLength} characters of A–Z, a–z, 0–9, "_", ".", ":", "/", "-"`,
    );
  }
  if (style && !STYLE_TENSOR_RE.test(name)) {
    throw ctx.err('BAD_MANIFEST', path, `has the tensor name ${quote(name)}; style tensors are named "<normLayer>/gamma" or "<normLayer>/beta"`);
  }
}

const TOP_KEYS = [
  'format', 'formatVersion', 'id', 'name', 'author', 'licence', 'created', 'description', 'baseModel',
  'styles', 'weights', 'preview', 'training', 'bodyByteLength', 'bodySha256',
] as const;
const TOP_REQUIRED = [
  'format', 'formatVersion', 'id', 'name', 'author', 'licence', 'created', 'baseModel', 'styles', 'bodyByteLength', 'bodySha256',
] as const;

/**
 * Validates a parsed manifest against format v1 and the limits, including the body layout
 * (alignment, range, overlap) against `bodyByteLength`. Returns a fresh, typed copy.
 */
export function validateManifest(raw: unknown, limits: PackLimits, err: ErrorFactory = readerError): PackManifest {
  const ctx: Ctx = { limits, err };
  const M = 'manifest';
  if (!isPlainObject(raw)) throw err('BAD_MANIFEST', 'the manifest', `must be a JSON object, not ${describe(raw)}`);
  checkJsonTree(raw, M, limits.maxJsonDepth, err);
  if (raw['format'] !== 'stylepack') {
    throw err('BAD_MANIFEST', `${M}.format`, `is ${describe(raw['format'])}, not "stylepack"`);
  }
  if (raw['formatVersion'] !== FORMAT_VERSION) {
    throw err('BAD_MANIFEST', `${M}.formatVersion`, `is ${describe(raw['formatVersion'])}, but the header says ${FORMAT_VERSION}`);
  }
  checkKeys(raw, M, TOP_KEYS, TOP_REQUIRED, ctx);

  const id = text(raw['id'], `${M}.id`, limits.maxIdLength, ctx);
  if (!ID_RE.test(id)) {
    throw err('BAD_MANIFEST', `${M}.id`, `is ${quote(id)}; ids use only a–z, 0–9 and "-" (not at either end)`);
  }
  const name = text(raw['name'], `${M}.name`, limits.maxNameLength, ctx);
  const author = text(raw['author'], `${M}.author`, limits.maxAuthorLength, ctx);
  const licence = text(raw['licence'], `${M}.licence`, limits.maxLicenceLength, ctx);
  const created = text(raw['created'], `${M}.created`, 40, ctx);
  if (!ISO_8601_RE.test(created) || Number.isNaN(Date.parse(created))) {
    throw err('BAD_MANIFEST', `${M}.created`, `is ${quote(created)}, not an ISO 8601 date-time such as "2025-01-31T12:00:00Z"`);
  }
  const description = hasOwn(raw, 'description')
    ? text(raw['description'], `${M}.description`, limits.maxDescriptionLength, ctx, true)
    : undefined;

  const bm = raw['baseModel'];
  if (!isPlainObject(bm)) throw err('BAD_MANIFEST', `${M}.baseModel`, `must be an object { id, sha256 }, not ${describe(bm)}`);
  checkKeys(bm, `${M}.baseModel`, ['id', 'sha256'], ['id', 'sha256'], ctx);
  const baseModel = {
    id: text(bm['id'], `${M}.baseModel.id`, limits.maxBaseModelIdLength, ctx),
    sha256: text(bm['sha256'], `${M}.baseModel.sha256`, 64, ctx),
  };
  if (!HEX64_RE.test(baseModel.sha256)) {
    throw err('BAD_MANIFEST', `${M}.baseModel.sha256`, 'must be 64 lower-case hex digits');
  }

  const bodyByteLength = nonNegInt(raw['bodyByteLength'], `${M}.bodyByteLength`, ctx);
  const bodySha256 = raw['bodySha256'];
  if (typeof bodySha256 !== 'string' || !HEX64_RE.test(bodySha256)) {
    throw err('BAD_MANIFEST', `${M}.bodySha256`, 'must be 64 lower-case hex digits');
  }

  const blobs: { label: string; offset: number; byteLength: number }[] = [];
  let tensorCount = 0;
  let totalElements = 0;
  const addElements = (n: number, path: string): void => {
    totalElements += n;
    if (totalElements > limits.maxTotalElements) {
      throw err('TOO_LARGE', path, `brings the pack over ${limits.maxTotalElements} tensor elements in all`);
    }
  };
  const countTensors = (n: number, path: string): void => {
    tensorCount += n;
    if (tensorCount > limits.maxTensors) throw err('TOO_LARGE', path, `brings the pack over ${limits.maxTensors} tensors`);
  };

  // Styles.
  const rawStyles = raw['styles'];
  if (!Array.isArray(rawStyles)) throw err('BAD_MANIFEST', `${M}.styles`, `must be an array, not ${describe(rawStyles)}`);
  if (rawStyles.length === 0) throw err('BAD_MANIFEST', `${M}.styles`, 'is empty; a pack holds at least one style');
  if (rawStyles.length > limits.maxStyles) {
    throw err('TOO_LARGE', `${M}.styles`, `has ${rawStyles.length} styles; at most ${limits.maxStyles} are allowed`);
  }
  const styles: PackManifest['styles'] = [];
  const styleNames = new Set<string>();
  let reference: { label: string; shapes: Map<string, number[]> } | undefined;
  rawStyles.forEach((s: unknown, i: number) => {
    const sp = `${M}.styles[${i}]`;
    if (!isPlainObject(s)) throw err('BAD_MANIFEST', sp, `must be an object { name, tensors }, not ${describe(s)}`);
    checkKeys(s, sp, ['name', 'tensors'], ['name', 'tensors'], ctx);
    const sname = text(s['name'], `${sp}.name`, limits.maxNameLength, ctx);
    if (styleNames.has(sname)) throw err('BAD_MANIFEST', `${sp}.name`, `repeats the style name ${quote(sname)}; style names must be unique`);
    styleNames.add(sname);
    const rawTensors = s['tensors'];
    if (!isPlainObject(rawTensors)) throw err('BAD_MANIFEST', `${sp}.tensors`, `must be an object, not ${describe(rawTensors)}`);
    const names = Object.keys(rawTensors);
    if (names.length === 0) throw err('BAD_MANIFEST', `${sp}.tensors`, 'is empty; a style needs its norm-layer vectors');
    countTensors(names.length, `${sp}.tensors`);
    const tensors: Record<string, PackTensorRef> = {};
    const label = `${sp} (${quote(sname)})`;
    for (const tname of names) {
      const tp = keyPath(`${sp}.tensors`, tname);
      checkTensorName(tname, `${sp}.tensors`, ctx, true);
      const { ref, elements } = checkRef(rawTensors[tname], tp, ctx);
      addElements(elements, tp);
      tensors[tname] = ref;
      blobs.push({ label: tp, offset: ref.offset, byteLength: ref.byteLength });
    }
    if (!reference) {
      reference = { label, shapes: new Map(names.map((n) => [n, tensors[n]!.shape])) };
    } else {
      for (const [n, shape] of reference.shapes) {
        const mine = hasOwn(tensors, n) ? tensors[n] : undefined;
        if (!mine) {
          throw err('BAD_MANIFEST', label, `has no tensor ${quote(n)}, which ${reference.label} has; every style needs the same tensors`);
        }
        if (!sameShape(mine.shape, shape)) {
          throw err('BAD_SHAPE', `${label} tensor ${quote(n)}`, `has shape ${fmtShape(mine.shape)} but ${fmtShape(shape)} in ${reference.label}`);
        }
      }
      for (const n of names) {
        if (!reference.shapes.has(n)) {
          throw err('BAD_MANIFEST', label, `has the tensor ${quote(n)}, which ${reference.label} lacks; every style needs the same tensors`);
        }
      }
    }
    styles.push({ name: sname, tensors });
  });

  // Weights.
  let weights: Record<string, PackTensorRef> | undefined;
  if (hasOwn(raw, 'weights')) {
    const rw = raw['weights'];
    if (!isPlainObject(rw)) throw err('BAD_MANIFEST', `${M}.weights`, `must be an object, not ${describe(rw)}`);
    const names = Object.keys(rw);
    if (names.length === 0) throw err('BAD_MANIFEST', `${M}.weights`, 'is empty; leave it out instead');
    countTensors(names.length, `${M}.weights`);
    weights = {};
    for (const wname of names) {
      const wp = keyPath(`${M}.weights`, wname);
      checkTensorName(wname, `${M}.weights`, ctx, false);
      const { ref, elements } = checkRef(rw[wname], wp, ctx);
      addElements(elements, wp);
      weights[wname] = ref;
      blobs.push({ label: wp, offset: ref.offset, byteLength: ref.byteLength });
    }
  }

  // Preview.
  let preview: PackPreviewRef | undefined;
  if (hasOwn(raw, 'preview')) {
    const pp = `${M}.preview`;
    const p = raw['preview'];
    if (!isPlainObject(p)) throw err('BAD_MANIFEST', pp, `must be an object, not ${describe(p)}`);
    const keys = ['mime', 'offset', 'byteLength', 'width', 'height'] as const;
    checkKeys(p, pp, keys, keys, ctx);
    if (p['mime'] !== 'image/png') throw err('BAD_PREVIEW', `${pp}.mime`, `is ${describe(p['mime'])}; only "image/png" is allowed`);
    const offset = nonNegInt(p['offset'], `${pp}.offset`, ctx);
    const byteLength = nonNegInt(p['byteLength'], `${pp}.byteLength`, ctx);
    if (byteLength > limits.maxPreviewBytes) {
      throw err('TOO_LARGE', pp, `is ${formatBytes(byteLength)}; previews may be at most ${formatBytes(limits.maxPreviewBytes)}`);
    }
    const width = nonNegInt(p['width'], `${pp}.width`, ctx);
    const height = nonNegInt(p['height'], `${pp}.height`, ctx);
    if (width < 1 || height < 1 || width > limits.maxPreviewSide || height > limits.maxPreviewSide) {
      throw err('BAD_PREVIEW', pp, `is ${width}×${height} pixels; each side must be 1–${limits.maxPreviewSide}`);
    }
    preview = { mime: 'image/png', offset, byteLength, width, height };
    blobs.push({ label: pp, offset, byteLength });
  }

  // Training metadata.
  let training: { [key: string]: PackJson } | undefined;
  if (hasOwn(raw, 'training')) {
    const t = raw['training'];
    if (!isPlainObject(t)) throw err('BAD_MANIFEST', `${M}.training`, `must be an object, not ${describe(t)}`);
    const size = utf8Length(JSON.stringify(t));
    if (size > limits.maxTrainingBytes) {
      throw err('TOO_LARGE', `${M}.training`, `is ${formatBytes(size)} of JSON; at most ${formatBytes(limits.maxTrainingBytes)} is allowed`);
    }
    training = JSON.parse(JSON.stringify(t)) as { [key: string]: PackJson };
  }

  // Layout: aligned, inside the body, no overlaps.
  for (const b of blobs) {
    if (b.offset % BLOB_ALIGN !== 0) {
      throw err('BAD_LAYOUT', b.label, `starts at body offset ${b.offset}, which is not a multiple of ${BLOB_ALIGN}`);
    }
    if (b.offset + b.byteLength > bodyByteLength) {
      throw err(
        'BAD_LAYOUT',
        b.label,
        `occupies body bytes ${b.offset}–${b.offset + b.byteLength}, outside the ${bodyByteLength}-byte body`,
      );
    }
  }
  const sorted = blobs.slice().sort((a, b) => a.offset - b.offset || a.byteLength - b.byteLength);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.offset < a.offset + a.byteLength) {
      throw err(
        'BAD_LAYOUT',
        b.label,
        `(body bytes ${b.offset}–${b.offset + b.byteLength}) overlaps ${a.label} (bytes ${a.offset}–${a.offset + a.byteLength})`,
      );
    }
  }

  const manifest: PackManifest = {
    format: 'stylepack',
    formatVersion: FORMAT_VERSION,
    id,
    name,
    author,
    licence,
    created,
    ...(description !== undefined ? { description } : {}),
    baseModel,
    styles,
    ...(weights ? { weights } : {}),
    ...(preview ? { preview } : {}),
    ...(training ? { training } : {}),
    bodyByteLength,
    bodySha256,
  };
  return manifest;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
