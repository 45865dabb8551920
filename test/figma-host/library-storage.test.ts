// The plugin's pack-library storage (plugins/figma/src/main/library) against the emulated host:
// chunking around Figma's 100 kB plugin-data entry limit, damaged chunk sets, the clientStorage
// 5 MB quota, and "a failed write loses nothing".
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, ChunkError, crc32, joinChunks, splitChunks, type Base64 } from '../../plugins/figma/src/main/library/chunks.js';
import { ClientStore, QuotaError } from '../../plugins/figma/src/main/library/client-store.js';
import { FileStore, NAMESPACE, type SharedDataNode } from '../../plugins/figma/src/main/library/file-store.js';
import { CLIENT_STORAGE_QUOTA, FigmaHost, PLUGIN_DATA_ENTRY_LIMIT } from './index.js';

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Byte equality without vitest's slow element-wise diff of large typed arrays. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function fileStore(host = new FigmaHost()): { host: FigmaHost; root: SharedDataNode; store: FileStore } {
  const root = (host.figma as { root: SharedDataNode }).root;
  return { host, root, store: new FileStore(root, host.figma as unknown as Base64) };
}

describe('chunks: CRC-32', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('file store: shared plugin data in chunks', () => {
  // Sizes around one chunk, i.e. around the 100 kB per-entry limit.
  for (const n of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, 2 * CHUNK_BYTES + 1, 300_000]) {
    it(`${n} bytes: ${Math.max(1, Math.ceil(n / CHUNK_BYTES))} chunk(s), every entry ≤ 100 kB, round-trips`, () => {
      const { host, root, store } = fileStore();
      const b = bytes(n, n);
      store.save('p', 'Pack', b);
      expect(same(store.load('p'), b)).toBe(true);
      const keys = root.getSharedPluginDataKeys(NAMESPACE);
      expect(keys.filter((k) => k !== 'lib.index')).toHaveLength(Math.max(1, Math.ceil(n / CHUNK_BYTES)));
      for (const k of keys) expect(Buffer.byteLength(k) + Buffer.byteLength(root.getSharedPluginData(NAMESPACE, k))).toBeLessThanOrEqual(PLUGIN_DATA_ENTRY_LIMIT);
      // A second plugin session (same document) reads it back.
      expect(same(new FileStore(host.root.api as unknown as SharedDataNode, host.figma as unknown as Base64).load('p'), b)).toBe(true);
    });
  }

  it('a full chunk is within a few hundred bytes of the limit (the host would throw above it)', () => {
    const { root, store } = fileStore();
    store.save('p', 'Pack', bytes(CHUNK_BYTES));
    const k = root.getSharedPluginDataKeys(NAMESPACE).find((x) => x !== 'lib.index')!;
    const size = Buffer.byteLength(k) + Buffer.byteLength(root.getSharedPluginData(NAMESPACE, k));
    expect(size).toBeGreaterThan(PLUGIN_DATA_ENTRY_LIMIT - 300);
    expect(() => root.setSharedPluginData(NAMESPACE, 'x', 'y'.repeat(PLUGIN_DATA_ENTRY_LIMIT))).toThrow(/100 kB limit/);
  });

  function damaged(mutate: (root: SharedDataNode, chunkKeys: string[]) => void): string {
    const { root, store } = fileStore();
    store.save('p', 'Damaged', bytes(3 * CHUNK_BYTES - 10, 5));
    const keys = root.getSharedPluginDataKeys(NAMESPACE).filter((k) => k !== 'lib.index').sort();
    mutate(root, keys);
    try {
      store.load('p');
    } catch (e) {
      expect(e).toBeInstanceOf(ChunkError);
      return (e as Error).message;
    }
    throw new Error('load should have failed');
  }

  it('rejects a missing chunk, naming it', () => {
    expect(damaged((r, k) => r.setSharedPluginData(NAMESPACE, k[1]!, ''))).toMatch(/"Damaged".*incomplete: chunk 2 of 3 is missing/);
  });

  it('rejects a duplicated chunk (chunk 1 copied over chunk 3)', () => {
    expect(damaged((r, k) => r.setSharedPluginData(NAMESPACE, k[2]!, r.getSharedPluginData(NAMESPACE, k[0]!)))).toMatch(/chunk 3 of 3 holds chunk 1 instead \(duplicated/);
  });

  it('rejects a checksum mismatch (one base64 character changed)', () => {
    const msg = damaged((r, k) => {
      const v = r.getSharedPluginData(NAMESPACE, k[1]!);
      const i = v.length - 100;
      r.setSharedPluginData(NAMESPACE, k[1]!, v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1));
    });
    expect(msg).toMatch(/chunk 2 of 3 is damaged \(checksum mismatch\)/);
  });

  it('rejects a truncated chunk and a chunk from another generation', () => {
    expect(damaged((r, k) => r.setSharedPluginData(NAMESPACE, k[0]!, r.getSharedPluginData(NAMESPACE, k[0]!).slice(0, 5000)))).toMatch(/chunk 1 of 3 is damaged/);
    const b64 = new FigmaHost().figma as unknown as Base64;
    const { info, chunks } = splitChunks('othergen', bytes(10), b64);
    expect(() => joinChunks({ ...info, gen: 'mine' }, chunks, b64)).toThrow(/another copy/);
  });

  it('a failed save leaves the old pack readable and no stray chunks', () => {
    const { host, root, store } = fileStore();
    const v1 = bytes(200_000, 1);
    store.save('p', 'Pack', v1);
    const keysBefore = root.getSharedPluginDataKeys(NAMESPACE).sort();
    // The host starts refusing writes after two chunks (e.g. the document hit a limit).
    const real = root.setSharedPluginData.bind(root);
    let writes = 0;
    const flaky: SharedDataNode = {
      getSharedPluginData: (ns, k) => root.getSharedPluginData(ns, k),
      getSharedPluginDataKeys: (ns) => root.getSharedPluginDataKeys(ns),
      setSharedPluginData: (ns, k, v) => {
        if (v !== '' && ++writes > 2) throw new Error('in setSharedPluginData: document is full');
        real(ns, k, v);
      },
    };
    expect(() => new FileStore(flaky, host.figma as unknown as Base64).save('p', 'Pack v2', bytes(400_000, 2))).toThrow(/Could not save "Pack v2" in this file: .*document is full/);
    expect(same(store.load('p'), v1)).toBe(true);
    expect(store.list().entries.map((e) => e.name)).toEqual(['Pack']);
    expect(root.getSharedPluginDataKeys(NAMESPACE).sort()).toEqual(keysBefore);
  });

  it('replacing a pack writes a new generation, then removes the old chunks', () => {
    const { root, store } = fileStore();
    store.save('a', 'A', bytes(100_000, 1));
    store.save('b', 'B', bytes(10, 2));
    store.save('a', 'A2', bytes(50, 3));
    expect(same(store.load('a'), bytes(50, 3))).toBe(true);
    expect(same(store.load('b'), bytes(10, 2))).toBe(true);
    expect(store.list().entries.map((e) => e.name)).toEqual(['A2', 'B']);
    expect(root.getSharedPluginDataKeys(NAMESPACE).filter((k) => k !== 'lib.index')).toHaveLength(2);
    store.delete('a');
    expect(store.list().entries.map((e) => e.id)).toEqual(['b']);
    expect(root.getSharedPluginDataKeys(NAMESPACE).filter((k) => k !== 'lib.index')).toHaveLength(1);
  });

  it('a damaged index is reported and never overwritten', () => {
    const { root, store } = fileStore();
    root.setSharedPluginData(NAMESPACE, 'lib.index', '{not json');
    expect(store.list()).toMatchObject({ entries: [], problems: [expect.stringMatching(/damaged/)] });
    expect(() => store.save('p', 'P', bytes(10))).toThrow(/Cannot save to this file/);
    expect(root.getSharedPluginData(NAMESPACE, 'lib.index')).toBe('{not json');
  });
});

describe('client store: figma.clientStorage with the 5 MB quota', () => {
  const storage = (host: FigmaHost) => (host.figma as { clientStorage: ConstructorParameters<typeof ClientStore>[0] }).clientStorage;

  it('saves, lists with usage, loads, replaces and deletes', async () => {
    const host = new FigmaHost({ clientStorage: { 'settings/v1': { strength: 1 } } });
    const store = new ClientStore(storage(host));
    await store.save('a', 'A', bytes(1000));
    const l = await store.list();
    expect(l.entries).toMatchObject([{ id: 'a', name: 'A', byteLength: 1000 }]);
    expect(l.quotaBytes).toBe(CLIENT_STORAGE_QUOTA);
    expect(l.usedBytes).toBeGreaterThan(1000);
    expect(same(await store.load('a'), bytes(1000))).toBe(true);
    await store.save('a', 'A2', bytes(10, 9));
    expect(same(await store.load('a'), bytes(10, 9))).toBe(true);
    expect([...host.storage.keys()].filter((k) => k.startsWith('library/pack/'))).toHaveLength(1);
    await store.delete('a');
    expect((await store.list()).entries).toEqual([]);
    expect([...host.storage.keys()]).toEqual(['settings/v1', 'library/index']);
  });

  it('refuses a pack that would exceed the quota with a clear message, keeping what is stored', async () => {
    const host = new FigmaHost();
    const store = new ClientStore(storage(host));
    await store.save('big1', 'Big one', bytes(2_500_000, 1));
    await store.save('big2', 'Big two', bytes(2_400_000, 2));
    const used = (await store.list()).usedBytes;
    expect(used).toBeLessThanOrEqual(CLIENT_STORAGE_QUOTA);
    const err = await store.save('big3', 'Big three', bytes(400_000, 3)).catch((e) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect(err.message).toMatch(/Your library is full: 4\.\d+ MB of 5\.00 MB used, and "Big three" needs 391 kB .*"This file"/);
    expect((await store.list()).entries.map((e) => e.id)).toEqual(['big1', 'big2']);
    expect(same(await store.load('big1'), bytes(2_500_000, 1))).toBe(true);
    // Replacing needs room for both copies for a moment: refused too, the old copy stays.
    await expect(store.save('big1', 'Big one v2', bytes(2_500_000, 4))).rejects.toThrow(QuotaError);
    expect(same(await store.load('big1'), bytes(2_500_000, 1))).toBe(true);
  });

  it("the host's own quota error is translated, and leaves nothing half-written", async () => {
    const host = new FigmaHost();
    const api = storage(host);
    // A store that believes the quota is larger than the host's: the host refuses the write.
    const store = new ClientStore(api, 50 * 1024 * 1024);
    await store.save('a', 'A', bytes(3_000_000, 1));
    await expect(store.save('b', 'B', bytes(3_000_000, 2))).rejects.toThrow(/Your library is full: "B" does not fit/);
    expect((await store.list()).entries.map((e) => e.id)).toEqual(['a']);
    expect([...host.storage.keys()].filter((k) => k.startsWith('library/pack/'))).toHaveLength(1);
  });

  it('a damaged stored copy is reported on load', async () => {
    const host = new FigmaHost();
    const store = new ClientStore(storage(host));
    await store.save('a', 'A', bytes(1000));
    const key = [...host.storage.keys()].find((k) => k.startsWith('library/pack/'))!;
    const b = host.storage.get(key) as Uint8Array;
    b[10] ^= 1;
    await expect(store.load('a')).rejects.toThrow(/"A" in your library is damaged \(checksum mismatch\)/);
  });
});
