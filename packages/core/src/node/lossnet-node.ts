// Node: load the loss network from the MobileNetV2 bundled in the installed `nsfwjs` package.
// Offline: reads node_modules, never downloads.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createLossNetwork, base64ToArrayBuffer, type LossNetwork, type LossNetworkOptions, type MobileNetSource } from '../lossnet/index.js';

const require = createRequire(import.meta.url);
const MODEL = 'nsfwjs/dist/models/mobilenet_v2/model.min.js';
const SHARD = 'nsfwjs/dist/models/mobilenet_v2/group1-shard1of1.min.js';

let cached: MobileNetSource | null = null;

/** Absolute path of a file inside nsfwjs/dist/models (its package "exports" map hides them). */
function resolveNsfwjsFile(spec: string): string {
  try {
    return require.resolve(spec);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw notInstalled(e);
  }
  // nsfwjs 4.x exports only '.', './core', './models/*'; its CJS main is dist/cjs/index.js.
  let main: string;
  try {
    main = require.resolve('nsfwjs');
  } catch (e) {
    throw notInstalled(e);
  }
  return join(dirname(main), '..', spec.slice('nsfwjs/dist/'.length));
}

function notInstalled(cause: unknown): Error {
  return new Error(`The loss network needs the npm package "nsfwjs" (MobileNetV2 weights); install it with \`npm i nsfwjs@^4.4.0\`. (${String(cause)})`);
}

/** The parsed nsfwjs MobileNetV2 source (cached in-process; ~2.6 MB of quantized weights). */
export function loadNsfwjsMobileNetSource(): MobileNetSource {
  if (cached) return cached;
  // The files are UMD bundles; dist/models/package.json marks them CommonJS, so require() works.
  const model = require(resolveNsfwjsFile(MODEL)) as { modelTopology?: unknown; weightsManifest?: unknown };
  const shard = require(resolveNsfwjsFile(SHARD)) as unknown;
  if (!model || !model.modelTopology || !Array.isArray(model.weightsManifest)) throw new Error(`nsfwjs: ${MODEL} does not export {modelTopology, weightsManifest}.`);
  if (typeof shard !== 'string') throw new Error(`nsfwjs: ${SHARD} does not export a base64 string.`);
  cached = { modelTopology: model.modelTopology, weightsManifest: model.weightsManifest, weightData: base64ToArrayBuffer(shard) };
  return cached;
}

/** createLossNetwork over the MobileNetV2 shipped in nsfwjs (ImageNet layers ≤ block_10 only). */
export function loadLossNetworkFromNsfwjs(opts?: LossNetworkOptions): LossNetwork {
  return createLossNetwork(loadNsfwjsMobileNetSource(), opts);
}
