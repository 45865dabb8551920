// The plugin window: shown at the size the user left it (kept in figma.clientStorage, per user
// and machine), resized by the UI's handle through figma.ui.resize.
import { clampWindowSize, DEFAULT_WINDOW_SIZE, type WindowSize } from '../shared/window-size.js';

const KEY = 'window-size/v1';

declare const __html__: string;

/**
 * Show the UI hidden at the default size, then resize it to the remembered size and show it, so
 * the window does not jump. A missing or damaged entry means the default size.
 */
export async function showWindow(): Promise<void> {
  figma.showUI(__html__, { ...DEFAULT_WINDOW_SIZE, visible: false, themeColors: true, title: 'Stylepack' });
  try {
    const saved = (await figma.clientStorage.getAsync(KEY)) as Partial<WindowSize> | undefined;
    if (saved && typeof saved === 'object') {
      const size = clampWindowSize(saved.width, saved.height);
      figma.ui.resize(size.width, size.height);
    }
  } catch (e) {
    console.warn('stylepack: could not read the window size', e);
  } finally {
    figma.ui.show();
  }
}

/** Resize to what the handle asks (within the limits); `save` when the drag ends. */
export async function resizeWindow(width: number, height: number, save: boolean): Promise<void> {
  const size = clampWindowSize(width, height);
  figma.ui.resize(size.width, size.height);
  if (!save) return;
  try {
    await figma.clientStorage.setAsync(KEY, size);
  } catch (e) {
    console.warn('stylepack: could not save the window size', e);
  }
}
