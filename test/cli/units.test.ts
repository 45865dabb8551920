// Small pieces of the CLI: deterministic batches, history compaction, the SVG plot, the
// non-TTY progress lines.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { stepSeed } from '@stylepack/core';
import { ContentDataset, resampleTaps } from '../../packages/trainer/src/dataset.js';
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

describe('ContentDataset, multi-scale crops', () => {
  it('resampleTaps: box weights sum to 1 when shrinking, linear when enlarging, indices in range', () => {
    for (const [src, dst] of [[300, 128], [129, 128], [128, 128], [96, 128], [1, 4]]) {
      const { idx, w, n } = resampleTaps(src, dst);
      for (let o = 0; o < dst; o++) {
        let t = 0;
        for (let j = 0; j < n; j++) {
          t += w[o * n + j];
          expect(idx[o * n + j]).toBeGreaterThanOrEqual(0);
          expect(idx[o * n + j]).toBeLessThan(src);
        }
        expect(t).toBeCloseTo(1, 5);
      }
    }
    // 2:1 shrink averages pairs of pixels
    const { idx, w, n } = resampleTaps(4, 2);
    expect([idx[0], idx[1], w[0], w[1]]).toEqual([0, 1, 0.5, 0.5]);
    expect(idx[n] + w[n]).toBe(2.5);
  });

  it('crops are deterministic per (seed, step), in [0,1], and vary in scale', async () => {
    const a = await ContentDataset.load(content, 16, 5, undefined, { scale: [0.75, 2.5] });
    const b = await ContentDataset.load(content, 16, 5, undefined, { scale: [0.75, 2.5] });
    // images are kept larger than without a scale range (for the 2.5× crops), at most their own size
    expect(Math.min(a.items[0].width, a.items[0].height)).toBeGreaterThan(Math.round(16 * 1.15));
    const x = a.batch(3, 4);
    const y = b.batch(3, 4);
    expect(x.shape).toEqual([4, 16, 16, 3]);
    const xs = x.dataSync();
    expect(Array.from(xs)).toEqual(Array.from(y.dataSync()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    // fixture a.png is a gradient (R = 4x, G = 5y): the red range across a crop grows with the
    // crop's source size, so different scales show up as different ranges
    const ranges = new Set<number>();
    for (let step = 0; step < 12; step++) {
      const t = a.batch(step, 1);
      const d = t.dataSync();
      t.dispose();
      let lo = 1, hi = 0;
      for (let i = 0; i < d.length; i += 3) (lo = Math.min(lo, d[i])), (hi = Math.max(hi, d[i]));
      ranges.add(Math.round((hi - lo) * 50));
    }
    expect(ranges.size).toBeGreaterThan(3);
    await expect(ContentDataset.load(content, 16, 5, undefined, { scale: [2, 1] })).rejects.toThrow(/not a range/);
    tf.dispose([x, y]);
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
