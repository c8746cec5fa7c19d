/** A drag handle between two panels: reports how far it was dragged; arrow keys move it too. */
import { useRef, type KeyboardEvent, type PointerEvent } from 'react';

export function Splitter({ direction, label, onMove }: { direction: 'columns' | 'rows'; label: string; onMove: (deltaPx: number) => void }) {
  const last = useRef<number | null>(null);
  const position = (e: PointerEvent) => (direction === 'columns' ? e.clientX : e.clientY);
  return (
    <div
      className={`splitter ${direction}`}
      role="separator"
      aria-orientation={direction === 'columns' ? 'vertical' : 'horizontal'}
      aria-label={label}
      tabIndex={0}
      data-testid={`splitter-${label.replace(/\W+/g, '-').toLowerCase()}`}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        last.current = position(e);
      }}
      onPointerMove={(e) => {
        if (last.current === null) return;
        const now = position(e);
        if (now !== last.current) onMove(now - last.current);
        last.current = now;
      }}
      onPointerUp={() => (last.current = null)}
      onPointerCancel={() => (last.current = null)}
      onKeyDown={(e: KeyboardEvent) => {
        const step = e.shiftKey ? 40 : 10;
        const back = direction === 'columns' ? 'ArrowLeft' : 'ArrowUp';
        const forward = direction === 'columns' ? 'ArrowRight' : 'ArrowDown';
        if (e.key !== back && e.key !== forward) return;
        e.preventDefault();
        e.stopPropagation();
        onMove(e.key === back ? -step : step);
      }}
    />
  );
}
