/**
 * The label map being edited (FILE ids, row-major) and the edits a stroke makes: brush
 * discs along the pointer path, 4-connected flood fill. A stroke remembers every pixel it
 * changed so that its end can be sent to the host as one sorted list of indices.
 */
import { dab, thickLine, type PixelSink } from './shapes';

export class Mask {
  constructor(
    readonly width: number,
    readonly height: number,
    public ids: Int32Array,
  ) {
    if (ids.length !== width * height) throw new RangeError(`mask has ${ids.length} ids for ${width}x${height}`);
  }

  at(x: number, y: number): number {
    return this.ids[y * this.width + x];
  }

  inside(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /** Pixel count per file id, sorted by count (largest first). */
  histogram(): { id: number; count: number }[] {
    const counts = new Map<number, number>();
    const ids = this.ids;
    // Runs of equal ids are common; count them in one step.
    let prev = ids[0];
    let run = 0;
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i];
      if (v === prev) run++;
      else {
        counts.set(prev, (counts.get(prev) ?? 0) + run);
        prev = v;
        run = 1;
      }
    }
    if (run) counts.set(prev, (counts.get(prev) ?? 0) + run);
    return [...counts].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || a.id - b.id);
  }
}

/** One stroke (pointer down to up, or one fill click) painting a single file id. */
export class Stroke implements PixelSink {
  private readonly touched: Uint8Array;
  private readonly changed: number[] = [];
  /** Bounding box of changes since the last `takeDirty` (for partial redraws). */
  private dirty: { x0: number; y0: number; x1: number; y1: number } | null = null;

  constructor(
    readonly mask: Mask,
    readonly value: number,
    readonly label: string,
  ) {
    this.touched = new Uint8Array(mask.width * mask.height);
  }

  get size(): number {
    return this.changed.length;
  }

  private set(i: number): void {
    const m = this.mask;
    if (m.ids[i] === this.value) return;
    m.ids[i] = this.value;
    if (!this.touched[i]) {
      this.touched[i] = 1;
      this.changed.push(i);
    }
    const x = i % m.width;
    const y = (i - x) / m.width;
    const d = (this.dirty ??= { x0: x, y0: y, x1: x, y1: y });
    if (x < d.x0) d.x0 = x;
    if (x > d.x1) d.x1 = x;
    if (y < d.y0) d.y0 = y;
    if (y > d.y1) d.y1 = y;
  }

  get width(): number {
    return this.mask.width;
  }

  get height(): number {
    return this.mask.height;
  }

  /** PixelSink: the shape rasterizers paint through this. */
  plot(x: number, y: number): void {
    this.set(y * this.mask.width + x);
  }

  /** A filled disc of diameter `size` pixels centred on pixel (cx, cy) (size 1 = one pixel). */
  dab(cx: number, cy: number, size: number): void {
    dab(this, cx, cy, size);
  }

  /** Dabs along the segment from (x0, y0) to (x1, y1), its start excluded (the previous move dabbed it). */
  line(x0: number, y0: number, x1: number, y1: number, size: number): void {
    thickLine(this, { x: x0, y: y0 }, { x: x1, y: y1 }, size, false);
  }

  /** Every pixel that holds `from` (replace a class everywhere). */
  replaceAll(from: number): void {
    const ids = this.mask.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] === from) this.set(i);
  }

  /** Replaces the 4-connected region of equal ids around (x, y). */
  fill(x: number, y: number): void {
    const m = this.mask;
    if (!m.inside(x, y)) return;
    const w = m.width;
    const ids = m.ids;
    const target = ids[y * w + x];
    if (target === this.value) return;
    // Scanline fill: each span is filled once, neighbours rows are seeded per span.
    const stack: number[] = [x, y];
    while (stack.length) {
      const sy = stack.pop()!;
      const sx = stack.pop()!;
      let lx = sx;
      const row = sy * w;
      if (ids[row + lx] !== target) continue;
      while (lx > 0 && ids[row + lx - 1] === target) lx--;
      let rx = sx;
      while (rx < w - 1 && ids[row + rx + 1] === target) rx++;
      for (let i = lx; i <= rx; i++) this.set(row + i);
      for (const ny of [sy - 1, sy + 1]) {
        if (ny < 0 || ny >= m.height) continue;
        const nrow = ny * w;
        let inSpan = false;
        for (let i = lx; i <= rx; i++) {
          const match = ids[nrow + i] === target;
          if (match && !inSpan) stack.push(i, ny);
          inSpan = match;
        }
      }
    }
  }

  /**
   * The changed pixels, sorted and unique. Also writes the value to all of them again, so
   * that the local mask matches what the host will store even if a `setIds` replaced the
   * mask in the middle of the stroke.
   */
  finish(): Uint32Array {
    const idx = Uint32Array.from(this.changed).sort();
    for (let i = 0; i < idx.length; i++) this.mask.ids[idx[i]] = this.value;
    return idx;
  }

  takeDirty(): { x0: number; y0: number; x1: number; y1: number } | null {
    const d = this.dirty;
    this.dirty = null;
    return d;
  }
}
