/**
 * Pointer input on the mask canvas: brush and eraser strokes (pointer down to up, one stroke),
 * flood fill on click, the eyedropper (also Alt+click with any tool), hover info and the
 * brush outline.
 */
import { Stroke, type Mask } from './mask';
import type { Stage } from './stage';
import type { Tool } from './ui_state';

export interface PainterHost {
  mask(): Mask | null;
  tool(): Tool;
  brushSize(): number;
  /** File id the brush/fill paints, or null when there is none. */
  paintValue(): number | null;
  /** File id the eraser paints, or null (no dontcare id). */
  eraseValue(): number | null;
  editable(): boolean;
  describe(fileId: number): string;
  /** Pixels changed while dragging (repaint this rectangle, ask for a frame soon). */
  onPaint(rect: { x0: number; y0: number; x1: number; y1: number }): void;
  /** The stroke is over: send it, update the legend, ask for a frame. */
  onStrokeEnd(stroke: Stroke): void;
  onPick(fileId: number): void;
}

export class Painter {
  private stroke: Stroke | null = null;
  private last: { x: number; y: number } | null = null;
  private pointerId: number | null = null;

  constructor(
    private readonly stage: Stage,
    private readonly host: PainterHost,
  ) {
    const c = stage.maskCanvas;
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', (e) => this.up(e));
    c.addEventListener('lostpointercapture', (e) => this.up(e));
    c.addEventListener('pointerleave', () => {
      if (!this.stroke) this.hideHover();
    });
    c.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  get painting(): boolean {
    return this.stroke !== null;
  }

  private down(e: PointerEvent): void {
    const mask = this.host.mask();
    if (!mask || e.button !== 0 || this.stroke) return;
    const p = this.stage.pixelAt(e);
    if (!mask.inside(p.x, p.y)) return;
    const tool = e.altKey ? 'eyedropper' : this.host.tool();
    if (tool === 'eyedropper') {
      this.host.onPick(mask.at(p.x, p.y));
      return;
    }
    if (!this.host.editable()) return;
    const value = tool === 'eraser' ? this.host.eraseValue() : this.host.paintValue();
    if (value === null) return;
    e.preventDefault();
    if (tool === 'fill') {
      const s = new Stroke(mask, value, 'Fill');
      s.fill(p.x, p.y);
      const d = s.takeDirty();
      if (d) this.host.onPaint(d);
      this.host.onStrokeEnd(s);
      return;
    }
    this.stroke = new Stroke(mask, value, tool === 'eraser' ? 'Erase' : 'Brush');
    this.pointerId = e.pointerId;
    this.stage.maskCanvas.setPointerCapture(e.pointerId);
    this.stroke.dab(p.x, p.y, this.host.brushSize());
    this.last = p;
    this.flush();
  }

  private move(e: PointerEvent): void {
    const mask = this.host.mask();
    if (!mask) return;
    this.hover(e, mask);
    if (!this.stroke || e.pointerId !== this.pointerId) return;
    // Coalesced events keep fast strokes smooth where the browser batches moves.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.stage.pixelAt(ev);
      const l = this.last ?? p;
      if (p.x === l.x && p.y === l.y) continue;
      this.stroke.line(l.x, l.y, p.x, p.y, this.host.brushSize());
      this.last = p;
    }
    this.flush();
  }

  private up(e: PointerEvent): void {
    if (!this.stroke || e.pointerId !== this.pointerId) return;
    const s = this.stroke;
    this.stroke = null;
    this.last = null;
    this.pointerId = null;
    if (this.stage.maskCanvas.hasPointerCapture(e.pointerId)) this.stage.maskCanvas.releasePointerCapture(e.pointerId);
    this.flush(s);
    this.host.onStrokeEnd(s);
  }

  private flush(s: Stroke | null = this.stroke): void {
    const d = s?.takeDirty();
    if (d) this.host.onPaint(d);
  }

  private hover(e: PointerEvent, mask: Mask): void {
    const p = this.stage.pixelAt(e);
    if (!mask.inside(p.x, p.y)) {
      this.hideHover();
      return;
    }
    const id = mask.at(p.x, p.y);
    const info = this.stage.hoverInfo;
    info.style.display = 'block';
    info.textContent = `${p.x}, ${p.y} · ${this.host.describe(id)} (${id})`;
    const tool = this.host.tool();
    const brushy = (tool === 'brush' || tool === 'eraser') && this.host.editable() && !e.altKey;
    this.stage.showBrush(brushy ? e : null, this.host.brushSize());
  }

  private hideHover(): void {
    this.stage.hoverInfo.style.display = 'none';
    this.stage.showBrush(null, 0);
  }
}
