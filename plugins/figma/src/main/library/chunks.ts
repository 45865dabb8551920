// Bytes ↔ plugin-data strings, split into chunks that each fit Figma's 100 kB limit per entry
// (key + value). Base64 is figma.base64Encode/Decode (the sandbox has no atob/btoa); the sandbox
// may have no crypto.subtle, so the checksum is core's CRC-32 (IEEE).
//
// A chunk value is self-describing: "SPK1|<gen>|<index>|<count>|<crc32 of this chunk's bytes>|<base64>",
// so a chunk stored under the wrong key (a duplicate), a missing chunk, or a damaged one is
// detected and named in the error, never silently assembled into a broken pack.

/** Figma's limit for one plugin-data entry, key and value together (UTF-8 bytes). */
export const PLUGIN_DATA_ENTRY_LIMIT = 100 * 1024;
/** Room left for the key and the chunk header. */
const ENTRY_OVERHEAD = 160;
/** Base64 characters per chunk: a multiple of 4, so each chunk decodes on its own. */
export const CHUNK_BASE64_CHARS = Math.floor((PLUGIN_DATA_ENTRY_LIMIT - ENTRY_OVERHEAD) / 4) * 4;
/** Pack bytes per chunk (76,680 with the defaults). */
export const CHUNK_BYTES = (CHUNK_BASE64_CHARS / 4) * 3;

// ------------------------------------------------------------------ CRC-32

// core's one CRC-32 (a tiny module on its own, so the sandbox bundle takes nothing else of core).
import { crc32 } from '@stylepack/core/crc32';
export { crc32 };

// ------------------------------------------------------------------ base64

/** Figma's own base64 (figma.base64Encode/Decode: the sandbox has no atob/btoa), passed in. */
export type Base64 = Pick<PluginAPI, 'base64Encode' | 'base64Decode'>;

// ------------------------------------------------------------------ chunks

export interface ChunkedInfo {
  /** Generation: a fresh token per write, part of every chunk key and header. */
  gen: string;
  count: number;
  byteLength: number;
  crc32: number;
}

export class ChunkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkError';
  }
}

/** Split bytes into chunk strings; each fits one plugin-data entry with a short key. */
export function splitChunks(gen: string, bytes: Uint8Array, base64: Base64, chunkBytes = CHUNK_BYTES): { info: ChunkedInfo; chunks: string[] } {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(gen)) throw new Error(`bad chunk generation "${gen}"`);
  if (chunkBytes <= 0 || chunkBytes % 3 !== 0) throw new Error('chunkBytes must be a positive multiple of 3');
  const count = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const part = bytes.subarray(i * chunkBytes, Math.min(bytes.length, (i + 1) * chunkBytes));
    chunks.push(`SPK1|${gen}|${i}|${count}|${crc32(part)}|${base64.base64Encode(part)}`);
  }
  return { info: { gen, count, byteLength: bytes.length, crc32: crc32(bytes) }, chunks };
}

/**
 * Reassemble and verify. `values[i]` is what is stored under chunk key i ('' when absent).
 * Throws ChunkError naming the first problem: missing, duplicate/misplaced, damaged, or a
 * whole-pack checksum or length mismatch.
 */
export function joinChunks(info: ChunkedInfo, values: string[], base64: Base64, what = 'the pack'): Uint8Array {
  if (values.length !== info.count) throw new ChunkError(`${what}: expected ${info.count} chunk(s), found ${values.length}.`);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < info.count; i++) {
    const v = values[i] ?? '';
    const where = `chunk ${i + 1} of ${info.count}`;
    if (!v) throw new ChunkError(`${what} is incomplete: ${where} is missing from the file.`);
    const m = /^SPK1\|([A-Za-z0-9_-]+)\|(\d+)\|(\d+)\|(\d+)\|([A-Za-z0-9+/=]*)$/.exec(v);
    if (!m) throw new ChunkError(`${what}: ${where} is damaged (unreadable header).`);
    const [, gen, idx, cnt, crc, b64] = m;
    if (gen !== info.gen || Number(cnt) !== info.count) throw new ChunkError(`${what}: ${where} belongs to another copy of the pack (stale or duplicated chunk).`);
    if (Number(idx) !== i) throw new ChunkError(`${what}: ${where} holds chunk ${Number(idx) + 1} instead (duplicated or misplaced chunk).`);
    let bytes: Uint8Array;
    try {
      if (b64!.length % 4 !== 0) throw new Error('length');
      bytes = base64.base64Decode(b64!);
    } catch {
      throw new ChunkError(`${what}: ${where} is damaged (bad base64).`);
    }
    if (crc32(bytes) !== Number(crc)) throw new ChunkError(`${what}: ${where} is damaged (checksum mismatch).`);
    parts.push(bytes);
    total += bytes.length;
  }
  if (total !== info.byteLength) throw new ChunkError(`${what}: its chunks hold ${total} bytes, but ${info.byteLength} were saved.`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  if (crc32(out) !== info.crc32) throw new ChunkError(`${what}: checksum mismatch after reassembly; the stored copy is damaged.`);
  return out;
}

/** A fresh generation token: time + counter + a little randomness (no crypto needed). */
let genCounter = 0;
export function newGen(): string {
  genCounter = (genCounter + 1) % 1296;
  return `${Date.now().toString(36)}${genCounter.toString(36).padStart(2, '0')}${Math.floor(Math.random() * 1296).toString(36).padStart(2, '0')}`;
}
