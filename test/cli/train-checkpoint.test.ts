// train --checkpoint-every: Ctrl-C saves PACK.checkpoint; the same command continues from it and
// ends with the same style as an uninterrupted run; other settings are refused by name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodePack } from '@stylepack/core';
import { cli, makeFixtures, sleep, tempDir } from './helpers.js';

const tmp = tempDir('train-ckpt');
let args: (out: string) => string[];
beforeAll(async () => {
  const fx = await makeFixtures(tmp.dir);
  args = (out) => ['train', '--style', join(fx.styles, 'checks.png'), '--out', out, '--steps', '12', '--size', '32', '--batch', '1', '--content', fx.content, '--seed', '5', '--backend', 'wasm'];
});
afterAll(() => tmp.cleanup());

const style = (path: string) => decodePack(new Uint8Array(readFileSync(path)));

describe('train --checkpoint-every', () => {
  it('Ctrl-C → checkpoint; rerun continues and matches an uninterrupted run; other settings refused', async () => {
    const pack = join(tmp.dir, 'out', 'checks.stylepack');
    const ckpt = `${pack}.checkpoint`;
    const running = cli([...args(pack), '--checkpoint-every', '2']);
    while (!existsSync(ckpt)) await sleep(20);
    process.emit('SIGINT');
    const stopped = await running;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/run the same command again to continue from .*checks\.stylepack\.checkpoint/);
    const at = decodeCheckpoint(new Uint8Array(readFileSync(ckpt))).header.step;
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(12);
    expect(existsSync(pack)).toBe(false);

    const other = await cli([...args(pack).map((a) => (a === '5' ? '6' : a)), '--checkpoint-every', '2']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/is from a train run with other settings \(seed differs\); delete it to start over/);

    const resumed = await cli([...args(pack), '--checkpoint-every', '2']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`at step ${at}`);
    expect(existsSync(ckpt)).toBe(false);

    const ref = join(tmp.dir, 'ref.stylepack');
    expect((await cli(args(ref))).code).toBe(0);
    const [a, b] = await Promise.all([style(pack), style(ref)]);
    for (const [k, t] of Object.entries(b.styles[0].tensors)) expect(Array.from(a.styles[0].tensors[k].data), k).toEqual(Array.from(t.data));
  });
});
