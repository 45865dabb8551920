// tfjs-backend-wasm gets its binaries as bytes, not as URLs. ui.html carries them base64
// (build.mjs, no network in a plugin); URLs made from them would be blob:null/… in Figma's
// opaque-origin iframe, which some hosts refuse. With setWasmPaths(map, usePlatformFetch=true)
// tfjs loads each binary through tf.env().platform.fetch, which here answers the
// "stylepack-inline:" paths from the bundled bytes and passes anything else on.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WASM_FILES } from 'stylepack:wasm';
import { base64ToBytes } from './base64.js';

const SCHEME = 'stylepack-inline:';
let installed = false;

/** Point tfjs-backend-wasm at the bundled binaries (once; before the wasm backend initialises). */
export function useInlineWasm(): void {
  if (installed) return;
  const bytes = new Map<string, Uint8Array>();
  const paths: Record<string, string> = {};
  for (const [file, b64] of Object.entries(WASM_FILES)) {
    paths[file] = SCHEME + file;
    bytes.set(SCHEME + file, base64ToBytes(b64));
  }
  // setWasmPaths insists on an entry for every binary. The threaded one is never loaded
  // (WASM_HAS_MULTITHREAD_SUPPORT is forced off: no SharedArrayBuffer), so it is not shipped.
  paths['tfjs-backend-wasm-threaded-simd.wasm'] = paths['tfjs-backend-wasm-simd.wasm']!;
  const platform = tf.env().platform;
  const fetchNext = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) => {
    const b = bytes.get(path);
    if (!b) return fetchNext(path, init);
    return Promise.resolve(new Response(b as BlobPart, { headers: { 'content-type': 'application/wasm' } }));
  };
  setWasmPaths(paths, true);
  installed = true;
}
