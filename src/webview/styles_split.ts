/**
 * The draggable bar between the canvases and the Styles panel below them: dragging it sets the
 * panel's height (the `--styles-height` the stylesheet's grid reads) on the editor's body.
 */

/** Neither side may be dragged smaller than this (CSS pixels). */
const MIN_PART_PX = 120;

export function stylesSplit(main: HTMLElement): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'styles-split';
  bar.id = 'styles-split';
  bar.setAttribute('role', 'separator');
  bar.setAttribute('aria-orientation', 'horizontal');
  bar.title = 'Drag to resize the Styles panel';
  let dragging: number | null = null;
  bar.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    dragging = e.pointerId;
    bar.setPointerCapture(e.pointerId);
    bar.classList.add('dragging');
    e.preventDefault();
  });
  bar.addEventListener('pointermove', (e) => {
    if (dragging !== e.pointerId) return;
    const r = main.getBoundingClientRect();
    const below = r.bottom - e.clientY;
    const h = Math.max(MIN_PART_PX, Math.min(r.height - MIN_PART_PX, below));
    main.style.setProperty('--styles-height', `${Math.round(h)}px`);
  });
  const end = (e: PointerEvent) => {
    if (dragging !== e.pointerId) return;
    dragging = null;
    bar.classList.remove('dragging');
  };
  bar.addEventListener('pointerup', end);
  bar.addEventListener('pointercancel', end);
  return bar;
}
