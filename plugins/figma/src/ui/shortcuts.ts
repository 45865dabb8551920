// Keyboard: Enter runs the shown tab's main action (Stylize, Learn), Escape cancels what is
// running. Enter is left alone where it already means something (buttons, links, text fields,
// selects, <summary>), and with modifier keys.

export type Shortcut = 'run' | 'cancel';

const ENTER_OWNERS = 'button, a[href], select, textarea, summary, [contenteditable], input:not([type=range]):not([type=checkbox]):not([type=radio])';

export function shortcutOf(e: KeyboardEvent): Shortcut | null {
  if (e.defaultPrevented || e.isComposing || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  if (e.key === 'Escape') return 'cancel';
  if (e.key !== 'Enter') return null;
  const target = e.target instanceof Element ? e.target : null;
  return target?.closest(ENTER_OWNERS) ? null : 'run';
}
