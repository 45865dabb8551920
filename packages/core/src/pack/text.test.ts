// Text fields that could make a name display as another (issue 11 item 7): the single-line check
// also refuses U+200E/U+200F (LRM/RLM), U+061C (ALM) and C1 controls; multi-line text too.
import { describe, expect, it } from 'vitest';
import { PackError, decodePack, encodePack } from './index.js';
import { editPack, sampleInput } from './fixtures/testkit.js';

describe('pack text fields', () => {
  it.each([
    ['200F (RLM)', '\u200f'],
    ['200E (LRM)', '\u200e'],
    ['061C (ALM)', '\u061c'],
    ['009B (CSI)', '\u009b'],
    ['0085 (NEL)', '\u0085'],
  ])('a name holding U+%s is refused when read and when written', async (_label, ch) => {
    const good = await encodePack(sampleInput());
    const bad = await editPack(good, (m) => void (m.name = `Starry${ch}Night`));
    await expect(decodePack(bad)).rejects.toMatchObject({ code: 'BAD_MANIFEST', message: expect.stringMatching(/manifest\.name contains control or text-direction characters/) });
    const input = sampleInput();
    input.meta.name = `Starry${ch}Night`;
    await expect(encodePack(input)).rejects.toBeInstanceOf(PackError);
  });

  it('a description holding a C1 control (CSI) is refused', async () => {
    const bad = await editPack(await encodePack(sampleInput()), (m) => void (m.description = 'line one\n\u009b2J'));
    await expect(decodePack(bad)).rejects.toMatchObject({ code: 'BAD_MANIFEST' });
  });
});
