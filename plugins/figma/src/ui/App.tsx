// The panel: composes the components; each renders part of the store and calls a controller.
import type { UiController } from './controller.js';
import type { LibraryController } from './library-controller.js';
import { BackendBadge } from './components/BackendBadge.js';
import { LearnPanel } from './components/LearnPanel.js';
import { LibraryPanel } from './components/LibraryPanel.js';
import { PreviewPane } from './components/PreviewPane.js';
import { SelectionList } from './components/SelectionList.js';
import { StyleControls } from './components/StyleControls.js';
import { StylePicker } from './components/StylePicker.js';
import { StylizeFooter } from './components/StylizeFooter.js';
import type { PreviewController } from './preview-controller.js';

export function App({ c, lib, preview }: { c: UiController; lib: LibraryController; preview: PreviewController }) {
  const importFiles = async (files: File[]) => {
    for (const f of files) await lib.importFile(new Uint8Array(await f.arrayBuffer()), f.name, 'mine');
  };
  return (
    <>
      <div class="app">
        <header>
          <h1>Stylepack</h1>
          <BackendBadge c={c} />
        </header>
        <SelectionList c={c} />
        <StylePicker c={c} onImportFiles={importFiles} />
        <StyleControls c={c} />
        <PreviewPane p={preview} />
        <StylizeFooter c={c} />
      </div>
      <div class="app library-panels">
        <LearnPanel lib={lib} ui={c} />
        <LibraryPanel lib={lib} />
      </div>
    </>
  );
}
