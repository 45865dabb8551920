// Queue jobs without Redis: `queue add`'s planning — the command's own option checks, absolute
// paths, and the idempotency key (same command and inputs → same id; any change → a new id).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planJob } from '../../packages/trainer/src/queue/jobs.js';
import { oneLine } from '../../packages/trainer/src/queue/format.js';
import { tempDir, writePng } from '../cli/helpers.js';

const tmp = tempDir('jobs');
const cwd = process.cwd();
beforeAll(async () => {
  mkdirSync(join(tmp.dir, 'in'));
  await writePng(join(tmp.dir, 'in', 'a.png'), 20, 16, (x, y) => [x * 9, y * 9, 50]);
  await writePng(join(tmp.dir, 'in', 'b.png'), 20, 16, (x, y) => [y * 9, x * 9, 90]);
  process.chdir(tmp.dir);
});
afterAll(() => {
  process.chdir(cwd);
  tmp.cleanup();
});

describe('queue job planning', () => {
  it('stylize: relative paths become absolute (a trailing slash kept), built-in pack names stay names', async () => {
    const job = (await planJob('stylize', ['--pack', 'hokusai-great-wave', 'in/a.png', 'in/b.png', '--out', 'out/', '--strength', '0.5']))!;
    expect(job.data.argv).toEqual(['--pack', 'hokusai-great-wave', join(tmp.dir, 'in/a.png'), join(tmp.dir, 'in/b.png'), '--out', join(tmp.dir, 'out') + '/', '--strength', '0.5']);
    expect(job.data.writes).toEqual([join(tmp.dir, 'out/a.png'), join(tmp.dir, 'out/b.png')]);
    expect(job.id).toMatch(/^stylize-[0-9a-f]{24}$/);
  });

  it('the id is a key of the command line and the inputs\u2019 bytes', async () => {
    const args = ['--pack', 'hokusai-great-wave', 'in/a.png', '--out', 'out/'];
    const first = (await planJob('stylize', args))!.id;
    expect((await planJob('stylize', [...args]))!.id).toBe(first);
    expect((await planJob('stylize', ['--pack', 'hokusai-great-wave', join(tmp.dir, 'in/a.png'), '--out', join(tmp.dir, 'out') + '/']))!.id).toBe(first);
    expect((await planJob('stylize', [...args, '--strength', '0.9']))!.id).not.toBe(first);
    expect((await planJob('stylize', ['--pack', 'hokusai-great-wave', 'in/a.png', '--out', 'other/']))!.id).not.toBe(first);
    await writePng(join(tmp.dir, 'in', 'a.png'), 20, 16, (x, y) => [x * 9, y * 9, 51]); // one channel changed
    expect((await planJob('stylize', args))!.id).not.toBe(first);
  });

  it('train: gets a checkpoint interval, so a retried job resumes', async () => {
    const job = (await planJob('train', ['--style', 'in/a.png', '--out', 'packs/a.stylepack', '--steps', '10']))!;
    expect(job.data.argv.slice(-2)).toEqual(['--checkpoint-every', '25']);
    expect(job.data.writes).toEqual([join(tmp.dir, 'packs/a.stylepack')]);
    const own = (await planJob('train', ['--style', 'in/a.png', '--out', 'packs/a.stylepack', '--checkpoint-every=5']))!;
    expect(own.data.argv.filter((a) => a.startsWith('--checkpoint-every'))).toEqual(['--checkpoint-every=5']);
  });

  it('bad options and missing inputs are usage errors; --help plans nothing', async () => {
    await expect(planJob('stylize', ['--pack', 'x', 'in/a.png', '--out', 'o/', '--tile', '9'])).rejects.toThrow(/--tile must be at least 64/);
    await expect(planJob('stylize', ['--pack', 'x', 'in/missing.png', '--out', 'o/'])).rejects.toThrow(/missing\.png does not exist/);
    await expect(planJob('train', ['--style', 'in/a.png', '--out', 'a.png'])).rejects.toThrow(/--out must be a \.stylepack file/);
    let printed = '';
    const w = process.stdout.write;
    process.stdout.write = ((c: string) => ((printed += c), true)) as typeof process.stdout.write;
    try {
      expect(await planJob('stylize', ['--help'])).toBeNull();
    } finally {
      process.stdout.write = w;
    }
    expect(printed).toMatch(/Usage: stylepack stylize/);
  });

  it('strings from Redis cannot drive the terminal', () => {
    expect(oneLine('bad\x1b[2Jname\u202e\nnext')).toBe('bad\\u001b[2Jname\\u202e | next');
  });
});
