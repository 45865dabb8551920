// Small pieces of the CLI: deterministic batches, history compaction, the SVG plot, the
// non-TTY progress lines.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ContentDataset, stepSeed } from '../../packages/trainer/src/dataset.js';
import { compactHistory } from '../../packages/trainer/src/commands/pretrain.js';
import { lossCurveSvg } from '../../packages/trainer/src/plot.js';
import { Progress } from '../../packages/trainer/src/progress.js';
import { makeFixtures, tempDir } from './helpers.js';

const tmp = tempDir('units');
let content = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  content = (await makeFixtures(tmp.dir)).content;
});
afterAll(() => tmp.cleanup());

describe('ContentDataset', () => {
  it('a step\u2019s batch depends only on (seed, step)', async () => {
    const a = await ContentDataset.load(content, 32, 5);
    const b = await ContentDataset.load(content, 32, 5);
    const x = a.batch(3, 2);
    a.batch(4, 2).dispose(); // other steps in between change nothing
    const y = b.batch(3, 2);
    expect(x.shape).toEqual([2, 32, 32, 3]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    const z = a.batch(9, 2);
    expect(Array.from(z.dataSync())).not.toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y, z]);
    expect(new Set([0, 1, 2, 3].map((s) => stepSeed(5, s))).size).toBe(4);
  });
});

describe('history, plot, progress', () => {
  it('compactHistory halves long histories and keeps the last step', () => {
    const h = Array.from({ length: 4002 }, (_, i) => ({ step: i + 1, losses: { g: i } }));
    const c = compactHistory(h);
    expect(c.length).toBe(2001);
    expect(c[0]).toEqual({ step: 2, losses: { g: 0.5 } });
    expect(c[c.length - 1].step).toBe(4002);
    expect(compactHistory(h.slice(0, 10))).toHaveLength(10);
  });

  it('lossCurveSvg draws one panel per loss', () => {
    const svg = lossCurveSvg(Array.from({ length: 30 }, (_, i) => ({ step: i + 1, losses: { content: 1 / (i + 1), style: 5 } })), { title: 'a < b' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt; b');
    expect(svg.match(/<path /g)?.length).toBe(4); // raw + smoothed per loss
    expect(svg).toContain('>log<'); // content spans over a decade
  });

  it('Progress prints plain lines with step, rate, ETA and losses when not a TTY', () => {
    let text = '';
    const stream = new Writable({ write: (c, _e, cb) => ((text += c), cb()) }) as unknown as NodeJS.WriteStream;
    const p = new Progress({ label: 'pretrain', total: 10, start: 4, stream, intervalMs: 0 });
    p.update(5, { G: 1.5 });
    p.update(10, { G: 0.25 });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pretrain step 5\/10 {2}[\d.]+ steps\/s {2}ETA \S+ {2}G 1\.50$/);
    expect(lines[1]).toMatch(/step 10\/10 .*ETA 0s {2}G 0\.250$/);
  });
});
