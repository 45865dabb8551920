// Bad inputs give a clear message, a non-zero exit code (1 runtime, 2 usage) and no partial
// output. Uses a randomly initialised tiny base model (no training needed).
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Generator, crc32, encodeStylePack, generatorPreset } from '@stylepack/core';
import { baseModelFromGenerator, encodeBaseModel } from '../../packages/trainer/src/models.js';
import { cli, ensureBuilt, spawnBin, tempDir, writePng } from './helpers.js';

const tmp = tempDir('errors');
const d = (...p: string[]) => join(tmp.dir, ...p);
const W = ['--backend', 'wasm'];

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(d('in'));
  mkdirSync(d('out'));
  mkdirSync(d('emptydir'));
  const g = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: 2 }), 3);
  const base = await baseModelFromGenerator(g, ['one', 'two'], 'lite', 0.25);
  g.dispose();
  writeFileSync(d('model.stylepack'), await encodeBaseModel(base, { author: 'test', licence: 'CC0-1.0' }));
  writeFileSync(d('one.stylepack'), await encodeStylePack(base, base.styles[0], { author: 'test', licence: 'CC0-1.0' }));
  const g2 = new Generator(generatorPreset('lite', { widthMultiplier: 0.25, numStyles: 1 }), 4);
  writeFileSync(d('other-base.stylepack'), await encodeBaseModel(await baseModelFromGenerator(g2, ['x'], 'lite', 0.25), { author: 'test', licence: 'CC0-1.0' }));
  g2.dispose();

  await writePng(d('in', 'good.png'), 24, 16, (x, y) => [x * 10, y * 10, 90]);
  const good = readFileSync(d('in', 'good.png'));
  writeFileSync(d('in', 'truncated.png'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(d('in', 'empty.png'), new Uint8Array(0));
  writeFileSync(d('in', 'notes.png'), 'this is text, not a picture\n');
  // A valid PNG header declaring 100000×100000 px (IHDR patched, CRC fixed): refused before decoding.
  const huge = Buffer.from(good);
  huge.writeUInt32BE(100_000, 16);
  huge.writeUInt32BE(100_000, 20);
  huge.writeUInt32BE(crc32(huge.subarray(12, 29)), 29);
  writeFileSync(d('in', 'huge.png'), huge);
  const corruptPack = Buffer.from(readFileSync(d('one.stylepack')));
  corruptPack[corruptPack.length - 5] ^= 0xff;
  writeFileSync(d('corrupt.stylepack'), corruptPack);
  writeFileSync(d('garbage.stylepack'), 'not a pack at all');
});
afterAll(() => tmp.cleanup());


const noOutput = () => expect(readdirSync(d('out'))).toEqual([]);

describe('stylize: bad inputs', () => {
  it.each([
    ['truncated.png', /damaged and could not be decoded/],
    ['empty.png', /is empty \(0 bytes\)/],
    ['notes.png', /not an image stylepack can read; give a JPEG, PNG or WebP/],
    ['huge.png', /too large: 100000×100000 px .* over the 100 MP limit/],
    ['missing.png', /no such file/],
  ])('%s → exit 1, clear error, no output', async (file, msg) => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', file), '--out', d('out', 'result.png'), ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    noOutput();
  });

  it('a bad input among good ones: the good ones are written, exit 1', async () => {
    const dir = d('mixed');
    const r = await cli(['stylize', '--pack', d('one.stylepack'), '--base', d('model.stylepack'), d('in', 'good.png'), d('in', 'notes.png'), '--out', dir, ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 of 2 input\(s\) failed/);
    expect(readdirSync(dir)).toEqual(['good.png']);
  });

  it('unknown, corrupt and mismatched packs', async () => {
    const unknown = await cli(['stylize', '--pack', 'no-such-style', d('in', 'good.png'), '--out', d('out', 'x.png'), ...W]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown pack "no-such-style"/);
    const garbage = await cli(['stylize', '--pack', d('garbage.stylepack'), d('in', 'good.png'), '--out', d('out', 'x.png'), ...W]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/not a valid style pack \[BAD_MAGIC\]/);
    const corrupt = await cli(['pack', 'verify', d('corrupt.stylepack')]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/\[BAD_CHECKSUM\]/);
    const wrongBase = await cli(['stylize', '--pack', d('one.stylepack'), '--base', d('other-base.stylepack'), d('in', 'good.png'), '--out', d('out', 'x.png'), ...W]);
    expect(wrongBase.code).toBe(1);
    expect(wrongBase.stderr).toMatch(/was made for base model .* Use the base model the pack was trained on/);
    noOutput();
    const noBase = await cli(['stylize', '--pack', d('one.stylepack'), d('in', 'good.png'), '--out', d('found', 'x.png'), ...W]);
    expect(noBase.code, noBase.stderr).toBe(0); // model.stylepack next to the pack is found
    expect(existsSync(d('found', 'x.png'))).toBe(true);
  });
});

describe('train / pretrain: bad inputs', () => {
  it('train with a corrupt painting → exit 1, no pack written', async () => {
    const r = await cli(['train', '--style', d('in', 'truncated.png'), '--base', d('model.stylepack'), '--out', d('out2', 'p.stylepack'), '--steps', '1', '--size', '32', ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/damaged/);
    expect(existsSync(d('out2', 'p.stylepack'))).toBe(false);
  });

  it('pretrain with an empty content folder or a missing styles folder → exit 1', async () => {
    const a = await cli(['pretrain', '--content', d('emptydir'), '--styles', d('in'), '--out', d('run-a'), '--steps', '1', ...W]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/holds no \.jpg, \.png or \.webp images/);
    const b = await cli(['pretrain', '--content', d('in'), '--styles', d('nope'), '--out', d('run-b'), '--steps', '1', ...W]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/Cannot read the styles directory .*does not exist/);
  });
});

describe('usage', () => {
  it.each(['pretrain', 'train', 'stylize', 'eval', 'pack'])('%s --help', async (cmd) => {
    const r = await cli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: stylepack ${cmd} `));
    expect(r.stdout).toMatch(/Exit codes|exit/i);
  });

  it.each([
    [['stylize', '--pack', 'x', 'a.png'], /Missing --out/],
    [['stylize', '--pack', 'x', 'a.png', '--out', 'o.png', '--strength', '2'], /--strength must be at most 1/],
    [['stylize', '--pack', 'x', 'a.png', '--out', 'o.gif'], /use \.png, \.jpg or \.webp/],
    [['stylize', '--pack', 'x', 'a.png', '--out', 'o.png', '--mix', 'a=1'], /--mix entries are NAME:WEIGHT/],
    [['pretrain', '--content', 'c', '--styles', 's', '--out', 'o', '--size', '34'], /--size must be a multiple of 4/],
    [['train', '--style', 'x.png', '--out', 'x.png'], /--out must be a \.stylepack file/],
    [['pack', 'explode', 'x'], /Unknown pack subcommand "explode"/],
    [['eval', '--pack', 'x', '--content', 'c', '--bogus'], /Unknown option '--bogus'/],
  ])('%j → exit 2', async (args, msg) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('the real bin: exit codes 0 / 1 / 2', async () => {
    const help = await spawnBin(['--help']).done;
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/pretrain .*\n.*train/);
    const bad = await spawnBin(['frobnicate']).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
    const fail = await spawnBin(['stylize', '--pack', d('model.stylepack'), d('in', 'notes.png'), '--out', d('out', 'z.png'), ...W]).done;
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/notes\.png is not an image/);
    noOutput();
  });
});
