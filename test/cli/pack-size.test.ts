// Files larger than any pack are refused before they are read (issue 11 item 6): the CLI stats
// first (sparse files: nothing is allocated), the message says 64 MiB and that no pack is that
// large, and offers no option that does not exist.
import { closeSync, mkdirSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

const tmp = tempDir('packsize');
const d = (...p: string[]) => join(tmp.dir, ...p);
const GiB = 1024 ** 3;

function sparse(path: string, size: number): void {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
}

beforeAll(() => {
  mkdirSync(d('x'));
  sparse(d('huge.stylepack'), 2.5 * GiB);
  sparse(d('big.stylepack'), 100 * 1024 * 1024);
});
afterAll(() => tmp.cleanup());

describe('pack size is checked before reading', () => {
  it.each([
    ['pack', 'verify', 'huge.stylepack', /2\.5 GiB/],
    ['pack', 'inspect', 'huge.stylepack', /2\.5 GiB/],
    ['pack', 'verify', 'big.stylepack', /100 MiB/],
  ])('%s %s %s → exit 1, says 64 MiB, no "raise the limit"', async (cmd, sub, file, size) => {
    const heap = process.memoryUsage().rss;
    const r = await cli([cmd, sub, d(file)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(size);
    expect(r.stderr).toMatch(/at most 64 MiB.*no pack is that large/);
    expect(r.stderr).not.toMatch(/raise the limit|greater than 2 GiB|unexpected/i);
    expect(process.memoryUsage().rss - heap).toBeLessThan(50 * 1024 * 1024);
  });

  it('stylize --pack too', async () => {
    const r = await cli(['stylize', '--pack', d('huge.stylepack'), d('x', 'a.png'), '--out', d('x', 'o.png')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2\.5 GiB.*at most 64 MiB/);
  });
});
