/**
 * Zoom and pan of the canvases as plain numbers: `scale` CSS pixels per mask pixel and the
 * offset of the map's top-left corner inside its pane. The mask and the picture share one
 * transform, which keeps them in lock-step side by side and in the overlay.
 */

export interface ViewTransform {
  scale: number;
  ox: number;
  oy: number;
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 64;
/** Part of the map (CSS pixels) that panning always leaves in the pane, so it cannot be lost. */
const KEEP_VISIBLE = 32;

/** The whole map in the pane, centred; whole multiples when magnifying keep label pixels equal on screen. */
export function fitView(mw: number, mh: number, pw: number, ph: number): ViewTransform {
  let s = Math.min(pw / mw, ph / mh);
  if (s >= 2) s = Math.floor(s);
  s = Math.max(MIN_SCALE, s);
  return { scale: s, ox: Math.round((pw - mw * s) / 2), oy: Math.round((ph - mh * s) / 2) };
}

/** `scale` applied about the pane's centre point (the 1:1 button, zoom keys). */
export function scaleAboutCentre(v: ViewTransform, scale: number, pw: number, ph: number): ViewTransform {
  return zoomAt(v, scale / v.scale, pw / 2, ph / 2);
}

/** Zooms by `factor` keeping the map point under (px, py) (pane coordinates) where it is. */
export function zoomAt(v: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
  const k = scale / v.scale;
  return { scale, ox: px - (px - v.ox) * k, oy: py - (py - v.oy) * k };
}

export function panBy(v: ViewTransform, dx: number, dy: number): ViewTransform {
  return { ...v, ox: v.ox + dx, oy: v.oy + dy };
}

/** Keeps at least a strip of the map inside the pane. */
export function clampPan(v: ViewTransform, mw: number, mh: number, pw: number, ph: number): ViewTransform {
  const w = mw * v.scale;
  const h = mh * v.scale;
  const keepX = Math.min(KEEP_VISIBLE, w);
  const keepY = Math.min(KEEP_VISIBLE, h);
  return {
    scale: v.scale,
    ox: Math.min(pw - keepX, Math.max(keepX - w, v.ox)),
    oy: Math.min(ph - keepY, Math.max(keepY - h, v.oy)),
  };
}

/** The wheel's zoom factor: smooth for trackpads and pinch (small deltas), a fixed step per notch. */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  // deltaMode 1 is lines, 2 pages; treat them as notches of a mouse wheel.
  const px = deltaMode === 0 ? deltaY : deltaY * 40;
  return Math.exp(-px / 300);
}

/** Whether two panes one above the other show an mw x mh map larger than two side by side. */
export function stackVertically(mw: number, mh: number, w: number, h: number, gap: number): boolean {
  const row = Math.min((w - gap) / 2 / mw, h / mh);
  const column = Math.min(w / mw, (h - gap) / 2 / mh);
  return column > row;
}
