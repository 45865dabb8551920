// Writing a .stylepack file. The writer checks its input as strictly as the reader checks files,
// and finally runs the reader's manifest validation on what it wrote, so every pack it produces
// decodes.
import { PackError } from './errors.js';
import { isFloat16NonFinite, toFloat16 } from './float16.js';
import { formatBytes, resolveLimits } from './limits.js';
import { sha256Hex } from './sha256.js';
import type { PackDtype, PackEncodeInput, PackEncodeOptions, PackManifest, PackTensor, PackTensorRef } from './types.js';
import {
  BYTES_PER_ELEMENT,
  FORBIDDEN_KEYS,
  FORMAT_VERSION,
  HEADER_BYTES,
  MAGIC,
  align8,
  checkJsonTree,
  checkShape,
  describe,
  fmtShape,
  isPlainObject,
  keyPath,
  pngProblem,
  validateManifest,
  writerError,
} from './validate.js';

const DTYPES: readonly PackDtype[] = ['float32', 'float16', 'uint8'];

interface Blob {
  label: string;
  offset: number;
  byteLength: number;
  write: (body: Uint8Array, dv: DataView) => void;
}

/**
 * Encodes a pack. Style vectors are stored as `opts.encoding` (default float16), weights as
 * `opts.weightsEncoding` (default float32). Throws PackError (BAD_INPUT, BAD_SHAPE, BAD_VALUE,
 * BAD_PREVIEW, TOO_LARGE, MANIFEST_TOO_LARGE, NO_CRYPTO) when the input cannot make a valid pack.
 */
export async function encodePack(input: PackEncodeInput, opts: PackEncodeOptions = {}): Promise<Uint8Array> {
  try {
    return await encodeUnchecked(input, opts);
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError(
      'INTERNAL',
      `Unexpected error while writing the pack (${e instanceof Error ? e.message : String(e)}). This is a bug in stylepack; please report it.`,
      { cause: e },
    );
  }
}

function fail(code: PackError['code'], path: string, problem: string): never {
  throw writerError(code, path, problem);
}

async function encodeUnchecked(input: PackEncodeInput, opts: PackEncodeOptions): Promise<Uint8Array> {
  if (typeof input !== 'object' || input === null) fail('BAD_INPUT', 'the input', `must be { meta, styles, weights?, preview? }, not ${describe(input)}`);
  if (typeof opts !== 'object' || opts === null) fail('BAD_INPUT', 'the options', 'must be an object');
  const limits = resolveLimits(opts.limits);
  const encoding = opts.encoding ?? 'float16';
  const weightsEncoding = opts.weightsEncoding ?? 'float32';
  if (!DTYPES.includes(encoding)) fail('BAD_INPUT', 'options.encoding', `is ${describe(encoding)}; use "float32", "float16" or "uint8"`);
  if (!DTYPES.includes(weightsEncoding)) {
    fail('BAD_INPUT', 'options.weightsEncoding', `is ${describe(weightsEncoding)}; use "float32", "float16" or "uint8"`);
  }

  const meta = input.meta as unknown;
  if (!isPlainObject(meta)) fail('BAD_INPUT', 'meta', `must be an object, not ${describe(meta)}`);
  const baseModel = meta['baseModel'];
  if (!isPlainObject(baseModel)) fail('BAD_INPUT', 'meta.baseModel', `must be { id, sha256 }, not ${describe(baseModel)}`);
  if (meta['training'] !== undefined) {
    if (!isPlainObject(meta['training'])) fail('BAD_INPUT', 'meta.training', `must be a plain object, not ${describe(meta['training'])}`);
    checkJsonTree(meta['training'], 'meta.training', limits.maxJsonDepth - 1, writerError);
  }

  // Styles and weights -> blobs.
  const styles = input.styles as unknown;
  if (!Array.isArray(styles) || styles.length === 0) fail('BAD_INPUT', 'styles', 'must be a non-empty array of { name, tensors }');
  if (styles.length > limits.maxStyles) fail('TOO_LARGE', 'styles', `has ${styles.length} styles; at most ${limits.maxStyles} are allowed`);
  const weightsIn = input.weights as unknown;
  if (weightsIn !== undefined && !isPlainObject(weightsIn)) fail('BAD_INPUT', 'weights', `must be an object of name -> tensor, not ${describe(weightsIn)}`);

  let tensorCount = 0;
  let totalElements = 0;
  let cursor = 0;
  const blobs: Blob[] = [];
  const place = (label: string, byteLength: number, write: Blob['write']): number => {
    const offset = align8(cursor);
    cursor = offset + byteLength;
    if (cursor > limits.maxFileBytes) {
      fail('TOO_LARGE', label, `brings the pack over ${formatBytes(limits.maxFileBytes)}; store tensors as float16 or uint8, or leave out the weights`);
    }
    blobs.push({ label, offset, byteLength, write });
    return offset;
  };
  const addTensors = (t: Record<string, unknown>, path: string, dtype: PackDtype): Record<string, PackTensorRef> => {
    const refs: Record<string, PackTensorRef> = {};
    const names = Object.keys(t);
    tensorCount += names.length;
    if (tensorCount > limits.maxTensors) fail('TOO_LARGE', path, `brings the pack over ${limits.maxTensors} tensors`);
    for (const name of names) {
      const tp = keyPath(path, name);
      if (FORBIDDEN_KEYS.has(name)) fail('BAD_INPUT', tp, 'is not an allowed tensor name');
      const tensor = t[name] as Partial<PackTensor> | undefined;
      if (typeof tensor !== 'object' || tensor === null) fail('BAD_INPUT', tp, `must be { shape, data }, not ${describe(tensor)}`);
      const { shape, elements } = checkShape(tensor.shape, `${tp}.shape`, { limits, err: writerError });
      const data = tensor.data as unknown;
      if (!(data instanceof Float32Array) && !Array.isArray(data)) fail('BAD_INPUT', `${tp}.data`, 'must be a Float32Array');
      const values = data as ArrayLike<number>;
      if (values.length !== elements) {
        fail('BAD_SHAPE', tp, `has ${values.length} values, but its shape ${fmtShape(shape)} needs ${elements}`);
      }
      totalElements += elements;
      if (totalElements > limits.maxTotalElements) fail('TOO_LARGE', tp, `brings the pack over ${limits.maxTotalElements} tensor elements`);
      const ref: PackTensorRef = { dtype, shape, offset: 0, byteLength: elements * BYTES_PER_ELEMENT[dtype] };
      ref.offset = place(tp, ref.byteLength, (body, dv) => writeTensor(values, ref, body, dv, tp));
      refs[name] = ref;
    }
    return refs;
  };

  const manifestStyles: PackManifest['styles'] = styles.map((s: unknown, i: number) => {
    const sp = `styles[${i}]`;
    if (typeof s !== 'object' || s === null) fail('BAD_INPUT', sp, `must be { name, tensors }, not ${describe(s)}`);
    const style = s as { name?: unknown; tensors?: unknown };
    if (typeof style.tensors !== 'object' || style.tensors === null || Array.isArray(style.tensors)) {
      fail('BAD_INPUT', `${sp}.tensors`, `must be an object of "<normLayer>/gamma|beta" -> tensor, not ${describe(style.tensors)}`);
    }
    const tensors = addTensors(style.tensors as Record<string, unknown>, `${sp}.tensors`, encoding);
    return (style.name === undefined ? { tensors } : { name: style.name, tensors }) as PackManifest['styles'][number];
  });
  const manifestWeights = weightsIn === undefined ? undefined : addTensors(weightsIn, 'weights', weightsEncoding);

  let preview: PackManifest['preview'];
  if (input.preview !== undefined) {
    const p = input.preview as unknown;
    if (!isPlainObject(p) || !(p['png'] instanceof Uint8Array)) fail('BAD_INPUT', 'preview', 'must be { png: Uint8Array, width, height }');
    const png = p['png'];
    const { width, height } = p as { width: unknown; height: unknown };
    if (png.length > limits.maxPreviewBytes) {
      fail('TOO_LARGE', 'preview', `is ${formatBytes(png.length)}; previews may be at most ${formatBytes(limits.maxPreviewBytes)} (use a smaller or simpler image)`);
    }
    const side = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= limits.maxPreviewSide;
    if (!side(width) || !side(height)) {
      fail('BAD_PREVIEW', 'preview', `is ${describe(width)}×${describe(height)} pixels; each side must be an integer 1–${limits.maxPreviewSide}`);
    }
    const problem = pngProblem(png, width as number, height as number);
    if (problem) fail('BAD_PREVIEW', 'preview.png', problem);
    const offset = place('preview', png.length, (body) => body.set(png, offset));
    preview = { mime: 'image/png', offset, byteLength: png.length, width: width as number, height: height as number };
  }

  // Body.
  const body = new Uint8Array(cursor);
  const dv = new DataView(body.buffer);
  for (const b of blobs) b.write(body, dv);
  const bodySha256 = await sha256Hex(body);

  const created = meta['created'] === undefined ? new Date().toISOString() : meta['created'];
  const sha = baseModel['sha256'];
  const manifest: Record<string, unknown> = {
    format: 'stylepack',
    formatVersion: FORMAT_VERSION,
    id: meta['id'],
    name: meta['name'],
    author: meta['author'],
    licence: meta['licence'],
    created,
    ...(meta['description'] !== undefined ? { description: meta['description'] } : {}),
    baseModel: { id: baseModel['id'], sha256: typeof sha === 'string' ? sha.toLowerCase() : sha },
    styles: manifestStyles,
    ...(manifestWeights ? { weights: manifestWeights } : {}),
    ...(preview ? { preview } : {}),
    ...(meta['training'] !== undefined ? { training: meta['training'] } : {}),
    bodyByteLength: body.length,
    bodySha256,
  };
  for (const k of Object.keys(manifest)) if (manifest[k] === undefined) delete manifest[k];
  // Self-check with the reader's validation (missing/mistyped meta fields, names, limits, layout).
  validateManifest(manifest, limits, writerError);

  let json = JSON.stringify(manifest);
  let manifestBytes = new TextEncoder().encode(json);
  // Pad with spaces (JSON whitespace) so the body starts 8-byte aligned in the file.
  const padded = align8(manifestBytes.length);
  if (padded !== manifestBytes.length) {
    json += ' '.repeat(padded - manifestBytes.length);
    manifestBytes = new TextEncoder().encode(json);
  }
  if (manifestBytes.length > limits.maxManifestBytes) {
    throw new PackError(
      'MANIFEST_TOO_LARGE',
      `Cannot write the pack: its manifest would be ${formatBytes(manifestBytes.length)}, over the ${formatBytes(limits.maxManifestBytes)} limit; shorten the training metadata or use fewer tensors.`,
    );
  }
  const total = HEADER_BYTES + manifestBytes.length + body.length;
  if (total > limits.maxFileBytes) {
    throw new PackError(
      'TOO_LARGE',
      `Cannot write the pack: it would be ${formatBytes(total)}, over the ${formatBytes(limits.maxFileBytes)} limit; store tensors as float16 or uint8, or leave out the weights.`,
    );
  }

  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  const hv = new DataView(out.buffer);
  hv.setUint32(8, FORMAT_VERSION, true);
  hv.setUint32(12, manifestBytes.length, true);
  out.set(manifestBytes, HEADER_BYTES);
  out.set(body, HEADER_BYTES + manifestBytes.length);
  return out;
}

function writeTensor(values: ArrayLike<number>, ref: PackTensorRef, body: Uint8Array, dv: DataView, label: string): void {
  const n = values.length;
  const o = ref.offset;
  const nonFinite = (i: number, v: unknown): never =>
    fail('BAD_VALUE', label, `holds ${describe(v)} at index ${i}; packs hold only finite numbers (did training diverge?)`);
  if (ref.dtype === 'float32') {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isFinite(Math.fround(v))) nonFinite(i, v);
      dv.setFloat32(o + i * 4, v, true);
    }
  } else if (ref.dtype === 'float16') {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (typeof v !== 'number' || !Number.isFinite(v)) nonFinite(i, v);
      const h = toFloat16(v);
      if (isFloat16NonFinite(h)) {
        fail('BAD_VALUE', label, `holds ${v} at index ${i}, beyond float16's range (±65504); encode it as float32 or uint8`);
      }
      dv.setUint16(o + i * 2, h, true);
    }
  } else {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isFinite(Math.fround(v))) nonFinite(i, v);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = (max - min) / 255;
    for (let i = 0; i < n; i++) {
      const q = scale > 0 ? Math.round((values[i]! - min) / scale) : 0;
      body[o + i] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
    ref.quant = { min, scale };
  }
}
