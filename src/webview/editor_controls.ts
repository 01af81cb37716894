/**
 * The editor's input side: the UI state (tool, brush, class, style, view; VS Code keeps it
 * across hide and show), the toolbar, the class list, painting on the mask and the keyboard.
 */
import { ClassList } from './class_list';
import type { LabelPalette } from './label_palette';
import { Stroke, type Mask } from './mask';
import { KeyboardPainter } from './keyboard_painter';
import { Painter, type PainterHost } from './painter';
import { runEditorAction, type ShortcutActions } from './shortcuts';
import type { EditorAction } from '../shared/protocol';
import type { Stage } from './stage';
import { Toolbar } from './toolbar';
import { randomSeed, restoreState, type Tool, type UiState } from './ui_state';
import { installViewNavigation } from './view_navigation';
import type { Host } from './vscode_api';
import type { ModelInfo } from './worker_protocol';

/** What the controls read of the document and the model (the editor owns them). */
export interface EditedDocument {
  mask(): Mask | null;
  palette(): LabelPalette | null;
  model(): ModelInfo | null;
  editable(): boolean;
}

export interface ControlEvents {
  /** The picture should follow the mask or the style: now (`urgent`) or within the drag interval. */
  requestFrame(urgent: boolean): void;
  /** An edit is over (pointer up, a shape closed, Replace class): its picture's wait begins. */
  strokeEnded(): void;
  toggleStyles(): void;
  /** The toolbar's Copy: the picture on screen to the clipboard. */
  copyPicture(): void;
  /** Tells a screen reader (the status line's live region). */
  say(text: string): void;
}

/** The class list's counts follow a stroke after this long (painting does not wait for them). */
const LEGEND_DELAY_MS = 100;
/** Opacity of the tool preview over the mask (of 255). */
const PREVIEW_ALPHA = 0xb4;
/** The host caps a stroke's label at this many characters. */
const MAX_LABEL = 40;

export class EditorControls {
  private current: UiState;
  private readonly toolbar: Toolbar;
  readonly classes: ClassList;
  private lastPaintTool: Tool = 'brush';
  private legendTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly painter: Painter;
  private readonly shortcuts: ShortcutActions;

  constructor(
    private readonly host: Host<UiState>,
    private readonly stage: Stage,
    private readonly doc: EditedDocument,
    private readonly events: ControlEvents,
  ) {
    this.current = restoreState(host.getState());
    if (this.current.tool !== 'eyedropper') this.lastPaintTool = this.current.tool;
    this.toolbar = new Toolbar(
      {
        onTool: (t) => this.setTool(t),
        onBrushSize: (n) => this.update({ brushSize: n }),
        onView: (v) => this.update({ view: v }),
        onOpacity: (o) => this.update({ opacity: o }),
        onSeed: (seed) => this.setSeed(seed),
        onRandomStyle: () => this.setSeed(randomSeed()),
        onPickStyleImage: () => this.host.post({ type: 'pickStyleImage' }),
        onClearStyleImage: () => this.useStyleImage(null),
        onToggleStyles: () => this.events.toggleStyles(),
        onCopyPicture: () => this.events.copyPicture(),
        onFit: () => stage.fit(),
        onActualSize: () => stage.actualSize(),
        onZoom: (f) => stage.zoom(f),
      },
      this.current,
    );
    const onFilter = (f: string) => this.update({ filter: f }, false);
    const onReplace = (from: number, to: number) => this.replaceClass(from, to);
    this.classes = new ClassList({ onPick: (id) => this.pickClass(id), onFilter, onReplace }, this.current.filter);
    stage.onZoom = (scale, fitting) => this.toolbar.setZoom(scale, fitting);
    installViewNavigation(stage, document);
    const painterHost: PainterHost = {
      mask: () => doc.mask(),
      tool: () => this.current.tool,
      brushSize: () => this.current.brushSize,
      paintValue: () => this.current.classId,
      eraseValue: () => doc.palette()?.dontcare?.fileId ?? null,
      previewColour: (id) => {
        const lut = doc.palette()?.lut;
        const c = lut ? lut[Math.min(Math.max(id, 0), lut.length - 1)] : 0xffffffff;
        // Packed little-endian RGBA: alpha is the top byte.
        return ((c & 0x00ffffff) | (PREVIEW_ALPHA << 24)) >>> 0;
      },
      editable: () => doc.editable(),
      describe: (id) => doc.palette()?.get(id)?.name ?? 'not in the label set',
      onPaint: (rect) => {
        const mask = doc.mask();
        const palette = doc.palette();
        if (mask && palette) stage.paintMask(mask.ids, palette.lut, rect);
        events.requestFrame(false);
      },
      onStrokeEnd: (s) => this.endStroke(s),
      onPick: (id) => this.pickFromMask(id),
    };
    this.painter = new Painter(stage, painterHost);
    new KeyboardPainter(stage, painterHost, (text) => events.say(text));
    // Shape keys (Enter, Escape, Backspace, Shift) go to the shape being drawn first.
    const shapeKey = (e: KeyboardEvent) => {
      if (this.painter.key(e)) e.preventDefault();
    };
    document.addEventListener('keydown', shapeKey);
    document.addEventListener('keyup', shapeKey);
    this.shortcuts = {
      editable: () => doc.editable(),
      setTool: (t) => this.setTool(t),
      brushSize: () => this.current.brushSize,
      setBrushSize: (n) => this.update({ brushSize: n }),
    };
  }

  /** A keybinding's action, resolved by VS Code and forwarded by the host. */
  runAction(action: EditorAction): void {
    if (!runEditorAction(action, this.shortcuts, document.activeElement)) return;
    // The toolbar shows the change; a screen reader hears it.
    this.events.say(action === 'smaller' || action === 'larger' ? `Brush size ${this.current.brushSize}` : `${this.current.tool} tool`);
  }

  get el(): HTMLElement {
    return this.toolbar.el;
  }

  get state(): UiState {
    return this.current;
  }

  /** Changes UI state, persists it and refreshes the controls. */
  update(patch: Partial<UiState>, refresh = true): void {
    this.current = { ...this.current, ...patch };
    this.host.setState(this.current);
    if (!refresh) return;
    this.toolbar.update(this.current);
    if (patch.view !== undefined || patch.opacity !== undefined) this.stage.setView(this.current.view, this.current.opacity);
  }

  /** An encoded style image to render with (null: back to the seed). */
  useStyleImage(styleImage: UiState['styleImage']): void {
    this.update({ styleImage });
    this.events.requestFrame(true);
  }

  /** A new label set: keep the class when it has it, else pick one the map uses. */
  showLabelSet(palette: LabelPalette): void {
    this.classes.setPalette(palette);
    const cls = this.current.classId;
    if (cls === null || !palette.classes.some((c) => c.fileId === cls)) {
      // The most common class in the map, else the first one.
      const hist = this.doc.mask()?.histogram() ?? [];
      const inMap = hist.find((h) => palette.classes.some((c) => c.fileId === h.id));
      this.update({ classId: inMap?.id ?? palette.classes[0]?.fileId ?? null });
    }
    this.classes.setSelected(this.current.classId);
    if (this.current.tool === 'eraser' && !palette.dontcare) this.setTool('brush');
    this.repaintMask();
    this.updateLegend();
  }

  /** What the tools may do, after the document, the label set or the model changed. */
  refreshCapabilities(): void {
    const m = this.doc.model();
    this.toolbar.setCapabilities({
      editable: this.doc.editable(),
      eraser: !!this.doc.palette()?.dontcare,
      seed: !!m?.useVae,
      styleImage: !!m?.hasEncoder,
    });
    this.stage.maskCanvas.classList.toggle('readonly', !this.doc.editable() && this.current.tool !== 'eyedropper');
  }

  repaintMask(): void {
    const mask = this.doc.mask();
    const palette = this.doc.palette();
    if (mask && palette) this.stage.paintMask(mask.ids, palette.lut);
  }

  updateLegend(): void {
    const mask = this.doc.mask();
    if (mask) this.classes.setHistogram(mask.histogram(), mask.ids.length);
  }

  private endStroke(s: Stroke): void {
    if (s.size > 0) {
      this.events.strokeEnded();
      const indices = s.finish();
      this.host.post({ type: 'stroke', label: s.label, indices, value: s.value });
    }
    this.scheduleLegend();
    this.events.requestFrame(true);
  }

  /** "Replace <class> with…" from the legend: every pixel of one class, as one edit. */
  replaceClass(from: number, to: number): void {
    const mask = this.doc.mask();
    const palette = this.doc.palette();
    if (!mask || !palette || !this.doc.editable() || from === to || !palette.get(to)) return;
    const name = (id: number) => palette.get(id)?.name ?? `#${id}`;
    const label = `Replace ${name(from)} with ${name(to)}`;
    const s = new Stroke(mask, to, label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);
    s.replaceAll(from);
    const d = s.takeDirty();
    if (d) this.stage.paintMask(mask.ids, palette.lut, d);
    this.endStroke(s);
  }

  private scheduleLegend(): void {
    if (this.legendTimer) return;
    this.legendTimer = setTimeout(() => {
      this.legendTimer = null;
      this.updateLegend();
    }, LEGEND_DELAY_MS);
  }

  private pickClass(fileId: number): void {
    const palette = this.doc.palette();
    if (!palette?.get(fileId)) return;
    if (palette.dontcare?.fileId === fileId && !palette.classes.some((c) => c.fileId === fileId)) {
      this.setTool('eraser');
      return;
    }
    this.update({ classId: fileId });
    this.classes.setSelected(fileId);
    if (this.current.tool === 'eraser' || this.current.tool === 'eyedropper') this.setTool(this.lastPaintTool);
  }

  private pickFromMask(fileId: number): void {
    if (!this.doc.palette()?.get(fileId)) {
      this.host.post({ type: 'log', message: `id ${fileId} is not in the label set` });
      return;
    }
    this.pickClass(fileId);
  }

  private setTool(t: Tool): void {
    if (t === 'eraser' && !this.doc.palette()?.dontcare) return;
    if (t !== 'eyedropper') this.lastPaintTool = t;
    if (t !== this.current.tool) this.painter.toolChanged();
    this.update({ tool: t });
    this.stage.maskCanvas.classList.toggle('tool-eyedropper', t === 'eyedropper');
    this.stage.maskCanvas.classList.toggle('readonly', !this.doc.editable() && t !== 'eyedropper');
  }

  private setSeed(seed: number): void {
    if (seed === this.current.seed && !this.current.styleImage) return;
    this.update({ seed, styleImage: null });
    this.events.requestFrame(true);
  }
}
