// One pack of the library: export, copy, move, rename, delete (with confirmation).
import { useState } from 'preact/hooks';
import type { Home, LibraryEntry, StoredHome } from '../../protocol.js';
import type { LibraryController } from '../library-controller.js';
import { kb } from './kb.js';

export function LibraryEntryRow({ lib, home, e }: { lib: LibraryController; home: Home; e: LibraryEntry }) {
  const [confirming, setConfirming] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const busy = !!lib.state.busy;
  const other: StoredHome = home === 'mine' ? 'file' : 'mine';
  return (
    <li data-testid="lib-entry" data-home={home} data-id={e.id}>
      {renaming !== null ? (
        <form
          class="rename"
          onSubmit={(ev) => {
            ev.preventDefault();
            void lib.rename(home as StoredHome, e.id, renaming);
            setRenaming(null);
          }}
        >
          <input type="text" value={renaming} maxLength={100} data-testid="lib-rename-input" onInput={(ev) => setRenaming((ev.currentTarget as HTMLInputElement).value)} />
          <button class="small" type="submit" data-testid="lib-rename-ok">
            OK
          </button>
          <button class="small" type="button" onClick={() => setRenaming(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <span class="name" title={e.id}>
          {e.name}
        </span>
      )}
      <span class="size">{kb(e.byteLength)}</span>
      <span class="actions">
        <button class="small" data-testid="lib-export" disabled={busy} onClick={() => void lib.exportPack(home, e.id)}>
          Export
        </button>
        {home === 'builtin' ? (
          <>
            <button class="small" data-testid="lib-copy-mine" disabled={busy} onClick={() => void lib.copy(home, e.id, 'mine')}>
              Copy to Mine
            </button>
            <button class="small" data-testid="lib-copy-file" disabled={busy} onClick={() => void lib.copy(home, e.id, 'file')}>
              Copy to File
            </button>
          </>
        ) : (
          <>
            <button class="small" data-testid={`lib-copy-${other}`} disabled={busy} onClick={() => void lib.copy(home, e.id, other)}>
              Copy to {other === 'mine' ? 'Mine' : 'File'}
            </button>
            <button class="small" data-testid={`lib-move-${other}`} disabled={busy} onClick={() => void lib.copy(home, e.id, other, true)}>
              Move
            </button>
            <button class="small" data-testid="lib-rename" disabled={busy} onClick={() => setRenaming(e.name)}>
              Rename
            </button>
            {confirming ? (
              <span class="confirm">
                Delete?
                <button class="small danger" data-testid="lib-delete-confirm" onClick={() => (setConfirming(false), void lib.remove(home as StoredHome, e.id))}>
                  Yes
                </button>
                <button class="small" onClick={() => setConfirming(false)}>
                  No
                </button>
              </span>
            ) : (
              <button class="small" data-testid="lib-delete" disabled={busy} onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </>
        )}
      </span>
    </li>
  );
}
