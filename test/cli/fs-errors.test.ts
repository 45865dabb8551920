// System errors reach the user as what happened, to which file, and what to do (issue 11 item 9):
// no errno codes, no stack, no temp file names; a 246-character input name works (temp names are
// short).
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsErrorMessage } from '../../packages/trainer/src/io/fs-errors.js';
import { cli, tempDir, writePng, writeTinyBase } from './helpers.js';

const tmp = tempDir('fserr');
const d = (...p: string[]) => join(tmp.dir, ...p);
const W = ['--backend', 'wasm'];
const LONG = `${'a'.repeat(242)}.png`; // 246 characters
const RAW = /E[A-Z]{3,}|\.tmp\b|\n\s+at /;

beforeAll(async () => {
  mkdirSync(d('in'));
  await writeTinyBase(d('model.stylepack'));
  await writePng(d('in', 'a.png'), 24, 16, (x, y) => [x * 10, y * 10, 90]);
  await writePng(d('in', LONG), 24, 16, (x, y) => [x * 10, y * 10, 90]);
  writeFileSync(d('plain-file'), 'not a folder');
});
afterAll(() => tmp.cleanup());

describe('file system errors', () => {
  it('a 246-character input name is stylized (the temp name stays short)', async () => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', LONG), '--out', d('out'), ...W]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(d('out'))).toEqual([LONG]);
  });

  it('--out under a plain file: says the folder is a file, names the input, no errno or temp name', async () => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', 'a.png'), '--out', d('plain-file', 'x.png'), ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot write .*plain-file\/x\.png \(from .*a\.png\): .*plain-file is a file, not a folder/);
    expect(r.stderr).not.toMatch(RAW);
  });

  it('an output name too long for the file system', async () => {
    const r = await cli(['stylize', '--pack', d('model.stylepack'), d('in', 'a.png'), '--out', d(`${'b'.repeat(300)}.png`), ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the file name is too long for this file system\. Choose a shorter --out/);
    expect(r.stderr).not.toMatch(RAW);
  });

  it('a full disk (a real ENOSPC from /dev/full) is named as such', async () => {
    const fh = await open('/dev/full', 'w');
    const err = await fh.writeFile(new Uint8Array(16)).then(() => null, (e: unknown) => e);
    await fh.close();
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const msg = fsErrorMessage(err, '/runs/base/checkpoint.bin', 'Free some space, then run again with --resume.');
    expect(msg).toBe('Cannot write /runs/base/checkpoint.bin: the disk is full. Free some space, then run again with --resume.');
  });

  it('pretrain --out under a plain file, and --resume with a damaged run.json: clean errors', async () => {
    const a = await cli(['pretrain', '--content', d('in'), '--styles', d('in'), '--out', d('plain-file', 'run'), '--steps', '1', ...W]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/plain-file is a file, not a folder/);
    expect(a.stderr).not.toMatch(RAW);
    mkdirSync(d('run-bad'));
    writeFileSync(d('run-bad', 'run.json'), '{"settings": ');
    const b = await cli(['pretrain', '--out', d('run-bad'), '--resume', ...W]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/run\.json is damaged .*Start a new run/);
    expect(b.stderr).not.toMatch(RAW);
  });

  it('an input or pack path through a plain file: a read error without errno', async () => {
    const a = await cli(['stylize', '--pack', d('model.stylepack'), d('plain-file', 'a.png'), '--out', d('out2'), ...W]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/Cannot read .*plain-file\/a\.png: .*plain-file is a file, not a folder/);
    expect(a.stderr).not.toMatch(RAW);
    const b = await cli(['pack', 'verify', d('plain-file', 'p.stylepack')]);
    expect(b.code).toBe(1);
    expect(b.stderr).not.toMatch(RAW);
  });

  it('train into a folder that is a file fails cleanly, nothing written', async () => {
    const r = await cli(['train', '--style', d('in', 'a.png'), '--base', d('model.stylepack'), '--out', d('plain-file', 'p.stylepack'), '--steps', '1', '--size', '32', ...W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/plain-file is a file, not a folder/);
    expect(r.stderr).not.toMatch(RAW);
    expect(existsSync(d('plain-file', 'p.stylepack'))).toBe(false);
  });
});
