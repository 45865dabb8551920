// The bottom-right grip: Figma gives plugin windows no resize border of their own, so dragging
// this asks main to figma.ui.resize the window (live), and to remember the size when the drag
// ends. Double-click: back to the default size.
//
// The plugin iframe is cross-origin (opaque origin), so the browser delivers no pointer events
// while the pointer is outside it, pointer capture or not: a fast drag can outrun the window,
// and the button can be released outside. So the drag also ends at the first pointer event seen
// with no button pressed, and the size is saved once the pointer has rested for a moment.
import { useRef } from 'preact/hooks';
import { clampWindowSize, DEFAULT_WINDOW_SIZE } from '../../shared/window-size.js';

/** Save the size when no pointer event came for this long during a drag. */
const SETTLE_MS = 400;

interface Drag {
  /** Window size minus the pointer position at the start: size = pointer + offset. */
  dx: number;
  dy: number;
  width: number;
  height: number;
  frame: number;
  settle: ReturnType<typeof setTimeout> | undefined;
  stop: () => void;
}

export function ResizeHandle({ onResize }: { onResize: (width: number, height: number, save: boolean) => void }) {
  const drag = useRef<Drag | null>(null);

  const end = () => {
    const d = drag.current;
    if (!d) return;
    d.stop();
    drag.current = null;
    onResize(d.width, d.height, true);
  };

  const follow = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    // Released (here, or unseen outside: a move without buttons, or a new press).
    if (e.type !== 'pointermove' || e.buttons === 0) return end();
    const size = clampWindowSize(e.clientX + d.dx, e.clientY + d.dy);
    d.width = size.width;
    d.height = size.height;
    // At most one resize per frame: each is a message to main and a relayout in Figma.
    if (!d.frame) {
      d.frame = requestAnimationFrame(() => {
        d.frame = 0;
        onResize(d.width, d.height, false);
      });
    }
    clearTimeout(d.settle);
    d.settle = setTimeout(() => onResize(d.width, d.height, true), SETTLE_MS);
  };

  const start = (e: PointerEvent) => {
    if (e.button !== 0) return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    const types = ['pointermove', 'pointerup', 'pointercancel', 'pointerdown'] as const;
    const d: Drag = {
      dx: window.innerWidth - e.clientX,
      dy: window.innerHeight - e.clientY,
      width: window.innerWidth,
      height: window.innerHeight,
      frame: 0,
      settle: undefined,
      stop: () => {
        for (const t of types) window.removeEventListener(t, follow, true);
        if (d.frame) cancelAnimationFrame(d.frame);
        clearTimeout(d.settle);
      },
    };
    drag.current?.stop();
    drag.current = d;
    for (const t of types) window.addEventListener(t, follow, true);
  };

  return (
    <div
      class="resize-handle"
      data-testid="resize-handle"
      title="Drag to resize; double-click for the default size"
      onPointerDown={start}
      onDblClick={() => onResize(DEFAULT_WINDOW_SIZE.width, DEFAULT_WINDOW_SIZE.height, true)}
    >
      <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
        <path d="M9 1 1 9M9 5 5 9" />
      </svg>
    </div>
  );
}
