/**
 * Painting without a pointer: the label-map canvas takes focus, the arrow keys move a cursor
 * (Shift: by the brush's size), Space held down paints along the way as a brush or eraser
 * stroke, Enter applies the tool once (a dab, a fill, a pick). Each change is said aloud.
 */
import { Stroke } from './mask';
import { dab } from './shapes';
import { fillAt, type PainterHost } from './painter';
import type { Stage } from './stage';

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

export class KeyboardPainter {
  private x = -1;
  private y = -1;
  private stroke: Stroke | null = null;

  constructor(
    private readonly stage: Stage,
    private readonly host: PainterHost,
    private readonly say: (text: string) => void,
  ) {
    const c = stage.maskCanvas;
    c.tabIndex = 0;
    c.setAttribute('role', 'application');
    c.setAttribute('aria-roledescription', 'label map');
    c.setAttribute('aria-label', 'Label map: arrow keys move the cursor, Space paints while held, Enter applies the tool');
    c.addEventListener('keydown', (e) => this.down(e));
    c.addEventListener('keyup', (e) => this.up(e));
    c.addEventListener('focus', () => this.show());
    c.addEventListener('blur', () => {
      this.end();
      stage.preview.clear();
    });
  }

  private down(e: KeyboardEvent): void {
    const mask = this.host.mask();
    // Only a canvas reached by keyboard paints from keys: after a click, Space pans and Enter
    // closes the pointer's polygon (view_navigation.ts, painter.ts).
    if (!mask || e.ctrlKey || e.metaKey || e.altKey || !this.stage.maskCanvas.matches(':focus-visible')) return;
    this.centreIfUnset();
    if (Object.hasOwn(ARROWS, e.key)) {
      e.preventDefault();
      const step = e.shiftKey ? Math.max(1, this.host.brushSize()) : 1;
      const [dx, dy] = ARROWS[e.key];
      const nx = Math.max(0, Math.min(mask.width - 1, this.x + dx * step));
      const ny = Math.max(0, Math.min(mask.height - 1, this.y + dy * step));
      if (this.stroke) {
        this.stroke.line(this.x, this.y, nx, ny, this.host.brushSize());
        this.flush();
      }
      this.x = nx;
      this.y = ny;
      this.show();
      if (!e.repeat) this.say(this.describe());
    } else if (e.key === ' ') {
      e.preventDefault();
      if (!e.repeat) this.begin();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      this.begin();
      this.end();
    }
  }

  private up(e: KeyboardEvent): void {
    if (e.key === ' ') this.end();
  }

  /** Starts what the current tool does at the cursor; brush and eraser keep painting until end(). */
  private begin(): void {
    const mask = this.host.mask();
    if (!mask || this.stroke) return;
    const tool = this.host.tool();
    if (tool === 'eyedropper') {
      this.host.onPick(mask.at(this.x, this.y));
      this.say(`picked ${this.host.describe(mask.at(this.x, this.y))}`);
      return;
    }
    // The shape tools are drawn with the pointer.
    if (!this.host.editable() || (tool !== 'brush' && tool !== 'eraser' && tool !== 'fill')) return;
    const value = tool === 'eraser' ? this.host.eraseValue() : this.host.paintValue();
    if (value === null) return;
    if (tool === 'fill') {
      fillAt(this.host, mask, value, this.x, this.y);
      this.say(`filled with ${this.host.describe(value)}`);
      return;
    }
    this.stroke = new Stroke(mask, value, tool === 'eraser' ? 'Erase' : 'Brush');
    this.stroke.dab(this.x, this.y, this.host.brushSize());
    this.flush();
  }

  private end(): void {
    const s = this.stroke;
    if (!s) return;
    this.stroke = null;
    this.flush(s);
    this.host.onStrokeEnd(s);
    this.say(`painted ${this.host.describe(s.value)}`);
  }

  private flush(s: Stroke | null = this.stroke): void {
    const d = s?.takeDirty();
    if (d) this.host.onPaint(d);
  }

  private centreIfUnset(): void {
    const mask = this.host.mask();
    if (mask && (this.x < 0 || this.x >= mask.width || this.y < 0 || this.y >= mask.height)) {
      this.x = Math.floor(mask.width / 2);
      this.y = Math.floor(mask.height / 2);
    }
  }

  /** The brush's footprint at the cursor, as the pointer's preview shows it. */
  private show(): void {
    if (!this.host.mask()) return;
    this.centreIfUnset();
    const tool = this.host.tool();
    const value = tool === 'eraser' ? this.host.eraseValue() : this.host.paintValue();
    if (value === null || (tool !== 'brush' && tool !== 'eraser')) return this.stage.preview.clear();
    this.stage.preview.show(this.host.previewColour(value), (sink) => dab(sink, this.x, this.y, this.host.brushSize()));
  }

  private describe(): string {
    const mask = this.host.mask();
    return mask ? `${this.x}, ${this.y}: ${this.host.describe(mask.at(this.x, this.y))}` : '';
  }
}
