// The pack library: built-in, Mine (clientStorage) and This file (the document), with import
// by file picker or drop.
import { useState } from 'preact/hooks';
import { HOME_LABELS, type Home, type LibraryEntry, type StoredHome } from '../../protocol.js';
import type { LibraryController } from '../library-controller.js';
import { kb } from './kb.js';
import { LibraryEntryRow } from './LibraryEntryRow.js';

export function LibraryPanel({ lib }: { lib: LibraryController }) {
  const s = lib.state;
  const [importHome, setImportHome] = useState<StoredHome>('mine');
  const [over, setOver] = useState(false);
  const importFiles = async (files: File[]) => {
    for (const f of files) await lib.importBlob(f, importHome);
  };
  const homes: { home: Home; entries: LibraryEntry[]; problems: string[] }[] = [
    { home: 'builtin', entries: s.builtin, problems: [] },
    { home: 'mine', entries: s.listing?.mine.entries ?? [], problems: s.listing?.mine.problems ?? [] },
    { home: 'file', entries: s.listing?.file.entries ?? [], problems: s.listing?.file.problems ?? [] },
  ];
  const mine = s.listing?.mine;
  return (
    <section
      class={`library ${over ? 'drop' : ''}`}
      data-testid="library"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void importFiles(Array.from(e.dataTransfer?.files ?? []));
      }}
    >
      <h2>Pack library</h2>
      {homes.map(({ home, entries, problems }) => (
        <div class="home" key={home} data-testid={`lib-home-${home}`}>
          <h3>
            {HOME_LABELS[home]}
            {home === 'builtin' && <span class="tag">read-only</span>}
            {home === 'mine' && mine && (
              <span class="usage" data-testid="lib-usage" title="figma.clientStorage: 5 MB per plugin">
                {kb(mine.usedBytes)} of {kb(mine.quotaBytes)} used
                <meter min={0} max={mine.quotaBytes} value={mine.usedBytes} high={mine.quotaBytes * 0.9} />
              </span>
            )}
          </h3>
          {entries.length === 0 ? (
            <p class="hint">{home === 'builtin' ? 'No built-in packs in this build.' : home === 'mine' ? 'Packs you keep for yourself, on this computer.' : 'Packs saved here travel with the file: everyone who opens it gets them.'}</p>
          ) : (
            <ul class="entries">
              {entries.map((e) => (
                <LibraryEntryRow key={`${home}:${e.id}`} lib={lib} home={home} e={e} />
              ))}
            </ul>
          )}
          {problems.map((p) => (
            <p class="status error" key={p}>
              {p}
            </p>
          ))}
        </div>
      ))}
      <div class="row import-row">
        <label class="import">
          Import .stylepack…
          <input type="file" accept=".stylepack" multiple data-testid="lib-import" onChange={async (e) => {
            const input = e.currentTarget as HTMLInputElement;
            await importFiles(Array.from(input.files ?? []));
            input.value = '';
          }} />
        </label>
        <span>into</span>
        <select data-testid="lib-import-home" value={importHome} onChange={(e) => setImportHome((e.currentTarget as HTMLSelectElement).value as StoredHome)}>
          <option value="mine">Mine</option>
          <option value="file">This file</option>
        </select>
        <span class="hint">or drop files here</span>
      </div>
      {s.busy && <p class="hint" data-testid="lib-busy">{s.busy}</p>}
      {s.message && (
        <p class={`status ${s.message.kind}`} data-testid="lib-message" role="status">
          {s.message.text}
        </p>
      )}
    </section>
  );
}
