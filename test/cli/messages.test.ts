// Wrong answers and misleading messages (issue 11 items 12 and 14): --mix weights must be finite
// and positive; a file differing from a pack only in its 8th byte is named as such; an image too
// thin to downscale says so and what to do.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStylePack } from '@stylepack/core';
import { cli, tempDir, writePng, writeTinyBase } from './helpers.js';

const tmp = tempDir('messages');
const d = (...p: string[]) => join(tmp.dir, ...p);
const W = ['--backend', 'wasm'];

beforeAll(async () => {
  mkdirSync(d('in'));
  mkdirSync(d('out'));
  const base = await writeTinyBase(d('model.stylepack'), ['one', 'two']);
  writeFileSync(d('one.stylepack'), await encodeStylePack(base, base.styles[0]!, { author: 'test', licence: 'CC0-1.0' }));
  const nul = Buffer.from(readFileSync(d('one.stylepack')));
  nul[7] = 0x31; // "STYLEPK1"
  writeFileSync(d('nul.stylepack'), nul);
  await writePng(d('in', 'good.png'), 24, 16, (x, y) => [x * 10, y * 10, 90]);
  await writePng(d('in', 'thin.png'), 9, 3000, (x, y) => [x * 20, y % 256, 90]);
});
afterAll(() => tmp.cleanup());

describe('--mix weights', () => {
  it.each([
    ['Infinity (400 digits)', `one:${'9'.repeat(400)},two:1`],
    ['zero', 'one:0,two:1'],
    ['all zero', 'one:0,two:0.0'],
    ['underflowing to zero', `one:0.${'0'.repeat(400)}1`],
  ])('%s → exit 2, nothing written', async (_what, mix) => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), '--mix', mix, d('in', 'good.png'), '--out', d('out', 'x.png'), ...W]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--mix weights must be finite numbers greater than 0/);
    expect(readdirSync(d('out'))).toEqual([]);
  });
});

describe('messages that name the real problem', () => {
  it('a file that differs from a pack only in the NUL byte of the magic', async () => {
    const r = await cli(['pack', 'verify', d('nul.stylepack')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BAD_MAGIC/);
    expect(r.stderr).toMatch(/byte 8 is 0x31 where a pack has 0x00 \(NUL\)/);
    expect(r.stderr).not.toMatch(/a pack starts with "STYLEPK"\)/);
  });

  it('a 9×3000 image names its own size and the options that help', async () => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', 'thin.png'), '--out', d('out', 'thin.png'), ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/thin\.png is 9×3000 px; downscaled to --max-size 1024 it would be 3×1024, under the 8 px minimum a side\. Use --max-size 3000 or --tile PX/);
  });
});
