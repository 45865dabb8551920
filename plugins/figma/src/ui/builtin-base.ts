// The base model shipped inside ui.html (build.mjs: models/base/model.stylepack, float16
// backbone), so the built-in styles work on first open with nothing imported.
import { decodePack } from '@stylepack/core';
import { BUILTIN_BASE } from 'stylepack:base';
import { base64ToBytes } from './base64.js';
import type { PackLibrary } from './engine.js';

/** Load the bundled base into the library. Returns a problem to show, or null. */
export async function loadBuiltinBase(library: PackLibrary): Promise<string | null> {
  if (!BUILTIN_BASE) return null; // a build without models/base: styles say which base they need
  try {
    library.addBuiltinBase(await decodePack(base64ToBytes(BUILTIN_BASE.base64)));
    return null;
  } catch (e) {
    return `The built-in base model could not be loaded (${e instanceof Error ? e.message : String(e)}); reinstall the plugin.`;
  }
}
