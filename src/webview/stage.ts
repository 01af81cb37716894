/**
 * The two canvases: `#mask-canvas` (the label map in palette colours, at its own pixel size)
 * and `#output-canvas` (the generator's output, at the model's size), side by side or with
 * the output drawn over the mask at a chosen opacity. Each pane fills its share of the stage;
 * both canvases are placed by one zoom/pan transform (nearest-neighbour sampling), so they
 * stay in lock-step. `#shape-preview` lies over the mask and shows what a tool would paint.
 */
import { ShapePreview } from './shape_preview';
import type { ViewMode } from './ui_state';
import { clampPan, fitView, panBy, scaleAboutCentre, stackVertically, zoomAt, type ViewTransform } from './view_transform';

export class Stage {
  readonly el: HTMLElement;
  readonly panes: HTMLElement;
  readonly maskCanvas: HTMLCanvasElement;
  readonly outputCanvas: HTMLCanvasElement;
  readonly preview = new ShapePreview();
  readonly hoverInfo: HTMLElement;
  private readonly maskPane: HTMLElement;
  private readonly outputPane: HTMLElement;
  private readonly maskCtx: CanvasRenderingContext2D;
  private readonly outputCtx: CanvasRenderingContext2D;
  private maskImage: ImageData | null = null;
  private view: ViewMode = 'side';
  private transform: ViewTransform = { scale: 1, ox: 0, oy: 0 };
  /** Fit follows the pane's size; any zoom or pan turns it off until "Fit" again. */
  private fitting = true;
  /** Told after every zoom change (the toolbar's percentage). */
  onZoom: (scale: number, fitting: boolean) => void = () => {};

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
    this.hoverInfo = div('hover-info');
    this.maskPane.append(this.maskCanvas, this.preview.canvas, this.hoverInfo);
    this.outputPane.append(this.outputCanvas);
    this.panes.append(this.maskPane, this.outputPane);
    this.el.append(this.panes);
    this.maskCtx = this.maskCanvas.getContext('2d')!;
    this.outputCtx = this.outputCanvas.getContext('2d')!;
    new ResizeObserver(() => this.layout()).observe(this.el);
  }

  /** CSS pixels per mask pixel. */
  get scale(): number {
    return this.transform.scale;
  }

  get fitted(): boolean {
    return this.fitting;
  }

  setView(view: ViewMode, opacity: number): void {
    this.view = view;
    this.panes.classList.toggle('overlay', view === 'overlay');
    this.outputCanvas.style.opacity = view === 'overlay' ? String(opacity) : '1';
    this.layout();
  }

  /** Sizes the mask canvas (pixels), clears it and fits it to the pane. */
  setMaskSize(width: number, height: number): void {
    this.maskCanvas.width = width;
    this.maskCanvas.height = height;
    this.maskImage = this.maskCtx.createImageData(width, height);
    this.preview.setSize(width, height);
    this.fitting = true;
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

  // ---- zoom and pan ----------------------------------------------------------------------------
  fit(): void {
    this.fitting = true;
    this.layout();
  }

  /** One mask pixel per CSS pixel, about the pane's centre. */
  actualSize(): void {
    const { w, h } = this.paneSize();
    this.setTransform(scaleAboutCentre(this.transform, 1, w, h));
  }

  /** Zooms by `factor` about a pointer position (client coordinates), or the pane's centre. */
  zoom(factor: number, at?: { clientX: number; clientY: number }): void {
    const { w, h } = this.paneSize();
    const p = at ? this.panePoint(at) : { x: w / 2, y: h / 2 };
    this.setTransform(zoomAt(this.transform, factor, p.x, p.y));
  }

  pan(dx: number, dy: number): void {
    this.setTransform(panBy(this.transform, dx, dy));
  }

  /** Lays out the panes and places both canvases by the transform (refitting while fitting). */
  layout(): void {
    const mw = this.maskCanvas.width;
    const mh = this.maskCanvas.height;
    if (!mw || !mh) return;
    this.arrange(mw, mh);
    const { w, h } = this.paneSize();
    if (w <= 0 || h <= 0) return;
    this.transform = this.fitting ? fitView(mw, mh, w, h) : clampPan(this.transform, mw, mh, w, h);
    const { scale, ox, oy } = this.transform;
    for (const c of [this.maskCanvas, this.preview.canvas, this.outputCanvas]) {
      c.style.left = `${ox}px`;
      c.style.top = `${oy}px`;
      c.style.width = `${mw * scale}px`;
      c.style.height = `${mh * scale}px`;
    }
    this.el.dataset.zoom = scale.toFixed(4);
    this.onZoom(scale, this.fitting);
  }

  /** Side by side in a row or a column, whichever shows the map larger in this stage. */
  private arrange(mw: number, mh: number): void {
    const stacked = this.view === 'side' && stackVertically(mw, mh, this.panes.clientWidth, this.panes.clientHeight, PANE_GAP);
    this.panes.classList.toggle('stacked', stacked);
  }

  private setTransform(t: ViewTransform): void {
    this.transform = t;
    this.fitting = false;
    this.layout();
  }

  private paneSize(): { w: number; h: number } {
    return { w: this.maskPane.clientWidth, h: this.maskPane.clientHeight };
  }

  /** Client coordinates in the pane the point is over (both panes share one transform). */
  private panePoint(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const out = this.outputPane.getBoundingClientRect();
    const overOutput =
      this.view === 'side' && e.clientX >= out.left && e.clientX < out.right && e.clientY >= out.top && e.clientY < out.bottom;
    const r = (overOutput ? this.outputPane : this.maskPane).getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }
}

/** The gap between the panes (CSS pixels; the stylesheet's .panes gap). */
const PANE_GAP = 10;

function div(cls: string): HTMLElement {
  const d = document.createElement('div');
  d.className = cls;
  return d;
}
