// Sanity limits on what a style's vectors may hold (issue 11 item 13): a hostile pack with a
// recomputed checksum could still make a flat (all-zero gamma) or saturated (±65504) image.
import { describe, expect, it } from 'vitest';
import { decodePack, encodePack } from './index.js';
import { sampleInput } from './fixtures/testkit.js';
import { MIN_GAMMA_MEAN_ABS, STYLE_VALUE_LIMIT } from './style-limits.js';

async function packWith(edit: (t: Record<string, { data: Float32Array }>) => void, encoding: 'float16' | 'float32' = 'float32'): Promise<Uint8Array> {
  const input = sampleInput();
  edit(input.styles[1]!.tensors as Record<string, { data: Float32Array }>);
  return encodePack(input, { encoding, weightsEncoding: 'float32' });
}

describe('style vector limits', () => {
  it('the limits are far outside what training produces (built-ins: gamma -1.7..4.6, beta -1.4..1.5)', () => {
    expect(STYLE_VALUE_LIMIT).toBe(32);
    expect(MIN_GAMMA_MEAN_ABS).toBe(0.01);
  });

  it('a normal pack decodes', async () => {
    await expect(decodePack(await packWith(() => {}))).resolves.toBeTruthy();
  });

  it.each([
    ['gamma all zero (a flat image)', (t: Record<string, { data: Float32Array }>) => t['c2/gamma']!.data.fill(0), /style "Style 2" tensor "c2\/gamma" is all but zero \(mean \|value\| 0\)/],
    ['±65504 (a saturated image)', (t: Record<string, { data: Float32Array }>) => void (t['r1a/beta']!.data[3] = -65504), /style "Style 2" tensor "r1a\/beta" holds -65504 at index 3, outside ±32/],
    ['40 in a gamma', (t: Record<string, { data: Float32Array }>) => void (t['c1/gamma']!.data[0] = 40), /holds 40 at index 0, outside ±32/],
  ])('%s is refused with BAD_VALUE', async (_what, edit, msg) => {
    const bytes = await packWith(edit, 'float16');
    await expect(decodePack(bytes)).rejects.toMatchObject({ code: 'BAD_VALUE', message: expect.stringMatching(msg) });
  });
});
