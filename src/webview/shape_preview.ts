/**
 * A canvas over the mask, at the mask's own resolution, that shows the pixels the current tool
 * would change (brush footprint, line, rectangle, polygon, lasso) before they are committed.
 * Only the bounding box of what changed is redrawn, so big maps stay cheap to hover over.
 */
import type { PixelSink } from './shapes';

export class ShapePreview implements PixelSink {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private px: Uint32Array | null = null;
  /** Pixels lit now, so the next draw can unlight them without clearing the whole map. */
  private lit: number[] = [];
  private colour = 0;
  private box: { x0: number; y0: number; x1: number; y1: number } | null = null;

  constructor() {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'shape-preview';
    this.canvas.className = 'shape-preview';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.ctx = this.canvas.getContext('2d')!;
  }

  get width(): number {
    return this.canvas.width;
  }

  get height(): number {
    return this.canvas.height;
  }

  setSize(width: number, height: number): void {
    this.canvas.width = width;
    this.canvas.height = height;
    this.image = this.ctx.createImageData(width, height);
    this.px = new Uint32Array(this.image.data.buffer);
    this.lit = [];
    this.box = null;
  }

  /** Replaces the preview with what `draw` plots, in an RGBA colour packed as the canvas stores it. */
  show(rgbaPacked: number, draw: (sink: PixelSink) => void): void {
    if (!this.px) return;
    const old = this.box;
    for (const i of this.lit) this.px[i] = 0;
    this.lit = [];
    this.box = null;
    this.colour = rgbaPacked;
    draw(this);
    this.flush(old);
  }

  clear(): void {
    if (!this.px || !this.lit.length) return;
    const old = this.box;
    for (const i of this.lit) this.px[i] = 0;
    this.lit = [];
    this.box = null;
    this.flush(old);
  }

  plot(x: number, y: number): void {
    const i = y * this.canvas.width + x;
    if (this.px![i] === this.colour) return;
    this.px![i] = this.colour;
    this.lit.push(i);
    const b = (this.box ??= { x0: x, y0: y, x1: x, y1: y });
    if (x < b.x0) b.x0 = x;
    if (x > b.x1) b.x1 = x;
    if (y < b.y0) b.y0 = y;
    if (y > b.y1) b.y1 = y;
  }

  private flush(old: { x0: number; y0: number; x1: number; y1: number } | null): void {
    const b = this.box;
    const u = old && b
      ? { x0: Math.min(old.x0, b.x0), y0: Math.min(old.y0, b.y0), x1: Math.max(old.x1, b.x1), y1: Math.max(old.y1, b.y1) }
      : (old ?? b);
    if (!u || !this.image) return;
    this.ctx.putImageData(this.image, 0, 0, u.x0, u.y0, u.x1 - u.x0 + 1, u.y1 - u.y0 + 1);
  }
}
