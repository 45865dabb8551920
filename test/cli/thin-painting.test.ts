// A tall or wide painting at --size 32 (issue 11 item 8): the painting's short side is never
// below the loss network's 32 px minimum, so `train` runs instead of crashing with a stack.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOSSNET_MIN_SIDE } from '@stylepack/core';
import { loadStyleTensor } from '../../packages/trainer/src/samples.js';
import { cli, makeFixtures, tempDir, writePng, writeTinyBase } from './helpers.js';

const tmp = tempDir('thin');
const d = (...p: string[]) => join(tmp.dir, ...p);

beforeAll(async () => {
  mkdirSync(d('paint'));
  await makeFixtures(tmp.dir);
  await writePng(d('paint', 'wide.png'), 160, 25, (x, y) => [x, y * 9, 200 - x]);
  await writePng(d('paint', 'tall.png'), 20, 300, (x, y) => [x * 9, y % 256, 90]);
  await writeTinyBase(d('model.stylepack'));
});
afterAll(() => tmp.cleanup());

describe('thin paintings at --size 32', () => {
  it.each(['wide.png', 'tall.png'])('%s is loaded with its short side at the loss network minimum, aspect kept', async (f) => {
    const { tensor } = await loadStyleTensor(d('paint', f), 32);
    const [, h, w] = tensor.shape;
    tensor.dispose();
    expect(Math.min(h, w)).toBe(LOSSNET_MIN_SIDE);
    expect(Math.max(h, w) / Math.min(h, w)).toBeGreaterThan(5); // 160×25 → 205×32; 20×300 → 32×480
  });

  it('train --size 32 with a wide painting runs (it crashed in the loss network before)', async () => {
    const r = await cli(['train', '--style', d('paint', 'wide.png'), '--base', d('model.stylepack'), '--content', d('content'), '--out', d('wide.stylepack'), '--steps', '1', '--size', '32', '--batch', '1', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(d('wide.stylepack'))).toBe(true);
  });
});
