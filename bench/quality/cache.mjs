// The quality bench's cache: per-image optimisation results and learned packs do not depend on
// the packs under test, so a second run (new packs, same settings) only computes feed-forward and
// refine. Entries live in bench/cache/quality/ (git-ignored), named by a SHA-256 key over
// everything that decides the result: the input files' bytes, the settings, and the source files
// of the code that computes it (so an edit to that code recomputes instead of reusing stale
// results). Delete the folder (or pass --no-cache) to recompute everything; --cache=DIR reads and
// writes another folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_CACHE_DIR = join(ROOT, 'bench', 'cache', 'quality');
let cacheDir = DEFAULT_CACHE_DIR;
/** Use another cache folder (--cache=DIR: e.g. the one a run in another worktree filled). */
export function setCacheDir(dir) {
  cacheDir = dir;
}

/** Source files or folders (relative to the repository root) and installed packages a result depends on. */
export const OPTIMIZE_CODE = {
  files: [
    'packages/core/src/optimize/optimize.ts',
    'packages/core/src/losses/perceptual.ts',
    'packages/core/src/lossnet/index.ts',
    'packages/core/src/lossnet/mobilenet-v2.ts',
    'packages/core/src/node/lossnet-node.ts',
    'packages/core/src/gradients/tfjs-fixes.ts',
    'packages/core/src/image/border.ts',
    'packages/trainer/src/samples.ts',
    'packages/trainer/src/io/images.ts',
  ],
  packages: ['@tensorflow/tfjs-core', 'nsfwjs'],
};
export const TRAIN_CODE = {
  files: [
    ...OPTIMIZE_CODE.files.filter((f) => !f.includes('/optimize/')),
    'packages/trainer/src/commands/train.ts',
    'packages/trainer/src/dataset.ts',
    'packages/trainer/src/models.ts',
    'packages/core/src/train/trainer.ts',
    'packages/core/src/train/adam.ts',
    'packages/core/src/train/schedule.ts',
    'packages/core/src/model/generator.ts',
    'packages/core/src/model/instance-norm.ts',
    'packages/core/src/model/layers.ts',
    'packages/core/src/style', // the learn-a-style loop's home once issue 12 item 4 lands there
  ],
  packages: OPTIMIZE_CODE.packages,
};

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
export const fileSha256 = (path) => sha256(readFileSync(path));

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

/** Files under a folder (sorted, tests left out), or the file itself. */
function sourceFiles(rel) {
  const p = join(ROOT, rel);
  if (!existsSync(p) || !statSync(p).isDirectory()) return [rel];
  return readdirSync(p).sort().flatMap((n) => (n.includes('.test.') ? [] : sourceFiles(join(rel, n))));
}

/** One hash over the listed sources (a missing file counts as its own state). */
export function codeVersion({ files, packages }) {
  const parts = files.flatMap(sourceFiles).map((f) => {
    const p = join(ROOT, f);
    return `${f}:${existsSync(p) ? fileSha256(p) : 'missing'}`;
  });
  parts.push(...packages.map((n) => `${n}@${packageVersion(n)}`));
  return sha256(parts.join('\n'));
}

/** A stable key: SHA-256 of the JSON of `fields` with sorted object keys. */
export function cacheKey(fields) {
  const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
  return sha256(JSON.stringify(canon(fields))).slice(0, 32);
}

export function cachePath(kind, key, ext) {
  return join(cacheDir, kind, `${key}.${ext}`);
}

/** Write atomically (temp file + rename), so an interrupted run never leaves a half entry. */
export function writeCacheFile(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A float32 image [1,H,W,3] with its metadata: IMAGE.f32 + IMAGE.json. */
export function readCachedImage(kind, key) {
  const meta = cachePath(kind, key, 'json');
  const bin = cachePath(kind, key, 'f32');
  if (!existsSync(meta) || !existsSync(bin)) return null;
  const info = JSON.parse(readFileSync(meta, 'utf8'));
  const buf = readFileSync(bin);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (data.length !== info.shape.reduce((a, b) => a * b, 1)) return null; // damaged: recompute
  return { info, data: Float32Array.from(data) };
}

export function writeCachedImage(kind, key, data, info) {
  writeCacheFile(cachePath(kind, key, 'f32'), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeCacheFile(cachePath(kind, key, 'json'), JSON.stringify(info, null, 1) + '\n');
}
