/**
 * Rasterizers for the painting tools, in mask pixels: the brush disc, thick lines, rectangles
 * and filled polygons (the polygon and lasso tools). They only name pixels; a `PixelSink`
 * decides what that means (a stroke writes ids, the preview draws a tint), so the preview
 * shows exactly the pixels an edit will change.
 */

export interface PixelSink {
  readonly width: number;
  readonly height: number;
  /** Called for pixels inside the mask only. */
  plot(x: number, y: number): void;
}

export interface Point {
  x: number;
  y: number;
}

function plotClipped(sink: PixelSink, x: number, y: number): void {
  if (x >= 0 && y >= 0 && x < sink.width && y < sink.height) sink.plot(x, y);
}

/** A filled disc of diameter `size` pixels centred on pixel (cx, cy) (size 1 = one pixel). */
export function dab(sink: PixelSink, cx: number, cy: number, size: number): void {
  const r = size / 2;
  // Centre of the disc in continuous coordinates: the pixel's centre for odd sizes, its
  // corner for even ones, so that every size grows symmetrically.
  const ccx = size % 2 === 1 ? cx + 0.5 : cx;
  const ccy = size % 2 === 1 ? cy + 0.5 : cy;
  const y0 = Math.max(0, Math.floor(ccy - r));
  const y1 = Math.min(sink.height - 1, Math.ceil(ccy + r) - 1);
  const x0 = Math.max(0, Math.floor(ccx - r));
  const x1 = Math.min(sink.width - 1, Math.ceil(ccx + r) - 1);
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - ccy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - ccx;
      if (dx * dx + dy * dy <= r2 || size === 1) sink.plot(x, y);
    }
  }
}

/**
 * Dabs along the segment from (x0, y0) to (x1, y1), close enough to leave no gaps. The start
 * is dabbed only when `withStart` (a brush drag already dabbed it at the previous move).
 */
export function thickLine(sink: PixelSink, a: Point, b: Point, size: number, withStart = true): void {
  const dist = Math.hypot(b.x - a.x, b.y - a.y);
  const step = Math.max(0.5, size / 4);
  const n = Math.max(1, Math.ceil(dist / step));
  if (withStart) dab(sink, a.x, a.y, size);
  for (let k = 1; k <= n; k++) {
    const t = k / n;
    dab(sink, Math.round(a.x + (b.x - a.x) * t), Math.round(a.y + (b.y - a.y) * t), size);
  }
}

/** Every pixel of the box whose opposite corners are the pixels a and b (both included). */
export function rect(sink: PixelSink, a: Point, b: Point): void {
  const x0 = Math.max(0, Math.min(a.x, b.x));
  const x1 = Math.min(sink.width - 1, Math.max(a.x, b.x));
  const y0 = Math.max(0, Math.min(a.y, b.y));
  const y1 = Math.min(sink.height - 1, Math.max(a.y, b.y));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) sink.plot(x, y);
}

/**
 * A closed polygon through the pixels `pts`, filled: pixels whose centre lies inside (even-odd
 * rule, vertices at pixel centres) plus the one-pixel outline, so the clicked pixels and thin
 * slivers are always painted.
 */
export function polygon(sink: PixelSink, pts: readonly Point[]): void {
  if (pts.length === 0) return;
  const n = pts.length;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const xs: number[] = [];
  for (let y = Math.max(0, minY); y <= Math.min(sink.height - 1, maxY); y++) {
    // Vertices and pixel centres both sit half a pixel in, so the shift cancels: compare in pixel indices.
    xs.length = 0;
    for (let i = 0; i < n; i++) {
      const p = pts[i];
      const q = pts[(i + 1) % n];
      // Half-open in y so a vertex on the scanline counts once.
      if (p.y <= y !== q.y <= y) xs.push(p.x + ((y - p.y) / (q.y - p.y)) * (q.x - p.x));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]));
      const to = Math.min(sink.width - 1, Math.floor(xs[k + 1]));
      for (let x = from; x <= to; x++) sink.plot(x, y);
    }
  }
  for (let i = 0; i < n; i++) thickLine(sink, pts[i], pts[(i + 1) % n], 1);
  if (n === 1) plotClipped(sink, pts[0].x, pts[0].y);
}

const TAN_HALF_SECTOR = Math.SQRT2 - 1;

/** The end point snapped so the segment from `a` runs at 0, 45 or 90 degrees (Shift with the line tool). */
export function constrainAngle(a: Point, b: Point): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const adx = Math.abs(dx);
  const ady = Math.abs(dy);
  // Within half of a 45-degree sector of an axis: snap to it; otherwise to the diagonal.
  if (ady <= adx * TAN_HALF_SECTOR) return { x: b.x, y: a.y };
  if (adx <= ady * TAN_HALF_SECTOR) return { x: a.x, y: b.y };
  const d = Math.max(adx, ady);
  return { x: a.x + Math.sign(dx) * d, y: a.y + Math.sign(dy) * d };
}
