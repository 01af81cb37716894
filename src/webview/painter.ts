/**
 * Pointer input on the mask canvas: brush and eraser strokes (pointer down to up, one stroke),
 * flood fill on click, the eyedropper (also Alt+click with any tool), the shape tools (line,
 * rectangle, polygon, lasso; each shape is one stroke), hover info and the preview of what
 * the tool would paint, drawn in mask pixels.
 */
import { Stroke, type Mask } from './mask';
import { constrainAngle, dab, polygon, rect, thickLine, type PixelSink, type Point } from './shapes';
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
  /** The preview's colour for a file id (packed RGBA as canvases store it). */
  previewColour(fileId: number): number;
  editable(): boolean;
  describe(fileId: number): string;
  /** Pixels changed while dragging (repaint this rectangle, ask for a frame soon). */
  onPaint(rect: { x0: number; y0: number; x1: number; y1: number }): void;
  /** The stroke is over: send it, update the legend, ask for a frame. */
  onStrokeEnd(stroke: Stroke): void;
  onPick(fileId: number): void;
}

const STROKE_LABELS: Partial<Record<Tool, string>> = { line: 'Line', rect: 'Rectangle', polygon: 'Polygon', lasso: 'Lasso fill' };
/** Polygon: a click this close (CSS pixels) to the first vertex closes the shape. */
const CLOSE_PX = 8;

/** A shape being drawn: its tool, the points so far and where the pointer is. */
interface Shape {
  tool: 'line' | 'rect' | 'polygon' | 'lasso';
  points: Point[];
  cursor: Point;
  shift: boolean;
  pointerId: number | null;
}

export class Painter {
  private stroke: Stroke | null = null;
  private last: { x: number; y: number } | null = null;
  private pointerId: number | null = null;
  private shape: Shape | null = null;

  constructor(
    private readonly stage: Stage,
    private readonly host: PainterHost,
  ) {
    const c = stage.maskCanvas;
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', (e) => this.cancel(e));
    c.addEventListener('lostpointercapture', (e) => this.up(e));
    c.addEventListener('dblclick', (e) => {
      if (this.shape?.tool === 'polygon') {
        e.preventDefault();
        this.commitShape();
      }
    });
    c.addEventListener('pointerleave', () => {
      if (!this.stroke && !this.shape) this.hideHover();
    });
    c.addEventListener('contextmenu', (e) => e.preventDefault());
  }

  get painting(): boolean {
    return this.stroke !== null || this.shape !== null;
  }

  /** Enter closes a polygon, Escape drops the shape being drawn, Backspace its last vertex. */
  key(e: KeyboardEvent): boolean {
    const s = this.shape;
    if (!s) return false;
    if (e.key === 'Shift') {
      s.shift = e.type === 'keydown';
      this.drawShapePreview();
      return true;
    }
    // The rest act once, on the key going down.
    if (e.type !== 'keydown') return false;
    if (e.key === 'Escape') this.dropShape();
    else if (e.key === 'Enter' && s.tool === 'polygon') this.commitShape();
    else if (e.key === 'Backspace' && s.tool === 'polygon' && s.points.length > 1) {
      s.points.pop();
      this.drawShapePreview();
    } else return false;
    return true;
  }

  /** The tool changed: a half-drawn shape is dropped. */
  toolChanged(): void {
    this.dropShape();
  }

  private down(e: PointerEvent): void {
    const mask = this.host.mask();
    if (!mask || e.button !== 0 || this.stroke) return;
    const p = this.stage.pixelAt(e);
    const tool = e.altKey ? 'eyedropper' : this.host.tool();
    if (tool === 'polygon' && this.shape?.tool === 'polygon') {
      this.addPolygonVertex(e, p);
      return;
    }
    if (!mask.inside(p.x, p.y) || this.shape) return;
    if (tool === 'eyedropper') {
      this.host.onPick(mask.at(p.x, p.y));
      return;
    }
    if (!this.host.editable()) return;
    const value = tool === 'eraser' ? this.host.eraseValue() : this.host.paintValue();
    if (value === null) return;
    e.preventDefault();
    if (tool === 'fill') return fillAt(this.host, mask, value, p.x, p.y);
    if (tool === 'line' || tool === 'rect' || tool === 'polygon' || tool === 'lasso') {
      // Polygons are clicked vertex by vertex; the others follow one drag.
      const drag = tool !== 'polygon';
      this.shape = { tool, points: [p], cursor: p, shift: e.shiftKey, pointerId: drag ? e.pointerId : null };
      if (drag) this.stage.maskCanvas.setPointerCapture(e.pointerId);
      this.drawShapePreview();
      return;
    }
    this.stage.preview.clear();
    this.stroke = new Stroke(mask, value, tool === 'eraser' ? 'Erase' : 'Brush');
    this.pointerId = e.pointerId;
    this.stage.maskCanvas.setPointerCapture(e.pointerId);
    this.stroke.dab(p.x, p.y, this.host.brushSize());
    this.last = p;
    this.flush();
  }

  private addPolygonVertex(e: PointerEvent, p: Point): void {
    const s = this.shape!;
    const first = s.points[0];
    const r = this.stage.maskCanvas.getBoundingClientRect();
    const k = r.width / this.stage.maskCanvas.width;
    const nearFirst = Math.hypot((p.x - first.x) * k, (p.y - first.y) * k) <= Math.max(CLOSE_PX, k);
    e.preventDefault();
    if (nearFirst && s.points.length >= 3) {
      this.commitShape();
      return;
    }
    const lastPt = s.points[s.points.length - 1];
    // The second click of a double-click lands on the same pixel: the dblclick closes instead.
    if (p.x !== lastPt.x || p.y !== lastPt.y) s.points.push(p);
    this.drawShapePreview();
  }

  private move(e: PointerEvent): void {
    const mask = this.host.mask();
    if (!mask) return;
    this.hover(e, mask);
    const s = this.shape;
    if (s) {
      const p = this.stage.pixelAt(e);
      s.shift = e.shiftKey;
      if (s.tool === 'lasso' && e.pointerId === s.pointerId) {
        const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const ev of events.length ? events : [e]) {
          const q = this.stage.pixelAt(ev);
          const l = s.points[s.points.length - 1];
          if (q.x !== l.x || q.y !== l.y) s.points.push(q);
        }
      }
      s.cursor = p;
      this.drawShapePreview();
      return;
    }
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
    const sh = this.shape;
    if (sh && sh.pointerId !== null && e.pointerId === sh.pointerId) {
      sh.pointerId = null;
      sh.cursor = this.stage.pixelAt(e);
      sh.shift = e.shiftKey;
      this.commitShape();
      return;
    }
    if (!this.stroke || e.pointerId !== this.pointerId) return;
    const s = this.stroke;
    this.stroke = null;
    this.last = null;
    this.pointerId = null;
    if (this.stage.maskCanvas.hasPointerCapture(e.pointerId)) this.stage.maskCanvas.releasePointerCapture(e.pointerId);
    this.flush(s);
    this.host.onStrokeEnd(s);
  }

  private cancel(e: PointerEvent): void {
    if (this.shape && this.shape.pointerId === e.pointerId) this.dropShape();
    else this.up(e);
  }

  /** The shape's pixels (as committed) into a sink. */
  private rasterize(s: Shape, sink: PixelSink): void {
    const a = s.points[0];
    switch (s.tool) {
      case 'line':
        thickLine(sink, a, s.shift ? constrainAngle(a, s.cursor) : s.cursor, this.host.brushSize());
        break;
      case 'rect':
        rect(sink, a, s.cursor);
        break;
      case 'polygon':
        polygon(sink, [...s.points, s.cursor]);
        break;
      case 'lasso':
        polygon(sink, s.points);
        break;
    }
  }

  private drawShapePreview(): void {
    const s = this.shape;
    const v = this.host.paintValue();
    if (!s || v === null) return;
    this.stage.preview.show(this.host.previewColour(v), (sink) => this.rasterize(s, sink));
  }

  private commitShape(): void {
    const s = this.shape;
    const mask = this.host.mask();
    const value = this.host.paintValue();
    this.dropShape();
    if (!s || !mask || value === null || !this.host.editable()) return;
    // A closed polygon ends at its last clicked vertex, not at the pointer.
    const shape = s.tool === 'polygon' ? { ...s, cursor: s.points[s.points.length - 1] } : s;
    const stroke = new Stroke(mask, value, STROKE_LABELS[s.tool] ?? 'Shape');
    this.rasterize(shape, stroke);
    this.flush(stroke);
    this.host.onStrokeEnd(stroke);
  }

  private dropShape(): void {
    const s = this.shape;
    this.shape = null;
    if (s?.pointerId != null && this.stage.maskCanvas.hasPointerCapture(s.pointerId)) {
      this.stage.maskCanvas.releasePointerCapture(s.pointerId);
    }
    this.stage.preview.clear();
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
    if (this.shape || this.stroke) return;
    // The brush's footprint, exactly the pixels a dab here would paint.
    const tool = this.host.tool();
    const value = tool === 'eraser' ? this.host.eraseValue() : this.host.paintValue();
    const brushy = (tool === 'brush' || tool === 'eraser') && this.host.editable() && !e.altKey && value !== null;
    if (brushy) this.stage.preview.show(this.host.previewColour(value), (sink) => dab(sink, p.x, p.y, this.host.brushSize()));
    else this.stage.preview.clear();
  }

  private hideHover(): void {
    this.stage.hoverInfo.style.display = 'none';
    this.stage.preview.clear();
  }
}

/** A flood fill from (x, y) with `value`, as one finished edit: the pointer's and the keyboard's. */
export function fillAt(host: PainterHost, mask: Mask, value: number, x: number, y: number): void {
  const s = new Stroke(mask, value, 'Fill');
  s.fill(x, y);
  const d = s.takeDirty();
  if (d) host.onPaint(d);
  host.onStrokeEnd(s);
}
