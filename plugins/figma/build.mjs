// Builds the Figma plugin into dist/:
//   dist/code.js  main thread (Figma's sandbox), one IIFE, ES2017
//   dist/ui.html  the panel: CSS + the whole UI bundle (Preact, tfjs, @stylepack/core) inlined
//                 (<script id="stylepack-ui">; the model worker runs the same source, src/ui/entry.ts),
//                 plus the tfjs wasm binaries, the built-in packs and the base model they need
//                 (float16 copy, src/shared/bundled-base.ts) as base64 — Figma loads the UI as
//                 one HTML document and the manifest allows no network.
//   dist/*.wasm   the same wasm binaries as files (for serving over http in tests/benchmarks)
// Usage: node build.mjs [--dev]   (--dev: no minification, inline sourcemap in the UI)
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fastKernelsModule } from './build-fast-kernels.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dist = join(here, 'dist');
const dev = process.argv.includes('--dev');
const require = createRequire(import.meta.url);

/** Single-threaded wasm binaries only: a plugin iframe is not cross-origin isolated (no threads). */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
const packsDir = join(root, 'models', 'packs');
const baseFile = join(root, 'models', 'base', 'model.stylepack');

const coreSrc = join(root, 'packages', 'core', 'src');
const samplesDir = join(here, 'assets', 'samples');

/**
 * The loss network for "Learn style" (MobileNetV2 from nsfwjs, ~3.5 MB base64): not part of the
 * JS bundle but a <script type="application/json"> block in ui.html, which the browser does not
 * parse at load; the UI JSON.parses it only when Learn style is first used (ui/lossnet-source.ts).
 */
function lossnetJson() {
  const models = join(dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
  const model = require(join(models, 'model.min.js'));
  const shard = require(join(models, 'group1-shard1of1.min.js'));
  if (!model?.modelTopology || !Array.isArray(model.weightsManifest) || typeof shard !== 'string') throw new Error('nsfwjs: unexpected mobilenet_v2 bundle layout');
  // JSON inside <script>: escape "<" so no "</script" can end the block early.
  return JSON.stringify({ modelTopology: model.modelTopology, weightsManifest: model.weightsManifest, weightData: shard }).replace(/</g, '\\u003c');
}

/**
 * The built-in base model, re-encoded by src/shared/bundled-base.ts (TypeScript, pack format
 * only): that module is bundled for Node first, then run here. Null when models/base has none.
 */
async function bundledBaseBase64() {
  if (!existsSync(baseFile)) return null;
  const out = join(dist, '.bundled-base.mjs');
  await esbuild.build({ entryPoints: [join(here, 'src/shared/bundled-base.ts')], bundle: true, format: 'esm', platform: 'node', outfile: out, logLevel: 'warning' });
  const { bundleBaseModel } = await import(`${pathToFileURL(out).href}?t=${Date.now()}`);
  rmSync(out);
  const bytes = await bundleBaseModel(new Uint8Array(readFileSync(baseFile)), 'models/base/model.stylepack');
  console.log(`figma-plugin: base model models/base/model.stylepack (${(statSync(baseFile).size / 1024).toFixed(0)} kB) bundled as float16 (${(bytes.byteLength / 1024).toFixed(0)} kB)`);
  return Buffer.from(bytes).toString('base64');
}

/**
 * @stylepack/core is bundled from its TypeScript sources (as vitest runs it), with every core
 * module marked side-effect free so the trainer, loss network etc. are tree-shaken out of the UI.
 */
const coreFromSource = {
  name: 'stylepack-core-source',
  setup(build) {
    build.onResolve({ filter: /^@stylepack\/core$/ }, () => ({ path: join(coreSrc, 'index.ts'), sideEffects: false }));
    build.onResolve({ filter: /^\./ }, async (args) => {
      if (!args.importer.startsWith(coreSrc + sep) || args.pluginData === 'core-inner') return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'core-inner' });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, sideEffects: false };
    });
  },
};

const virtualModules = {
  name: 'stylepack-virtual',
  setup(build) {
    build.onResolve({ filter: /^stylepack:(wasm|packs|samples|base)$/ }, (args) => ({ path: args.path, namespace: 'stylepack-virtual' }));
    build.onLoad({ filter: /.*/, namespace: 'stylepack-virtual' }, (args) => {
      if (args.path === 'stylepack:wasm') {
        const files = Object.fromEntries(WASM_FILES.map((f) => [f, readFileSync(join(wasmDir, f)).toString('base64')]));
        return { contents: `export const WASM_FILES = ${JSON.stringify(files)};`, loader: 'js' };
      }
      if (args.path === 'stylepack:base') {
        return bundledBaseBase64().then((b64) => ({ contents: `export const BUILTIN_BASE = ${JSON.stringify(b64 && { file: 'model.stylepack', base64: b64 })};`, loader: 'js' }));
      }
      if (args.path === 'stylepack:samples') {
        // Built-in content photos for Learn style (CC0, see assets/samples/LICENCE.md).
        const files = existsSync(samplesDir) ? readdirSync(samplesDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort() : [];
        const samples = files.map((f) => ({ file: f, mime: /png$/i.test(f) ? 'image/png' : 'image/jpeg', base64: readFileSync(join(samplesDir, f)).toString('base64') }));
        return { contents: `export const SAMPLE_IMAGES = ${JSON.stringify(samples)};`, loader: 'js' };
      }
      const packs = [];
      if (existsSync(packsDir)) {
        for (const f of readdirSync(packsDir).sort()) {
          if (!f.endsWith('.stylepack') || !statSync(join(packsDir, f)).isFile()) continue;
          packs.push({ file: f, base64: readFileSync(join(packsDir, f)).toString('base64') });
        }
      }
      console.log(`figma-plugin: ${packs.length} built-in pack(s) from models/packs/${packs.length ? ': ' + packs.map((p) => p.file).join(', ') : ''}`);
      return { contents: `export const BUILTIN_PACKS = ${JSON.stringify(packs)};`, loader: 'js' };
    });
  },
};

mkdirSync(dist, { recursive: true });

const main = esbuild.build({
  entryPoints: [join(here, 'src/main/index.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2017',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  outfile: join(dist, 'code.js'),
  minify: !dev,
  logLevel: 'warning',
});

const ui = esbuild.build({
  entryPoints: [join(here, 'src/ui/entry.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
  plugins: [coreFromSource, virtualModules, fastKernelsModule(root)],
  write: false,
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const [, uiResult] = await Promise.all([main, ui]);
const js = uiResult.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
const css = readFileSync(join(here, 'src/ui/ui.css'), 'utf8');
const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Stylepack</title><style>${css}</style></head>
<body><div id="app"></div><script type="application/json" id="stylepack-lossnet">${lossnetJson()}</script><script id="stylepack-ui">${js}</script></body>
</html>
`;
writeFileSync(join(dist, 'ui.html'), html);
for (const f of WASM_FILES) copyFileSync(join(wasmDir, f), join(dist, f));
writeFileSync(join(dist, 'ui-meta.json'), JSON.stringify(uiResult.metafile));
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
console.log(`figma-plugin: dist/code.js ${kb(statSync(join(dist, 'code.js')).size)}, dist/ui.html ${kb(Buffer.byteLength(html))}`);
