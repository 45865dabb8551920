// The plugin refuses files larger than any pack before reading them (issue 11 item 6): a picked
// or dropped file by its size, and an in-file pack whose index entry claims too many chunks
// before any chunk is read.
import { describe, expect, it } from 'vitest';
import type { Base64 } from '../../plugins/figma/src/main/library/chunks.js';
import { FileStore, NAMESPACE, type SharedDataNode } from '../../plugins/figma/src/main/library/file-store.js';
import { readPackFile } from '../../plugins/figma/src/ui/pack-import.js';
import { FigmaHost } from './index.js';

describe('plugin: pack size before reading', () => {
  it('a picked file of 2 GiB is refused by its size; its bytes are never read', async () => {
    let read = false;
    const file = { name: 'huge.stylepack', size: 2 * 1024 ** 3, arrayBuffer: async () => ((read = true), new ArrayBuffer(0)) };
    await expect(readPackFile(file)).rejects.toThrow(/huge\.stylepack was rejected: The file is 2 GiB; a style pack is at most 16 MiB, and no pack is that large/);
    expect(read).toBe(false);
    const small = { name: 'ok.stylepack', size: 3, arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer };
    expect(await readPackFile(small)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('an in-file index entry claiming 10,000 chunks is refused before any chunk is read', () => {
    const host = new FigmaHost();
    const root = (host.figma as { root: SharedDataNode }).root;
    const entry = { id: 'big', name: 'Big', gen: 'g1', count: 10_000, byteLength: 766_800_000, crc32: 0, savedAt: '2026-01-01T00:00:00Z' };
    root.setSharedPluginData(NAMESPACE, 'lib.index', JSON.stringify({ v: 1, packs: [entry] }));
    const reads: string[] = [];
    const spy: SharedDataNode = {
      getSharedPluginData: (ns, key) => (reads.push(key), root.getSharedPluginData(ns, key)),
      setSharedPluginData: (ns, key, v) => root.setSharedPluginData(ns, key, v),
      getSharedPluginDataKeys: (ns) => root.getSharedPluginDataKeys(ns),
    };
    expect(() => new FileStore(spy, host.figma as unknown as Base64).load('big')).toThrow(/"Big" \(saved in this file\) claims 10000 chunks .*no pack is larger than 16 MiB/);
    expect(reads.filter((k) => k !== 'lib.index')).toEqual([]);
  });
});
