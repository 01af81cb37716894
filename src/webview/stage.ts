/**
 * The two canvases: `#mask-canvas` (the label map in palette colours, at its own pixel size)
 * and `#output-canvas` (the generator's output, at the model's size). Both are shown at the
 * same size, scaled to fit with nearest-neighbour sampling, side by side or with the output
 * drawn over the mask at a chosen opacity.
 */
import type { ViewMode } from './ui_state';

export class Stage {
  readonly el: HTMLElement;
  readonly maskCanvas: HTMLCanvasElement;
  readonly outputCanvas: HTMLCanvasElement;
  readonly brushCursor: HTMLElement;
  readonly hoverInfo: HTMLElement;
  private readonly panes: HTMLElement;
  private readonly maskPane: HTMLElement;
  private readonly outputPane: HTMLElement;
  private readonly maskCtx: CanvasRenderingContext2D;
  private readonly outputCtx: CanvasRenderingContext2D;
  private maskImage: ImageData | null = null;
  private view: ViewMode = 'side';
  /** CSS pixels per mask pixel. */
  scale = 1;

  constructor() {
    this.el = document.createElement('section');
    this.el.className = 'stage';
    this.panes = div('panes');
    this.maskPane = div('pane mask');
    this.outputPane = div('pane output');
    this.maskCanvas = document.createElement('canvas');
    this.maskCanvas.id = 'mask-canvas';
    this.maskCanvas.setAttribute('aria-label', 'Label map');
    this.outputCanvas = document.createElement('canvas');
    this.outputCanvas.id = 'output-canvas';
    this.outputCanvas.setAttribute('role', 'img');
    this.outputCanvas.setAttribute('aria-label', 'Synthesized image');
    this.brushCursor = div('brush-cursor');
    this.hoverInfo = div('hover-info');
    this.maskPane.append(this.maskCanvas, this.brushCursor, this.hoverInfo);
    this.outputPane.append(this.outputCanvas);
    this.panes.append(this.maskPane, this.outputPane);
    this.el.append(this.panes);
    this.maskCtx = this.maskCanvas.getContext('2d')!;
    this.outputCtx = this.outputCanvas.getContext('2d')!;
    new ResizeObserver(() => this.layout()).observe(this.el);
  }

  setView(view: ViewMode, opacity: number): void {
    this.view = view;
    this.panes.classList.toggle('overlay', view === 'overlay');
    this.outputCanvas.style.opacity = view === 'overlay' ? String(opacity) : '1';
    this.layout();
  }

  /** Sizes the mask canvas (pixels) and clears it. */
  setMaskSize(width: number, height: number): void {
    this.maskCanvas.width = width;
    this.maskCanvas.height = height;
    this.maskImage = this.maskCtx.createImageData(width, height);
    this.layout();
  }

  /** Repaints the mask (or the rectangle x0..x1, y0..y1 of it) through the colour table. */
  paintMask(ids: Int32Array, lut: Uint32Array, rect?: { x0: number; y0: number; x1: number; y1: number }): void {
    const img = this.maskImage;
    if (!img) return;
    const w = img.width;
    const px = new Uint32Array(img.data.buffer);
    const r = rect ?? { x0: 0, y0: 0, x1: w - 1, y1: img.height - 1 };
    const last = lut.length - 1;
    for (let y = r.y0; y <= r.y1; y++) {
      const row = y * w;
      for (let x = r.x0; x <= r.x1; x++) {
        const v = ids[row + x];
        px[row + x] = lut[v < 0 || v > last ? last : v];
      }
    }
    this.maskCtx.putImageData(img, 0, 0, r.x0, r.y0, r.x1 - r.x0 + 1, r.y1 - r.y0 + 1);
  }

  /** Shows a synthesized frame (RGBA at the model's size). */
  showOutput(rgba: Uint8ClampedArray, width: number, height: number): void {
    if (this.outputCanvas.width !== width || this.outputCanvas.height !== height) {
      this.outputCanvas.width = width;
      this.outputCanvas.height = height;
    }
    this.outputCtx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  }

  clearOutput(): void {
    this.outputCtx.clearRect(0, 0, this.outputCanvas.width, this.outputCanvas.height);
  }

  /** Mask pixel under a pointer event (may be outside the mask). */
  pixelAt(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const r = this.maskCanvas.getBoundingClientRect();
    return {
      x: Math.floor(((e.clientX - r.left) / r.width) * this.maskCanvas.width),
      y: Math.floor(((e.clientY - r.top) / r.height) * this.maskCanvas.height),
    };
  }

  /** Draws the brush outline (diameter in mask pixels) around a pointer position, or hides it. */
  showBrush(e: { clientX: number; clientY: number } | null, size: number): void {
    const c = this.brushCursor;
    if (!e) {
      c.style.display = 'none';
      return;
    }
    const d = Math.max(4, size * this.scale);
    const p = this.pixelAt(e);
    // Centre on the dab's centre: pixel centre for odd sizes, pixel corner for even ones.
    const off = size % 2 === 1 ? 0.5 : 0;
    const cx = (p.x + off) * this.scale;
    const cy = (p.y + off) * this.scale;
    c.style.display = 'block';
    c.style.width = c.style.height = `${d}px`;
    c.style.left = `${cx - d / 2}px`;
    c.style.top = `${cy - d / 2}px`;
  }

  /** Fits the panes into the stage: both canvases get the mask's aspect and the same size. */
  layout(): void {
    const w = this.maskCanvas.width;
    const h = this.maskCanvas.height;
    if (!w || !h) return;
    const cs = getComputedStyle(this.el);
    const availW = this.el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const availH = this.el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    const gap = 10;
    const paneW = this.view === 'side' ? (availW - gap) / 2 : availW;
    let s = Math.min(paneW / w, availH / h);
    // Whole multiples when scaling up keep every label pixel the same size on screen.
    if (s >= 2) s = Math.floor(s);
    s = Math.max(s, 0.05);
    this.scale = s;
    const cw = `${Math.max(1, Math.floor(w * s))}px`;
    const ch = `${Math.max(1, Math.floor(h * s))}px`;
    for (const c of [this.maskCanvas, this.outputCanvas]) {
      c.style.width = cw;
      c.style.height = ch;
    }
    this.panes.style.width = this.view === 'overlay' ? cw : '';
  }
}

function div(cls: string): HTMLElement {
  const d = document.createElement('div');
  d.className = cls;
  return d;
}
