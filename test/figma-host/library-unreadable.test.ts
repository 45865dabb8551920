// The plugin's stores never delete or drop what they cannot read (issue 11 item 2): an index
// entry this version cannot parse (e.g. written by a newer version) stays in the index, its
// bytes stay in storage, and the listing says "unreadable (written by a newer version?)".
import { describe, expect, it } from 'vitest';
import { ClientStore } from '../../plugins/figma/src/main/library/client-store.js';
import type { Base64 } from '../../plugins/figma/src/main/library/chunks.js';
import { FileStore, NAMESPACE, type SharedDataNode } from '../../plugins/figma/src/main/library/file-store.js';
import { FigmaHost } from './index.js';

const bytes = (n: number, v = 7) => new Uint8Array(n).fill(v);

function fileStore(): { root: SharedDataNode; store: FileStore } {
  const host = new FigmaHost();
  const root = (host.figma as { root: SharedDataNode }).root;
  return { root, store: new FileStore(root, host.figma as unknown as Base64) };
}
const indexOf = (root: SharedDataNode) => JSON.parse(root.getSharedPluginData(NAMESPACE, 'lib.index')) as { v: number; packs: unknown[] };

// What a newer plugin might write: same index version, an entry shape this version does not know.
const FUTURE_FILE = { id: 'future', name: 'Future pack', gen: 'fut01', parts: 2, byteLength: 10, crc32: 1, savedAt: '2027-01-01T00:00:00Z' };
const FUTURE_NO_GEN = { id: 'future2', name: 'No gen', blobs: ['lib.x9.0'] };

describe('file store keeps entries it cannot read', () => {
  it('saving, replacing and deleting other packs keeps the entry and its chunks', () => {
    const { root, store } = fileStore();
    store.save('good', 'Good', bytes(100));
    const idx = indexOf(root);
    root.setSharedPluginData(NAMESPACE, 'lib.index', JSON.stringify({ v: 1, packs: [...idx.packs, FUTURE_FILE, FUTURE_NO_GEN] }));
    root.setSharedPluginData(NAMESPACE, 'lib.fut01.0', 'future chunk 0');
    root.setSharedPluginData(NAMESPACE, 'lib.fut01.1', 'future chunk 1');
    root.setSharedPluginData(NAMESPACE, 'lib.x9.0', 'chunk of an entry without a gen field');

    const listing = store.list();
    expect(listing.entries.map((e) => e.id)).toEqual(['good']);
    expect(listing.problems.join(' ')).toMatch(/"Future pack" is unreadable \(written by a newer version\?\)/);

    store.save('other', 'Other', bytes(50, 3)); // a new pack
    store.save('good', 'Good v2', bytes(60, 4)); // a replaced pack
    store.delete('other');
    const packs = indexOf(root).packs;
    expect(packs).toContainEqual(FUTURE_FILE);
    expect(packs).toContainEqual(FUTURE_NO_GEN);
    expect(root.getSharedPluginData(NAMESPACE, 'lib.fut01.0')).toBe('future chunk 0');
    expect(root.getSharedPluginData(NAMESPACE, 'lib.fut01.1')).toBe('future chunk 1');
    expect(root.getSharedPluginData(NAMESPACE, 'lib.x9.0')).toBe('chunk of an entry without a gen field');
    expect(store.load('good')).toEqual(bytes(60, 4));
  });

  it('an index of a newer version is never overwritten', () => {
    const { root, store } = fileStore();
    const v2 = JSON.stringify({ v: 2, packs: [FUTURE_FILE] });
    root.setSharedPluginData(NAMESPACE, 'lib.index', v2);
    expect(() => store.save('p', 'P', bytes(10))).toThrow(/Cannot save to this file/);
    store.delete('future');
    expect(root.getSharedPluginData(NAMESPACE, 'lib.index')).toBe(v2);
  });
});

describe('client store keeps entries it cannot read', () => {
  const FUTURE_CLIENT = { id: 'future', name: 'Future pack', key: 'library/pack/fut01', size: 3, hash: 'abc' };

  it('saving, replacing and deleting other packs keeps the entry and its bytes', async () => {
    const host = new FigmaHost();
    const api = (host.figma as { clientStorage: ConstructorParameters<typeof ClientStore>[0] }).clientStorage;
    const store = new ClientStore(api);
    await store.save('good', 'Good', bytes(100));
    const idx = (await api.getAsync('library/index')) as { v: number; packs: unknown[] };
    await api.setAsync('library/index', { v: 1, packs: [...idx.packs, FUTURE_CLIENT] });
    await api.setAsync('library/pack/fut01', bytes(3, 9));

    const listing = await store.list();
    expect(listing.entries.map((e) => e.id)).toEqual(['good']);
    expect(listing.problems.join(' ')).toMatch(/"Future pack" is unreadable \(written by a newer version\?\)/);

    await store.save('other', 'Other', bytes(50, 3));
    await store.save('good', 'Good v2', bytes(60, 4));
    await store.delete('other');
    expect(((await api.getAsync('library/index')) as { packs: unknown[] }).packs).toContainEqual(FUTURE_CLIENT);
    expect(await api.getAsync('library/pack/fut01')).toEqual(bytes(3, 9));
    expect(await store.load('good')).toEqual(bytes(60, 4));
  });
});

// Seeded: random unreadable entries (unknown shapes, damaged fields) mixed into each store's
// index, then random saves, replacements and deletes of readable packs. Whatever the store
// cannot read stays in its index verbatim, and the bytes it may own are never deleted.
describe('plugin stores never delete what they cannot read (seeded)', () => {
  const SEED = Number(process.env.STYLEPACK_FUZZ_SEED ?? 13);
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const oddEntries = (rnd: () => number, n: number, gen: (i: number) => Record<string, unknown>) =>
    Array.from({ length: n }, (_, i) => {
      const e: Record<string, unknown> = gen(i);
      const keys = Object.keys(e);
      const k = keys[Math.floor(rnd() * keys.length)]!;
      const damage = [undefined, null, -1, 1.5, 'x', [], {}, 1e9][Math.floor(rnd() * 8)];
      if (rnd() < 0.3) delete e[k];
      else e[k] = damage;
      if (rnd() < 0.3) e.futureField = { v: 2 };
      return e;
    }).filter((e) => JSON.stringify(e) !== undefined);

  it('file store', () => {
    const rnd = rng(SEED);
    for (let round = 0; round < 20; round++) {
      const { root, store } = fileStore();
      store.save('seed', 'Seed', bytes(10));
      const odd = oddEntries(rnd, 1 + Math.floor(rnd() * 3), (i) => ({ id: `odd${i}`, name: `Odd ${i}`, gen: `odd${round}x${i}`, count: 1, byteLength: 4, crc32: 0, savedAt: 'then' }));
      root.setSharedPluginData(NAMESPACE, 'lib.index', JSON.stringify({ v: 1, packs: [...indexOf(root).packs, ...odd] }));
      const oddChunks = odd.map((_, i) => `lib.odd${round}x${i}.0`);
      for (const k of oddChunks) root.setSharedPluginData(NAMESPACE, k, `payload of ${k}`);
      const stillReadable = store.list().entries.map((e) => e.id);
      for (let op = 0; op < 12; op++) {
        const id = `p${Math.floor(rnd() * 4)}`;
        if (rnd() < 0.7) store.save(id, id.toUpperCase(), bytes(1 + Math.floor(rnd() * 2000), op));
        else store.delete(id);
      }
      const packs = indexOf(root).packs;
      for (const e of odd) if (!stillReadable.includes(e.id as string)) expect(packs, `seed ${SEED} round ${round}`).toContainEqual(e);
      for (const k of oddChunks) expect(root.getSharedPluginData(NAMESPACE, k), `seed ${SEED} round ${round}`).toBe(`payload of ${k}`);
    }
  });

  it('client store', async () => {
    const rnd = rng(SEED + 1);
    for (let round = 0; round < 20; round++) {
      const host = new FigmaHost();
      const api = (host.figma as { clientStorage: ConstructorParameters<typeof ClientStore>[0] }).clientStorage;
      const store = new ClientStore(api);
      await store.save('seed', 'Seed', bytes(10));
      const odd = oddEntries(rnd, 1 + Math.floor(rnd() * 3), (i) => ({ id: `odd${i}`, name: `Odd ${i}`, key: `library/pack/odd${round}x${i}`, byteLength: 4, crc32: 0, savedAt: 'then' }));
      const idx = (await api.getAsync('library/index')) as { packs: unknown[] };
      await api.setAsync('library/index', { v: 1, packs: [...idx.packs, ...odd] });
      const oddKeys = odd.map((_, i) => `library/pack/odd${round}x${i}`);
      for (const k of oddKeys) await api.setAsync(k, bytes(4, 5));
      const stillReadable = (await store.list()).entries.map((e) => e.id);
      for (let op = 0; op < 12; op++) {
        const id = `p${Math.floor(rnd() * 4)}`;
        if (rnd() < 0.7) await store.save(id, id.toUpperCase(), bytes(1 + Math.floor(rnd() * 2000), op));
        else await store.delete(id);
      }
      const packs = ((await api.getAsync('library/index')) as { packs: unknown[] }).packs;
      for (const e of odd) if (!stillReadable.includes(e.id as string)) expect(packs, `seed ${SEED} round ${round}`).toContainEqual(e);
      for (const k of oddKeys) expect(await api.getAsync(k), `seed ${SEED} round ${round}`).toEqual(bytes(4, 5));
    }
  });
});
