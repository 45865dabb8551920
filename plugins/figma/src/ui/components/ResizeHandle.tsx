// The bottom-right grip: Figma gives plugin windows no resize border of their own, so dragging
// this asks main to figma.ui.resize the window (live), and to remember the size on release.
// Double-click: back to the default size.
import { useRef } from 'preact/hooks';
import { clampWindowSize, DEFAULT_WINDOW_SIZE } from '../../shared/window-size.js';

interface Drag {
  /** Window size minus the pointer position at the start: size = pointer + offset. */
  dx: number;
  dy: number;
  width: number;
  height: number;
  frame: number;
}

export function ResizeHandle({ onResize }: { onResize: (width: number, height: number, save: boolean) => void }) {
  const drag = useRef<Drag | null>(null);
  const follow = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
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
  };
  const end = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    follow(e);
    if (d.frame) cancelAnimationFrame(d.frame);
    drag.current = null;
    onResize(d.width, d.height, true);
  };
  return (
    <div
      class="resize-handle"
      data-testid="resize-handle"
      title="Drag to resize; double-click for the default size"
      onPointerDown={(e) => {
        e.preventDefault();
        // Capture: the pointer leaves the iframe while the window catches up.
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        drag.current = { dx: window.innerWidth - e.clientX, dy: window.innerHeight - e.clientY, width: window.innerWidth, height: window.innerHeight, frame: 0 };
      }}
      onPointerMove={follow}
      onPointerUp={end}
      onPointerCancel={end}
      onDblClick={() => onResize(DEFAULT_WINDOW_SIZE.width, DEFAULT_WINDOW_SIZE.height, true)}
    >
      <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">
        <path d="M9 1 1 9M9 5 5 9" />
      </svg>
    </div>
  );
}
