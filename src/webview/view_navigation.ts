/**
 * Zoom and pan input over the canvases: Ctrl/Cmd+wheel (and a trackpad pinch, which the
 * browser reports as Ctrl+wheel) zooms about the pointer; the wheel alone pans; Space+drag or
 * a middle-button drag pans. Its listeners run in the capture phase and stop a pan's events,
 * so the painter never sees a drag that moves the view.
 */
import type { Stage } from './stage';
import { wheelZoomFactor } from './view_transform';

export function installViewNavigation(stage: Stage, doc: Document): void {
  const panes = stage.panes;
  let space = false;
  let drag: { id: number; x: number; y: number } | null = null;

  // Space pans only over the canvases (or with nothing focused): on a button or a field it keeps its own meaning.
  const forView = (t: EventTarget | null) =>
    t === doc.body || t === doc.documentElement || (t instanceof Node && stage.el.contains(t));
  // On a canvas reached by keyboard, Space paints instead (keyboard_painter.ts).
  const keyboardPainting = (t: EventTarget | null) => t === stage.maskCanvas && stage.maskCanvas.matches(':focus-visible');
  doc.addEventListener('keydown', (e) => {
    if (e.code !== 'Space' || !forView(e.target) || keyboardPainting(e.target)) return;
    space = true;
    panes.classList.add('pan-ready');
    e.preventDefault();
  });
  doc.addEventListener('keyup', (e) => {
    if (e.code !== 'Space') return;
    space = false;
    panes.classList.remove('pan-ready');
  });
  // A lost focus loses the keyup too.
  globalThis.addEventListener?.('blur', () => {
    space = false;
    panes.classList.remove('pan-ready');
  });

  panes.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey) stage.zoom(wheelZoomFactor(e.deltaY, e.deltaMode), e);
      else {
        const k = e.deltaMode === 0 ? 1 : 40;
        stage.pan(-(e.shiftKey ? e.deltaY : e.deltaX) * k, -(e.shiftKey ? 0 : e.deltaY) * k);
      }
    },
    { passive: false },
  );

  panes.addEventListener(
    'pointerdown',
    (e) => {
      if (!(e.button === 1 || (e.button === 0 && space)) || drag) return;
      e.preventDefault();
      e.stopPropagation();
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      panes.setPointerCapture(e.pointerId);
      panes.classList.add('panning');
    },
    { capture: true },
  );
  panes.addEventListener(
    'pointermove',
    (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      e.stopPropagation();
      stage.pan(e.clientX - drag.x, e.clientY - drag.y);
      drag.x = e.clientX;
      drag.y = e.clientY;
    },
    { capture: true },
  );
  const end = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    e.stopPropagation();
    drag = null;
    panes.classList.remove('panning');
    if (panes.hasPointerCapture(e.pointerId)) panes.releasePointerCapture(e.pointerId);
  };
  panes.addEventListener('pointerup', end, { capture: true });
  panes.addEventListener('pointercancel', end, { capture: true });
  // Middle-click must not start the browser's autoscroll.
  panes.addEventListener('mousedown', (e) => {
    if (e.button === 1) e.preventDefault();
  });
}
