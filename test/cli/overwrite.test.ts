// stylize never writes over one of its own inputs unless --overwrite is given (issue 11 item 1):
// same path, the input's own folder as --out, `--out .` inside it, and a hard link (same inode).
import { copyFileSync, linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writePng, writeTinyBase } from './helpers.js';

const tmp = tempDir('overwrite');
const d = (...p: string[]) => join(tmp.dir, ...p);
const W = ['--backend', 'wasm'];
let original: Buffer;

beforeAll(async () => {
  mkdirSync(d('in'));
  await writeTinyBase(d('model.stylepack'));
  await writePng(d('in', 'a.png'), 24, 16, (x, y) => [x * 10, y * 10, 90]);
  original = readFileSync(d('in', 'a.png'));
});
afterAll(() => tmp.cleanup());

const unchanged = () => expect(Buffer.compare(readFileSync(d('in', 'a.png')), original)).toBe(0);

describe('stylize: an output that is one of the inputs', () => {
  it.each([
    ['the same path', () => d('in', 'a.png'), undefined],
    ['the same path, spelled differently', () => d('in', '..', 'in', 'a.png'), undefined],
    ["the input's own folder", () => d('in'), undefined],
    ['"." run inside the input\'s folder', () => '.', d('in')],
  ])('--out %s → exit 2, input untouched', async (_what, out, cwd) => {
    const here = process.cwd();
    if (cwd) process.chdir(cwd);
    try {
      const r = await cli(['stylize', '--pack', d('model.stylepack'), cwd ? 'a.png' : d('in', 'a.png'), '--out', out(), ...W]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/would overwrite the input .*a\.png.*--overwrite/);
    } finally {
      process.chdir(here);
    }
    unchanged();
  });

  it('a hard link to the input (same inode) is the same file', async () => {
    mkdirSync(d('linked'));
    linkSync(d('in', 'a.png'), d('linked', 'a.png'));
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', 'a.png'), '--out', d('linked'), ...W]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/would overwrite the input/);
    unchanged();
  });

  it('eval --json pointing at the pack is refused too', async () => {
    const before = readFileSync(d('model.stylepack'));
    const r = await cli(['eval', '--pack', d('model.stylepack'), '--content', d('in'), '--json', d('model.stylepack'), ...W]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--json would overwrite the input .*model\.stylepack/);
    expect(Buffer.compare(readFileSync(d('model.stylepack')), before)).toBe(0);
  });

  it('train --out pointing at its base model is refused', async () => {
    const before = readFileSync(d('model.stylepack'));
    const r = await cli(['train', '--style', d('in', 'a.png'), '--base', d('model.stylepack'), '--out', d('model.stylepack'), '--steps', '1', '--size', '32', ...W]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--out would overwrite the input .*model\.stylepack/);
    expect(Buffer.compare(readFileSync(d('model.stylepack')), before)).toBe(0);
  });

  it('--overwrite replaces the input on purpose', async () => {
    mkdirSync(d('own'));
    copyFileSync(d('in', 'a.png'), d('own', 'a.png'));
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('own', 'a.png'), '--out', d('own', 'a.png'), '--overwrite', ...W]);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(d('own', 'a.png')), original)).not.toBe(0);
  });
});
