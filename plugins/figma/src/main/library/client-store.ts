// Packs stored for this user ("mine"): figma.clientStorage, which Figma limits to 5 MB per
// plugin. Usage is counted the way the quota is documented (key length + JSON size of the value;
// a Uint8Array counts its byte length), shown in the panel, and checked before a write so a full
// store refuses with a clear message instead of failing half-way.
//
// Keys: "library/index" → { v: 1, packs: [{ id, name, key, byteLength, crc32, savedAt }] };
//       "library/pack/<gen>" → the pack's bytes (Uint8Array).
// A save writes the bytes under a new key, then swaps the index, then deletes the old key.
import type { HomeListing, LibraryEntry } from '../../protocol.js';
import { errText } from '../../shared/errors.js';
import { crc32, newGen } from './chunks.js';
import { unreadableNote } from './unreadable.js';

export const CLIENT_STORAGE_QUOTA = 5 * 1024 * 1024;
const INDEX_KEY = 'library/index';
const packKey = (gen: string) => `library/pack/${gen}`;

export interface ClientStorageApi {
  getAsync(key: string): Promise<unknown>;
  setAsync(key: string, value: unknown): Promise<void>;
  deleteAsync(key: string): Promise<void>;
  keysAsync(): Promise<string[]>;
}

interface ClientEntry {
  id: string;
  name: string;
  key: string;
  byteLength: number;
  crc32: number;
  savedAt: string;
}

export class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

const isU8 = (v: unknown): v is Uint8Array => v instanceof Uint8Array || Object.prototype.toString.call(v) === '[object Uint8Array]';

/** Bytes a value counts against the quota (as documented by Figma). */
export function storedSize(v: unknown): number {
  if (isU8(v)) return v.byteLength;
  if (v === undefined) return 0;
  if (Array.isArray(v)) return 2 + v.reduce((s: number, x) => s + storedSize(x) + 1, 0);
  if (v && typeof v === 'object') return 2 + Object.entries(v).reduce((s, [k, x]) => s + k.length + 3 + storedSize(x) + 1, 0);
  return JSON.stringify(v)?.length ?? 0;
}

export const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} kB` : `${(n / 1024 / 1024).toFixed(2)} MB`);

export class ClientStore {
  constructor(
    private readonly storage: ClientStorageApi,
    readonly quota = CLIENT_STORAGE_QUOTA,
  ) {}

  /** `kept`: index entries this version cannot read, written back verbatim by every index write. */
  private async readIndex(): Promise<{ entries: ClientEntry[]; problems: string[]; raw: unknown; kept: unknown[] }> {
    const raw = await this.storage.getAsync(INDEX_KEY);
    const kept: unknown[] = [];
    if (raw === undefined) return { entries: [], problems: [], raw, kept };
    const packs = (raw as { packs?: unknown })?.packs;
    if (!raw || typeof raw !== 'object' || (raw as { v?: unknown }).v !== 1 || !Array.isArray(packs)) {
      return { entries: [], problems: ['Your saved pack list is from another version of the plugin or damaged.'], raw, kept };
    }
    const entries: ClientEntry[] = [];
    const problems: string[] = [];
    for (const p of packs as Record<string, unknown>[]) {
      if (p && typeof p.id === 'string' && typeof p.name === 'string' && typeof p.key === 'string' && p.key.startsWith('library/pack/') && Number.isInteger(p.byteLength) && Number.isInteger(p.crc32)) {
        entries.push(p as unknown as ClientEntry);
      } else {
        kept.push(p);
        problems.push(unreadableNote(p, 'in your library'));
      }
    }
    return { entries, problems, raw, kept };
  }

  /** Bytes this plugin uses in clientStorage now (all keys, settings included). */
  async usedBytes(): Promise<number> {
    let n = 0;
    for (const k of await this.storage.keysAsync()) n += k.length + storedSize(await this.storage.getAsync(k));
    return n;
  }

  async list(): Promise<HomeListing & { usedBytes: number; quotaBytes: number }> {
    const { entries, problems } = await this.readIndex();
    return { entries: entries.map(publicEntry), problems, usedBytes: await this.usedBytes(), quotaBytes: this.quota };
  }

  async load(id: string): Promise<Uint8Array> {
    const { entries } = await this.readIndex();
    const e = entries.find((x) => x.id === id);
    if (!e) throw new Error(`No pack "${id}" is saved in your library.`);
    const v = await this.storage.getAsync(e.key);
    if (!isU8(v)) throw new Error(`"${e.name}" is missing from your library's storage.`);
    if (v.byteLength !== e.byteLength || crc32(v) !== e.crc32) throw new Error(`"${e.name}" in your library is damaged (checksum mismatch).`);
    return v;
  }

  async save(id: string, name: string, bytes: Uint8Array): Promise<LibraryEntry> {
    const { entries, problems, raw, kept } = await this.readIndex();
    if (problems.length && raw !== undefined && entries.length === 0 && kept.length === 0) throw new Error(`Cannot save to your library: ${problems[0]}`);
    const old = entries.find((x) => x.id === id);
    const entry: ClientEntry = { id, name, key: packKey(newGen()), byteLength: bytes.byteLength, crc32: crc32(bytes), savedAt: new Date().toISOString() };
    const next = [...(old ? entries.map((x) => (x.id === id ? entry : x)) : [...entries, entry]), ...kept];
    // Peak usage: new bytes and the new index are written while the old copy still exists.
    const used = await this.usedBytes();
    const indexNow = raw === undefined ? 0 : INDEX_KEY.length + storedSize(raw);
    const peak = used + entry.key.length + bytes.byteLength + (INDEX_KEY.length + storedSize({ v: 1, packs: next }) - indexNow);
    if (peak > this.quota) {
      const free = Math.max(0, this.quota - used);
      throw new QuotaError(
        `Your library is full: ${formatBytes(used)} of ${formatBytes(this.quota)} used, and "${name}" needs ${formatBytes(bytes.byteLength)} (${formatBytes(free)} free). ` +
          `Delete packs from "Mine" or save this one to "This file" instead.`,
      );
    }
    try {
      await this.storage.setAsync(entry.key, bytes);
    } catch (e) {
      await this.storage.deleteAsync(entry.key).catch(() => undefined);
      throw wrap(e, name);
    }
    try {
      await this.storage.setAsync(INDEX_KEY, { v: 1, packs: next }); // the swap
    } catch (e) {
      await this.storage.deleteAsync(entry.key).catch(() => undefined);
      throw wrap(e, name);
    }
    if (old && !refersTo(kept, old.key)) await this.storage.deleteAsync(old.key).catch(() => undefined);
    return publicEntry(entry);
  }

  async delete(id: string): Promise<void> {
    const { entries, kept } = await this.readIndex();
    const e = entries.find((x) => x.id === id);
    if (!e) return;
    await this.storage.setAsync(INDEX_KEY, { v: 1, packs: [...entries.filter((x) => x.id !== id), ...kept] });
    if (!refersTo(kept, e.key)) await this.storage.deleteAsync(e.key);
  }
}

/** Does an entry we cannot read mention this storage key? Then its bytes are not ours to delete. */
const refersTo = (kept: unknown[], key: string) => kept.some((k) => JSON.stringify(k ?? null).includes(JSON.stringify(key)));

function wrap(e: unknown, name: string): Error {
  const msg = errText(e);
  if (/quota/i.test(msg)) return new QuotaError(`Your library is full: "${name}" does not fit in Figma's 5 MB of plugin storage. Delete packs from "Mine" or save it to "This file" instead.`);
  return new Error(`Could not save "${name}" to your library: ${msg}`);
}

function publicEntry(e: ClientEntry): LibraryEntry {
  return { id: e.id, name: e.name, byteLength: e.byteLength, savedAt: e.savedAt };
}
