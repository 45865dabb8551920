// Checkpoint container: the whole training state as one byte array, written by the caller
// atomically (see '@stylepack/core/node' writeFileAtomic). Layout:
//   "SPCKPT\0\1" | u32 header length | header JSON | float32 blobs (little-endian)
// The header names every tensor with its shape and offset, plus step, RNG state, settings and
// the CRC-32 of the blobs (bodyCrc32; absent in older checkpoints). Loading checks the CRC and
// that every value is finite, so a damaged checkpoint is refused instead of resumed.
import { crc32 } from './crc32.js';
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface CheckpointHeader {
  kind: 'stylepack-checkpoint';
  version: 1;
  step: number;
  rngState: number;
  /** Free-form settings (trainer options, configs) to check a resume is compatible. */
  settings: Record<string, unknown>;
  /** Training history (losses per step), kept small by the caller. */
  history?: unknown;
}

const MAGIC = [0x53, 0x50, 0x43, 0x4b, 0x50, 0x54, 0x00, 0x01]; // "SPCKPT\0\1"
const MAX_HEADER = 16 << 20;

export function encodeCheckpoint(header: CheckpointHeader, tensors: Record<string, NamedArray>): Uint8Array {
  const index: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    index.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length * 4;
  }
  const body = new Uint8Array(offset);
  for (const entry of index) {
    const t = tensors[entry.name]!;
    body.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), entry.offset);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, bodyCrc32: crc32(body), tensors: index }));
  const headerEnd = 12 + json.length;
  const bodyStart = Math.ceil(headerEnd / 4) * 4;
  const out = new Uint8Array(bodyStart + offset);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(body, bodyStart);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; tensors: Record<string, NamedArray> } {
  const fail = (why: string): never => {
    throw new Error(`Not a usable checkpoint: ${why}.`);
  };
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) fail('wrong file signature');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (len > MAX_HEADER || 12 + len > bytes.length) fail(`header of ${len} bytes does not fit in a ${bytes.length}-byte file (truncated?)`);
  let parsed: CheckpointHeader & { bodyCrc32?: number; tensors: { name: string; shape: number[]; offset: number; length: number }[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)));
  } catch {
    return fail('header is not valid JSON');
  }
  if (parsed.kind !== 'stylepack-checkpoint' || parsed.version !== 1) fail(`unsupported kind/version ${parsed.kind}/${parsed.version}`);
  const bodyStart = Math.ceil((12 + len) / 4) * 4;
  if (!Array.isArray(parsed.tensors)) fail('its header lists no tensors');
  if (parsed.bodyCrc32 !== undefined) {
    const bodyEnd = bodyStart + parsed.tensors.reduce((a, e) => Math.max(a, e.offset + 4 * e.length), 0);
    if (bodyEnd > bytes.length) fail('it ends before its data does (truncated?)');
    if (crc32(bytes.subarray(bodyStart, bodyEnd)) !== parsed.bodyCrc32) fail('its data does not match its checksum (damaged on disk or edited)');
  }
  const tensors: Record<string, NamedArray> = {};
  for (const e of parsed.tensors) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (n !== e.length) fail(`tensor "${e.name}" has shape [${e.shape}] but ${e.length} values`);
    const start = bodyStart + e.offset;
    if (start + 4 * n > bytes.length) fail(`tensor "${e.name}" runs past the end of the file (truncated?)`);
    // Copy so the result is aligned and independent of the input buffer.
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(start, start + 4 * n));
    for (let i = 0; i < n; i++) if (!Number.isFinite(data[i]!)) fail(`tensor "${e.name}" holds ${data[i]} at index ${i}`);
    tensors[e.name] = { shape: e.shape, data };
  }
  const { tensors: _index, bodyCrc32: _crc, ...header } = parsed;
  return { header: header as CheckpointHeader, tensors };
}
