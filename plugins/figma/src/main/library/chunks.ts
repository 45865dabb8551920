// Bytes ↔ plugin-data strings, split into chunks that each fit Figma's 100 kB limit per entry
// (key + value). Pure TypeScript: Figma's main-thread sandbox has no atob/btoa and may have no
// crypto.subtle, so base64 is implemented here and the checksum is core's CRC-32 (IEEE).
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

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let lut: Int16Array | null = null;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    if (s.length >= 8192) {
      parts.push(s);
      s = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  parts.push(s);
  return parts.join('');
}

/** Strict: throws on characters outside the alphabet or a bad length. */
export function base64ToBytes(s: string): Uint8Array {
  if (!lut) {
    lut = new Int16Array(128).fill(-1);
    for (let i = 0; i < 64; i++) lut[ALPHABET.charCodeAt(i)] = i;
  }
  if (s.length % 4 !== 0) throw new Error('not valid base64 (length)');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const ch = s.charCodeAt(i + k);
      const isPad = ch === 61 && i + 4 === s.length && k >= 4 - pad;
      const v = isPad ? 0 : ch < 128 ? lut[ch]! : -1;
      if (v < 0) throw new Error('not valid base64 (character)');
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

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
export function splitChunks(gen: string, bytes: Uint8Array, chunkBytes = CHUNK_BYTES): { info: ChunkedInfo; chunks: string[] } {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(gen)) throw new Error(`bad chunk generation "${gen}"`);
  if (chunkBytes <= 0 || chunkBytes % 3 !== 0) throw new Error('chunkBytes must be a positive multiple of 3');
  const count = Math.max(1, Math.ceil(bytes.length / chunkBytes));
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const part = bytes.subarray(i * chunkBytes, Math.min(bytes.length, (i + 1) * chunkBytes));
    chunks.push(`SPK1|${gen}|${i}|${count}|${crc32(part)}|${bytesToBase64(part)}`);
  }
  return { info: { gen, count, byteLength: bytes.length, crc32: crc32(bytes) }, chunks };
}

/**
 * Reassemble and verify. `values[i]` is what is stored under chunk key i ('' when absent).
 * Throws ChunkError naming the first problem: missing, duplicate/misplaced, damaged, or a
 * whole-pack checksum or length mismatch.
 */
export function joinChunks(info: ChunkedInfo, values: string[], what = 'the pack'): Uint8Array {
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
      bytes = base64ToBytes(b64!);
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
