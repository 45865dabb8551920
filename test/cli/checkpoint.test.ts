// Checkpoints carry a checksum and are checked at load (issue 11 items 10 and 11): a damaged
// checkpoint.bin falls back to the previous good one (checkpoint.prev.bin), else a clear error;
// temp files left by a kill during a checkpoint write are removed on resume.
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodePack, encodeCheckpoint } from '@stylepack/core';
import { TINY, cli, makeFixtures, tempDir } from './helpers.js';

const tmp = tempDir('ckpt');
const run = join(tmp.dir, 'run');
const ckpt = join(run, 'checkpoint.bin');
const prev = join(run, 'checkpoint.prev.bin');
const run2 = join(tmp.dir, 'run2');
const stepOf = (p: string) => decodeCheckpoint(new Uint8Array(readFileSync(p))).header.step;

/** Write 1e6 into the last float of the file (a tensor value), as a bad disk or a tamperer would. */
function damage(path: string): void {
  const b = readFileSync(path);
  b.writeFloatLE(1e6, b.length - 4);
  writeFileSync(path, b);
}

beforeAll(async () => {
  const fx = await makeFixtures(tmp.dir);
  const r = await cli(['pretrain', '--content', fx.content, '--styles', fx.styles, '--out', run, '--steps', '2', '--checkpoint-every', '1', '--seed', '1', ...TINY]);
  expect(r.code, r.stderr).toBe(0);
  cpSync(run, run2, { recursive: true });
});
afterAll(() => tmp.cleanup());

describe('checkpoint integrity (core)', () => {
  const header = { kind: 'stylepack-checkpoint' as const, version: 1 as const, step: 7, rngState: 1, settings: {} };
  const tensors = { 'G/w': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) } };

  it('a changed value is caught by the checksum', () => {
    const bytes = encodeCheckpoint(header, tensors);
    expect(decodeCheckpoint(bytes).tensors['G/w']!.data).toEqual(tensors['G/w'].data);
    new DataView(bytes.buffer).setFloat32(bytes.length - 4, 1e6, true);
    expect(() => decodeCheckpoint(bytes)).toThrow(/does not match its checksum/);
  });

  it('NaN or Infinity is refused even without a checksum (an older checkpoint)', () => {
    const bytes = encodeCheckpoint(header, { 'G/w': { shape: [2], data: Float32Array.from([1, NaN]) } });
    expect(() => decodeCheckpoint(bytes)).toThrow(/tensor "G\/w" holds NaN at index 1/);
  });
});

describe('pretrain --resume with a damaged checkpoint', () => {
  it('keeps the previous checkpoint next to the last one', () => {
    expect(stepOf(ckpt)).toBe(2);
    expect(stepOf(prev)).toBe(1);
  });

  it('falls back to checkpoint.prev.bin and removes stale temp files', async () => {
    damage(ckpt);
    writeFileSync(join(run, '.checkpoint.bin.zz-1.tmp'), 'half a checkpoint');
    writeFileSync(join(run, '.checkpoint.bin.4242.1796289014549.tmp'), 'an older-style temp file');
    const r = await cli(['pretrain', '--out', run, '--resume', '--steps', '3', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/checkpoint\.bin is damaged \(.*does not match its checksum.*\); resumed from the previous checkpoint .*checkpoint\.prev\.bin at step 1/);
    expect(r.stderr).toMatch(/removed 2 temp file\(s\) left by an interrupted write/);
    expect(readdirSync(run).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(stepOf(ckpt)).toBe(3);
  });

  it('both damaged: a clear error, no stack, nothing overwritten', async () => {
    damage(ckpt);
    damage(prev);
    const before = readFileSync(ckpt);
    const r = await cli(['pretrain', '--out', run, '--resume', '--steps', '5', '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot resume .*: checkpoint\.bin: its data does not match its checksum.*checkpoint\.prev\.bin: its data does not match its checksum.*start a new run/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(Buffer.compare(readFileSync(ckpt), before)).toBe(0);
    expect(existsSync(prev)).toBe(true);
  });
});

describe('training time across resumes (issue 11 item 15)', () => {
  it('the model records the time of every session, not only the last one', async () => {
    // As if the first session had trained for 69 minutes.
    const path = join(run2, 'checkpoint.bin');
    const { header, tensors } = decodeCheckpoint(new Uint8Array(readFileSync(path)));
    expect(header.settings.elapsedSeconds).toBeGreaterThan(0);
    writeFileSync(path, encodeCheckpoint({ ...header, settings: { ...header.settings, elapsedSeconds: 4140 } }, tensors));
    const r = await cli(['pretrain', '--out', run2, '--resume', '--steps', '3', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const model = await decodePack(new Uint8Array(readFileSync(join(run2, 'model.stylepack'))));
    const seconds = (model.manifest.training as { seconds: number }).seconds;
    expect(seconds).toBeGreaterThanOrEqual(4140);
    expect(seconds).toBeLessThan(4140 + 600);
    const inspect = await cli(['pack', 'inspect', join(run2, 'model.stylepack')]);
    expect(inspect.stdout).toMatch(new RegExp(`training: +3 steps, ${seconds} s`));
  });
});
