// Packs stored in the document ("this file"): shared plugin data on figma.root, namespace
// "stylepack", so everyone who opens the file gets them. Each pack is split into chunks under
// Figma's 100 kB per-entry limit (chunks.ts) with CRC-32 checksums.
//
// Keys: "lib.index" → JSON { v: 1, packs: [{ id, name, gen, count, byteLength, crc32, savedAt }] };
//       "lib.<gen>.<i>" → chunk i of the pack written in generation <gen>.
// A save writes every chunk under a NEW generation, then swaps the index entry, then deletes the
// old generation's chunks. A failure before the swap removes the new chunks and leaves the old
// pack (and the index) untouched; a failure after it only leaves garbage, swept on the next save.
import type { HomeListing, LibraryEntry } from '../../protocol.js';
import { errText } from '../../shared/errors.js';
import { CHUNK_BYTES, ChunkError, joinChunks, newGen, splitChunks, type Base64, type ChunkedInfo } from './chunks.js';
import { unreadableNote } from './unreadable.js';
import { PLUGIN_MAX_PACK_BYTES } from '../../shared/limits.js';

export const NAMESPACE = 'stylepack';
const INDEX_KEY = 'lib.index';
const chunkKey = (gen: string, i: number) => `lib.${gen}.${i}`;
/** Chunks of the largest pack the plugin accepts. */
export const MAX_PACK_CHUNKS = Math.ceil(PLUGIN_MAX_PACK_BYTES / CHUNK_BYTES);
/** The index itself must fit one entry; cap the number of packs well below that. */
export const MAX_FILE_PACKS = 200;

/** The shared-plugin-data surface of a node (figma.root in the plugin; any node in tests). */
export interface SharedDataNode {
  getSharedPluginData(namespace: string, key: string): string;
  setSharedPluginData(namespace: string, key: string, value: string): void;
  getSharedPluginDataKeys(namespace: string): string[];
}

interface FileEntry extends ChunkedInfo {
  id: string;
  name: string;
  savedAt: string;
}


export class FileStore {
  constructor(
    private readonly node: SharedDataNode,
    private readonly base64: Base64,
  ) {}

  /**
   * `kept`: index entries this version cannot read, written back verbatim by every index write;
   * `keptGens`: the chunk generations they may own (null when one of them names none, so no
   * chunk can safely be swept).
   */
  private readIndex(): { entries: FileEntry[]; problems: string[]; kept: unknown[]; keptGens: Set<string> | null } {
    const raw = this.node.getSharedPluginData(NAMESPACE, INDEX_KEY);
    const kept: unknown[] = [];
    let keptGens: Set<string> | null = new Set();
    if (!raw) return { entries: [], problems: [], kept, keptGens };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return { entries: [], problems: ['The list of packs saved in this file is damaged (not JSON); the packs cannot be found.'], kept, keptGens };
    }
    const packs = (parsed as { v?: unknown; packs?: unknown })?.packs;
    if ((parsed as { v?: unknown })?.v !== 1 || !Array.isArray(packs)) {
      return { entries: [], problems: ['The list of packs saved in this file is from another version of the plugin or damaged.'], kept, keptGens };
    }
    const entries: FileEntry[] = [];
    const problems: string[] = [];
    for (const p of packs as Record<string, unknown>[]) {
      const ok =
        p && typeof p.id === 'string' && typeof p.name === 'string' && typeof p.gen === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(p.gen) &&
        Number.isInteger(p.count) && (p.count as number) > 0 && (p.count as number) <= 10_000 &&
        Number.isInteger(p.byteLength) && Number.isInteger(p.crc32) && typeof p.savedAt === 'string';
      if (ok) {
        entries.push(p as unknown as FileEntry);
        continue;
      }
      kept.push(p);
      problems.push(unreadableNote(p, 'in this file'));
      const gen = p && typeof p === 'object' ? p.gen : undefined;
      if (typeof gen === 'string' && keptGens) keptGens.add(gen);
      else keptGens = null;
    }
    return { entries, problems, kept, keptGens };
  }

  private writeIndex(entries: FileEntry[], kept: unknown[]): void {
    this.node.setSharedPluginData(NAMESPACE, INDEX_KEY, JSON.stringify({ v: 1, packs: [...entries, ...kept] }));
  }

  list(): HomeListing {
    const { entries, problems } = this.readIndex();
    return { entries: entries.map(publicEntry), problems };
  }

  /** The pack's bytes, verified chunk by chunk (ChunkError with a message on any damage). */
  load(id: string): Uint8Array {
    const e = this.readIndex().entries.find((x) => x.id === id);
    if (!e) throw new Error(`No pack "${id}" is saved in this file.`);
    // The index is untrusted (anyone who edits the file writes it): cap what it may make us read.
    if (e.count > MAX_PACK_CHUNKS || e.byteLength > PLUGIN_MAX_PACK_BYTES) {
      throw new Error(`"${e.name}" (saved in this file) claims ${e.count} chunks of ${e.byteLength} bytes; no pack is larger than ${PLUGIN_MAX_PACK_BYTES / 1024 / 1024} MiB, so it was not read. The file's list of packs was damaged or edited.`);
    }
    const values: string[] = [];
    for (let i = 0; i < e.count; i++) values.push(this.node.getSharedPluginData(NAMESPACE, chunkKey(e.gen, i)));
    return joinChunks(e, values, this.base64, `"${e.name}" (saved in this file)`);
  }

  /** Save (or replace) a pack. Nothing already stored is lost if this throws. */
  save(id: string, name: string, bytes: Uint8Array): LibraryEntry {
    const { entries, problems, kept, keptGens } = this.readIndex();
    if (problems.length && this.node.getSharedPluginData(NAMESPACE, INDEX_KEY) && entries.length === 0 && kept.length === 0) {
      // Never overwrite an index we could not read: its packs might still be recoverable.
      throw new Error(`Cannot save to this file: ${problems[0]}`);
    }
    const old = entries.find((x) => x.id === id);
    if (!old && entries.length >= MAX_FILE_PACKS) throw new Error(`This file already holds ${MAX_FILE_PACKS} packs; delete some first.`);
    const { info, chunks } = splitChunks(newGen(), bytes, this.base64);
    const written: string[] = [];
    try {
      chunks.forEach((c, i) => {
        const key = chunkKey(info.gen, i);
        this.node.setSharedPluginData(NAMESPACE, key, c);
        written.push(key);
      });
      // Read back before publishing: a host that silently truncated would be caught here.
      joinChunks(info, chunks.map((_, i) => this.node.getSharedPluginData(NAMESPACE, chunkKey(info.gen, i))), this.base64, `"${name}"`);
      const entry: FileEntry = { ...info, id, name, savedAt: new Date().toISOString() };
      const next = old ? entries.map((x) => (x.id === id ? entry : x)) : [...entries, entry];
      this.writeIndex(next, kept); // the swap: from here on readers see the new pack
      if (old && keptGens && !keptGens.has(old.gen)) this.deleteChunks(old);
      if (keptGens) this.sweep(next, keptGens);
      return publicEntry(entry);
    } catch (e) {
      for (const key of written) {
        try {
          this.node.setSharedPluginData(NAMESPACE, key, '');
        } catch {
          /* best effort */
        }
      }
      if (e instanceof ChunkError) throw e;
      throw new Error(`Could not save "${name}" in this file: ${errText(e)}`);
    }
  }

  delete(id: string): void {
    const { entries, kept, keptGens } = this.readIndex();
    const e = entries.find((x) => x.id === id);
    if (!e) return;
    this.writeIndex(entries.filter((x) => x.id !== id), kept);
    if (keptGens && !keptGens.has(e.gen)) this.deleteChunks(e);
  }

  private deleteChunks(e: ChunkedInfo): void {
    for (let i = 0; i < e.count; i++) this.node.setSharedPluginData(NAMESPACE, chunkKey(e.gen, i), '');
  }

  /** Remove chunks no index entry refers to (left by an interrupted save). */
  private sweep(entries: FileEntry[], keptGens: Set<string>): void {
    const live = new Set([...entries.map((e) => e.gen), ...keptGens]);
    for (const key of this.node.getSharedPluginDataKeys(NAMESPACE)) {
      const m = /^lib\.([A-Za-z0-9_-]+)\.\d+$/.exec(key);
      if (m && !live.has(m[1]!)) this.node.setSharedPluginData(NAMESPACE, key, '');
    }
  }
}

function publicEntry(e: FileEntry): LibraryEntry {
  return { id: e.id, name: e.name, byteLength: e.byteLength, savedAt: e.savedAt };
}
