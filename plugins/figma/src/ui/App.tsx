// The panel: tabs Stylize / Learn / Library over the components (each renders part of the store
// and calls a controller), the Stylize button bar, the resize grip, and the keyboard shortcuts.
import { useEffect } from 'preact/hooks';
import type { UiController } from './controller.js';
import type { LibraryController } from './library-controller.js';
import { BackendBadge } from './components/BackendBadge.js';
import { LearnPanel } from './components/LearnPanel.js';
import { LibraryPanel } from './components/LibraryPanel.js';
import { PreviewPane } from './components/PreviewPane.js';
import { RefinePanel } from './components/RefinePanel.js';
import { ResizeHandle } from './components/ResizeHandle.js';
import { RunList } from './components/RunList.js';
import { SelectionList } from './components/SelectionList.js';
import { StyleControls } from './components/StyleControls.js';
import { StylePicker } from './components/StylePicker.js';
import { StylizeFooter } from './components/StylizeFooter.js';
import { TabPanel } from './components/TabPanel.js';
import { Tabs } from './components/Tabs.js';
import type { PreviewController } from './preview-controller.js';
import type { RefineController } from './refine-controller.js';
import { shortcutOf } from './shortcuts.js';

export function App({ c, lib, preview, refine }: { c: UiController; lib: LibraryController; preview: PreviewController; refine: RefineController }) {
  const { tab, run } = c.state;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const key = shortcutOf(e);
      if (key === 'run' && c.state.tab !== 'library') {
        e.preventDefault();
        void (c.state.tab === 'stylize' ? c.stylize() : lib.learn());
      } else if (key === 'cancel') {
        if (c.state.run?.active) c.cancel(e.timeStamp);
        else if (refine.state.running) refine.cancel();
        else lib.cancelLearn();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [c, lib, refine]);
  const importFiles = async (files: File[]) => {
    for (const f of files) await lib.importBlob(f, 'mine');
  };
  return (
    <div class="panel">
      <header class="topbar">
        <Tabs c={c} />
        <BackendBadge c={c} />
      </header>
      <main class="tab-body">
        <TabPanel id="stylize" active={tab}>
          <SelectionList c={c} />
          <PreviewPane p={preview} />
          <StylePicker c={c} onImportFiles={importFiles} />
          <StyleControls c={c} />
          {run && <RunList run={run} />}
          <RefinePanel r={refine} />
        </TabPanel>
        <TabPanel id="learn" active={tab}>
          <LearnPanel lib={lib} ui={c} />
        </TabPanel>
        <TabPanel id="library" active={tab}>
          <LibraryPanel lib={lib} />
        </TabPanel>
      </main>
      {tab === 'stylize' && <StylizeFooter c={c} />}
      <ResizeHandle onResize={(w, h, save) => c.resizeWindow(w, h, save)} />
    </div>
  );
}
