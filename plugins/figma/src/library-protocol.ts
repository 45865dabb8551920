// Messages for the pack library and style learning, alongside protocol.ts (kept separate so the
// stylize protocol stays as it is). The UI sends `lib` requests; main answers each with one
// `lib-reply` carrying the same reqId. Bytes travel as Uint8Array (structured clone).

/** Where a pack lives: shipped in the plugin (read-only), this user's clientStorage, or the document. */
export type Home = 'builtin' | 'mine' | 'file';
export type StoredHome = Exclude<Home, 'builtin'>;

export const HOME_LABELS: Record<Home, string> = {
  builtin: 'Built-in',
  mine: 'Mine (this computer)',
  file: 'This file (shared)',
};

export interface LibraryEntry {
  /** The pack's manifest id; unique within a home. */
  id: string;
  name: string;
  byteLength: number;
  savedAt: string;
}

export interface HomeListing {
  entries: LibraryEntry[];
  /** Problems found while listing (damaged index etc.); the listing still shows what is readable. */
  problems: string[];
}

export interface LibraryListing {
  mine: HomeListing & { usedBytes: number; quotaBytes: number };
  file: HomeListing;
}

export type LibRequest =
  | { op: 'list' }
  | { op: 'load'; home: StoredHome; id: string }
  | { op: 'save'; home: StoredHome; id: string; name: string; bytes: Uint8Array }
  | { op: 'delete'; home: StoredHome; id: string }
  /** PNG exports of nodes for style learning, longest side = maxSide. */
  | { op: 'export-nodes'; nodeIds: string[]; maxSide: number };

export interface ExportedNode {
  nodeId: string;
  name: string;
  png: Uint8Array;
  width: number;
  height: number;
}

export type LibResult =
  | { op: 'list'; listing: LibraryListing }
  | { op: 'load'; bytes: Uint8Array }
  | { op: 'save'; entry: LibraryEntry; listing: LibraryListing }
  | { op: 'delete'; listing: LibraryListing }
  | { op: 'export-nodes'; images: ExportedNode[] };

export type LibToMain = { type: 'lib'; reqId: number; req: LibRequest };
export type LibToUi = { type: 'lib-reply'; reqId: number; ok: true; result: LibResult } | { type: 'lib-reply'; reqId: number; ok: false; error: string };

export function isLibToMain(m: unknown): m is LibToMain {
  return !!m && typeof m === 'object' && (m as { type?: unknown }).type === 'lib';
}
export function isLibToUi(m: unknown): m is LibToUi {
  return !!m && typeof m === 'object' && (m as { type?: unknown }).type === 'lib-reply';
}
