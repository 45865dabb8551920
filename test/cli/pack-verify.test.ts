// `stylepack pack verify` (issue 11 item 5): only "no base model found" may pass (and says so);
// a base whose weights do not match its checksum, or a base with a wrong baseModel.sha256,
// fails like `stylize` would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeStylePack } from '@stylepack/core';
import { encodeBaseModel, type BaseModel } from '../../packages/trainer/src/models.js';
import { cli, tempDir, writeTinyBase } from './helpers.js';

const tmp = tempDir('verify');
const d = (...p: string[]) => join(tmp.dir, ...p);
const META = { author: 'test', licence: 'CC0-1.0' };
let base: BaseModel;

beforeAll(async () => {
  mkdirSync(d('run'));
  mkdirSync(d('alone'));
  base = await writeTinyBase(d('run', 'model.stylepack'));
  writeFileSync(d('run', 'one.stylepack'), await encodeStylePack(base, base.styles[0]!, META));
  // Altered weights, checksum of the body recomputed by the encoder, manifest sha256 unchanged.
  const c1 = base.backbone['c1/w']!;
  const altered = { ...base.backbone, 'c1/w': { shape: c1.shape, data: c1.data.map((v, i) => (i === 0 ? v + 0.5 : v)) } };
  writeFileSync(d('altered.stylepack'), await encodeBaseModel({ ...base, backbone: altered }, META));
  writeFileSync(d('wrong-sha.stylepack'), await encodeBaseModel({ ...base, sha256: 'ab'.repeat(32) }, META));
  // A style pack for a base that is nowhere to be found.
  writeFileSync(d('alone', 'lost.stylepack'), await encodeStylePack({ id: 'base-elsewhere', sha256: 'cd'.repeat(32) }, base.styles[0]!, META));
});
afterAll(() => tmp.cleanup());

describe('pack verify and the base model', () => {
  it('a good pack next to its base: compatible', async () => {
    const r = await cli(['pack', 'verify', d('run', 'one.stylepack')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/compatible/);
  });

  it('a base with altered weights (recomputed body checksum) fails', async () => {
    const r = await cli(['pack', 'verify', d('altered.stylepack')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weights do not match the checksum in its manifest/);
    expect(r.stdout).not.toMatch(/not found|compatible/);
  });

  it('a base with a wrong baseModel.sha256 fails', async () => {
    const r = await cli(['pack', 'verify', d('wrong-sha.stylepack')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/weights do not match the checksum/);
  });

  it('no base model found: passes, and says compatibility was not checked', async () => {
    const r = await cli(['pack', 'verify', d('alone', 'lost.stylepack')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/base model base-elsewhere: not found .*not checked/);
  });
});
