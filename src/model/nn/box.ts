/**
 * Rectangles on an activation grid, for recomputing only part of a layer (the modulation
 * cache's patches and the dirty-region renderer). Half-open: rows y0..y1-1, columns x0..x1-1.
 */
export interface Box {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

export function fullBox(h: number, w: number): Box {
  return { y0: 0, y1: h, x0: 0, x1: w };
}

export function isFull(b: Box, h: number, w: number): boolean {
  return b.y0 === 0 && b.x0 === 0 && b.y1 === h && b.x1 === w;
}

/** The box grown by p on every side, clipped to the h x w grid (a k x k conv's receptive field, p = k >> 1). */
export function dilate(b: Box, p: number, h: number, w: number): Box {
  return { y0: Math.max(0, b.y0 - p), y1: Math.min(h, b.y1 + p), x0: Math.max(0, b.x0 - p), x1: Math.min(w, b.x1 + p) };
}

export function union(a: Box | null, b: Box | null): Box | null {
  if (!a) return b;
  if (!b) return a;
  return { y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1), x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1) };
}

/** nn.Upsample(scale_factor=2) maps rows y0..y1 to 2y0..2y1. */
export function doubled(b: Box): Box {
  return { y0: 2 * b.y0, y1: 2 * b.y1, x0: 2 * b.x0, x1: 2 * b.x1 };
}

/**
 * Explicit conv padding that makes a k x k conv (pad p) over the crop `inp` produce exactly
 * the rows and columns `out` of the full padded conv: zeros only where the full conv pads too.
 * `inp` must be dilate(out, p) on the same grid.
 */
export function cropPadding(out: Box, inp: Box, p: number): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [[0, 0], [inp.y0 - (out.y0 - p), out.y1 + p - inp.y1], [inp.x0 - (out.x0 - p), out.x1 + p - inp.x1], [0, 0]];
}

/**
 * Destination range of a nearest resize (source index per destination, non-decreasing) whose
 * sources fall in [s0, s1): contiguous, or null when no sampled source pixel lies there.
 */
export function resizedRange(idx: Int32Array, s0: number, s1: number): [number, number] | null {
  let a = 0;
  while (a < idx.length && idx[a] < s0) a++;
  let b = a;
  while (b < idx.length && idx[b] < s1) b++;
  return b > a ? [a, b] : null;
}

/** The boxes of a changed full-resolution region on a coarser grid (nearest resize), or null. */
export function resizedBox(b: Box, rows: Int32Array, cols: Int32Array): Box | null {
  const ys = resizedRange(rows, b.y0, b.y1);
  const xs = resizedRange(cols, b.x0, b.x1);
  return ys && xs ? { y0: ys[0], y1: ys[1], x0: xs[0], x1: xs[1] } : null;
}

/** The smallest size of the form 2^k or 3·2^k (4, 6, 8, 12, 16, 24, …) that holds n, and never below 4. */
export function bucketSize(n: number): number {
  let s = 4;
  while (s < n) s = s % 3 === 0 ? (s / 3) * 4 : (s / 2) * 3;
  return s;
}

/**
 * b grown so that its height and width are bucket sizes (bucketSize), within the h x w grid: it
 * grows about its centre and shifts inward at the borders, and a side whose bucket reaches the
 * grid's becomes the whole side. A crop of a bucketed box has one of a few shapes, so backends
 * that compile a program per shape (WebGL) reuse them from stroke to stroke. It only grows: every
 * pixel of b stays in it.
 */
export function bucketBox(b: Box, h: number, w: number): Box {
  const grow = (lo: number, hi: number, size: number): [number, number] => {
    const side = Math.min(bucketSize(hi - lo), size);
    const start = Math.min(Math.max(0, lo - ((side - (hi - lo)) >> 1)), size - side);
    return [start, start + side];
  };
  const [y0, y1] = grow(b.y0, b.y1, h);
  const [x0, x1] = grow(b.x0, b.x1, w);
  return { y0, y1, x0, x1 };
}
