// The panel's pack library (issue 11 items 3 and 4): a pack from another home can never replace
// a built-in (same id → both listed, each saying where it comes from), and a pack whose weights
// do not hash to the base sha256 it claims is refused, on import and in the library.
import { describe, expect, it } from 'vitest';
import { decodePack, encodePack } from '@stylepack/core';
import { makeTestPack, type TestPack } from '../testing/make-pack.js';
import { PackLibrary } from './pack-library.js';
import { validatePack } from './pack-import.js';

const ID = 'van-gogh-starry-night';

async function forgedBase(genuine: TestPack): Promise<Uint8Array> {
  // Other weights (seed 7) under the genuine base's id and sha256.
  const other = await decodePack((await makeTestPack({ seed: 7, id: 'forged' })).bytes);
  return encodePack(
    {
      meta: { ...other.manifest, id: 'forged', baseModel: { id: `test-base-5`, sha256: genuine.baseSha } },
      styles: other.styles,
      weights: other.weights,
    },
    { encoding: 'float32', weightsEncoding: 'float32' },
  );
}

describe('PackLibrary: homes', () => {
  it('an in-file or imported pack reusing a built-in id is listed beside it, never instead of it', async () => {
    const builtin = await makeTestPack({ seed: 5, id: ID, name: 'Starry Night' });
    const spoof = await makeTestPack({ seed: 6, baseSeed: 5, id: ID, name: 'Starry Night', withWeights: false });
    const lib = new PackLibrary();
    await lib.add(builtin.bytes, 'builtin');
    await lib.add(spoof.bytes, 'file');
    await lib.add(spoof.bytes, 'mine');
    const styles = lib.styles();
    expect(styles.map((s) => s.name)).toEqual(['Starry Night', 'Starry Night', 'Starry Night']);
    expect(styles.map((s) => [s.key, s.label, s.home])).toEqual([
      [`${ID}#0`, 'Starry Night (built-in)', 'builtin'],
      [`${ID}#0@file`, 'Starry Night (this file)', 'file'],
      [`${ID}#0@mine`, 'Starry Night (Mine)', 'mine'],
    ]);
    // The built-in key still gives the built-in's vectors.
    const k = Object.keys(builtin.styles[0]!)[0]!;
    expect(lib.vectors(`${ID}#0`).vectors[k]!.data).toEqual(builtin.styles[0]![k]!.data);
    expect(lib.vectors(`${ID}#0@file`).vectors[k]!.data).toEqual((await decodePack(spoof.bytes)).styles[0]!.tensors[k]!.data);
    // Removing the in-file copy leaves the others.
    lib.remove('file', ID);
    expect(lib.styles().map((s) => s.key)).toEqual([`${ID}#0`, `${ID}#0@mine`]);
    lib.remove('mine', ID);
    expect(lib.styles().map((s) => s.label)).toEqual(['Starry Night']);
  });
});

describe('forged base model', () => {
  it('weights that do not hash to the claimed sha256 are refused on import and by the library', async () => {
    const genuine = await makeTestPack({ seed: 5, id: 'base-genuine' });
    const forged = await forgedBase(genuine);
    const lib = new PackLibrary();
    await lib.add(genuine.bytes, 'builtin');
    const bases = [{ id: 'test-base-5', sha256: genuine.baseSha, weights: genuine.weights }];
    await expect(validatePack(forged, bases, 'forged.stylepack')).rejects.toThrow(/forged\.stylepack was rejected: .*weights do not match the base model checksum it claims/);
    await expect(lib.add(forged, 'file')).rejects.toThrow(/do not match the base model checksum/);
    expect(lib.baseWeights(genuine.baseSha)).toBe(lib.get('base-genuine')!.weights);
    // A base shipped with the plugin serves its sha first.
    const shipped = new PackLibrary();
    await shipped.add(genuine.bytes, 'mine');
    shipped.addBuiltinBase(await decodePack(genuine.bytes));
    expect(shipped.baseWeights(genuine.baseSha)).not.toBe(shipped.get('base-genuine', 'mine')!.weights);
    expect(shipped.baseWeights(genuine.baseSha)!['c1/w']!.data).toEqual(genuine.weights['c1/w']!.data);
    // The genuine base still imports.
    await expect(validatePack(genuine.bytes, bases, 'genuine.stylepack')).resolves.toBeTruthy();
  });
});
