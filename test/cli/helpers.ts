// Shared helpers for the CLI tests: temp dirs, fixture images generated with sharp (so no image
// licences are involved), running the CLI in-process or as the real bin.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { Generator, generatorPreset } from '@stylepack/core';
import { main } from '../../packages/trainer/src/cli.js';
import { baseModelFromGenerator, encodeBaseModel, type BaseModel } from '../../packages/trainer/src/models.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'packages/trainer/dist/cli.js');

export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `stylepack-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Pixel = (x: number, y: number) => [number, number, number];

function raw(w: number, h: number, f: Pixel): sharp.Sharp {
  const d = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = f(x, y);
      d.set([r & 255, g & 255, b & 255], (y * w + x) * 3);
    }
  }
  return sharp(d, { raw: { width: w, height: h, channels: 3 } });
}

/** content/ (2 photos-ish images) and styles/ (2 paintings-ish images), all tiny. */
export async function makeFixtures(dir: string): Promise<{ content: string; styles: string }> {
  const content = join(dir, 'content');
  const styles = join(dir, 'styles');
  mkdirSync(content, { recursive: true });
  mkdirSync(styles, { recursive: true });
  await raw(64, 48, (x, y) => [x * 4, y * 5, 128]).png().toFile(join(content, 'a.png'));
  await raw(48, 64, (x, y) => [(x * y) % 256, 200 - y * 3, x * 5]).jpeg().toFile(join(content, 'b.jpg'));
  await raw(64, 64, (x, y) => (((x >> 3) + (y >> 3)) % 2 ? [250, 200, 0] : [0, 30, 120])).png().toFile(join(styles, 'checks.png'));
  await raw(64, 64, (x, y) => [128 + 100 * Math.sin(x / 3), 128 + 100 * Math.cos(y / 4), 60]).webp().toFile(join(styles, 'waves.webp'));
  return { content, styles };
}

export async function writePng(path: string, w: number, h: number, f: Pixel): Promise<void> {
  await raw(w, h, f).png().toFile(path);
}

/** A randomly initialised tiny base model (lite ×0.25, seed 3) written to `path`; no training needed. */
export async function writeTinyBase(path: string, styleNames = ['one']): Promise<BaseModel> {
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: styleNames.length }), 3);
  const base = await baseModelFromGenerator(g, styleNames, 'lite', 0.25);
  g.dispose();
  writeFileSync(path, await encodeBaseModel(base, { author: 'test', licence: 'CC0-1.0' }));
  return base;
}

/** Common tiny settings: 32 px crops, width ×0.25, D width 8, wasm backend. */
export const TINY = ['--size', '32', '--batch', '1', '--width-mult', '0.25', '--d-width', '8', '--backend', 'wasm'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process (sources, via vitest's aliases), capturing its output. */
export async function cli(args: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** Build core and the trainer if the bin is missing (npm test builds first; this is for a bare vitest run). */
export function ensureBuilt(): void {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  if (!existsSync(join(ROOT, 'packages/core/dist/index.js'))) execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'packages/core/tsconfig.json')], { stdio: 'inherit' });
  if (!existsSync(BIN)) execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'packages/trainer/tsconfig.json')], { stdio: 'inherit' });
}

/** Spawn the real bin. */
export function spawnBin(args: string[], opts: { cwd?: string } = {}): { child: ChildProcess; done: Promise<RunResult & { signal: NodeJS.Signals | null }>; stderrSoFar: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code: code ?? -1, signal, stdout, stderr })));
  return { child, done, stderrSoFar: () => stderr };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : -1;
}
