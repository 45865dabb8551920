// Nothing printed from a pack reaches the terminal raw (issue 11 item 7): C0/C1 controls and
// bidi marks from pack fields (here the free-form `training` metadata) are shown escaped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePack } from '@stylepack/core';
import { makeStyles, sampleInput } from '../../packages/core/src/pack/fixtures/testkit.js';
import { cli, tempDir } from './helpers.js';

const tmp = tempDir('termtext');
const file = join(tmp.dir, 'hostile.stylepack');
// Every code point a terminal or a bidi-aware viewer may act on.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

beforeAll(async () => {
  const input = sampleInput();
  input.styles = makeStyles(1, [{ name: 'c1', channels: 4 }]);
  input.meta.training = { styleImage: 'x\u001b[2Jy\u202etxt.exe', steps: 3, seconds: 2, losses: { 'st\u001b]0;pwned\u0007yle': 0.5 }, notes: '\u009b31m red' };
  writeFileSync(file, await encodePack(input));
});
afterAll(() => tmp.cleanup());

describe('pack fields on the terminal', () => {
  it('pack inspect escapes control and bidi characters', async () => {
    const r = await cli(['pack', 'inspect', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toContain('x\\u001b[2Jy\\u202etxt.exe');
  });

  it('pack inspect --json escapes them too', async () => {
    const r = await cli(['pack', 'inspect', '--json', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(JSON.parse(r.stdout).training.styleImage).toBe('x\u001b[2Jy\u202etxt.exe');
  });
});
