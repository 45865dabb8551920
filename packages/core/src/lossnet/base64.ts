// base64 → ArrayBuffer in Node and the browser (no Node APIs required).

interface BufferLike {
  from(s: string, enc: 'base64'): Uint8Array;
}

/** Decode a base64 string (standard alphabet; whitespace ignored) into a fresh ArrayBuffer. */
export function base64ToArrayBuffer(b64: string): ArrayBuffer {
  const clean = b64.replace(/\s+/g, '');
  if (clean.length % 4 === 1 || /[^A-Za-z0-9+/=]/.test(clean)) throw new Error('base64ToArrayBuffer: the string is not valid base64.');
  const g = globalThis as { Buffer?: BufferLike; atob?: (s: string) => string };
  if (g.Buffer) {
    const u8 = g.Buffer.from(clean, 'base64');
    // Copy out: Node Buffers can be views into a shared pool.
    return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;
  }
  if (g.atob) {
    const bin = g.atob(clean);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  return decodePortable(clean);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Pure-JS fallback (exported for tests). */
export function decodePortable(clean: string): ArrayBuffer {
  const lut = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) lut[ALPHABET.charCodeAt(i)] = i;
  const s = clean.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const v = lut[s.charCodeAt(i)];
    if (v < 0) throw new Error('base64ToArrayBuffer: the string is not valid base64.');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.buffer.slice(0, o);
}
