// Modules the build (build.mjs) generates at bundle time.
declare module 'stylepack:wasm' {
  /** tfjs-backend-wasm binaries, base64: file name → contents. */
  export const WASM_FILES: Record<string, string>;
}
declare module 'stylepack:packs' {
  /** The .stylepack files found in models/packs/ at build time, base64. */
  export const BUILTIN_PACKS: { file: string; base64: string }[];
}
declare module 'stylepack:fast-kernels' {
  /** stylepack's native kernels (packages/core/native), base64; null in a build without them (build-fast-kernels.mjs). */
  export const FAST_KERNEL_WASM: { single: string; threaded: string; singleFma: string; threadedFma: string; heap: string } | null;
}
declare module 'stylepack:base' {
  /** models/base/model.stylepack with a float16 backbone (src/shared/bundled-base.ts), base64; null if the build had none. */
  export const BUILTIN_BASE: { file: string; base64: string } | null;
}
