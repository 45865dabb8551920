import { PackError } from './errors.js';

/**
 * Lower-case hex SHA-256 of `bytes` via Web Crypto (globalThis.crypto.subtle: Node 20+, browsers
 * in secure contexts). Throws PackError('NO_CRYPTO') where there is none.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle || typeof subtle.digest !== 'function') {
    throw new PackError(
      'NO_CRYPTO',
      'This environment has no Web Crypto (globalThis.crypto.subtle), which stylepack needs to verify packs. ' +
        'Use Node 20 or newer, or a browser page served over https or localhost.',
    );
  }
  // digest() wants an ArrayBuffer-backed view; copy anything else (e.g. a SharedArrayBuffer view).
  const data: Uint8Array<ArrayBuffer> =
    bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', data));
  let hex = '';
  for (let i = 0; i < digest.length; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return hex;
}
