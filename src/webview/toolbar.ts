/**
 * The toolbar: painting tools (brush + size, fill, eraser, eyedropper), the view toggle
 * (side by side / overlay + opacity) and the style controls (seed, random, style image).
 */
import { BRUSH_MAX, BRUSH_MIN, MAX_SEED, MIN_SEED, type Tool, type UiState, type ViewMode } from './ui_state';
import { button, divider, group, setDisabled, setPressed, slider, textField, type TextField } from './ui';

export interface ToolbarEvents {
  onTool(tool: Tool): void;
  onBrushSize(size: number): void;
  onView(view: ViewMode): void;
  onOpacity(opacity: number): void;
  onSeed(seed: number): void;
  onRandomStyle(): void;
  onPickStyleImage(): void;
  onClearStyleImage(): void;
  onToggleStyles(): void;
  onCopyPicture(): void;
  onFit(): void;
  onActualSize(): void;
  onZoom(factor: number): void;
}

const TOOL_LABELS: Record<Tool, [string, string]> = {
  brush: ['Brush', 'Brush (B): paint the selected class'],
  fill: ['Fill', 'Flood fill (F): replace the connected region of one class'],
  eraser: ['Eraser', "Eraser (E): paint the label set's dontcare id"],
  eyedropper: ['Pick', 'Eyedropper (I): pick the class under the cursor (Alt+click with any tool)'],
  line: ['Line', 'Line (L): drag; the brush size is its width; Shift keeps it at 0, 45 or 90 degrees'],
  rect: ['Rect', 'Rectangle (R): drag from corner to corner to fill a box with the class'],
  polygon: ['Polygon', 'Polygon (P): click the corners; click the first one, double-click or Enter to fill; Esc cancels'],
  lasso: ['Lasso', 'Lasso fill (A): draw round a region to fill it with the class'],
};
/** Tools that change the map (disabled on a read-only one). */
const PAINT_TOOLS: Tool[] = ['brush', 'fill', 'line', 'rect', 'polygon', 'lasso'];

export class Toolbar {
  readonly el: HTMLElement;
  private readonly tools = new Map<Tool, HTMLElement>();
  private readonly sizeSlider: HTMLInputElement;
  private readonly sizeLabel: HTMLElement;
  private readonly views = new Map<ViewMode, HTMLElement>();
  private readonly opacitySlider: HTMLInputElement;
  private readonly zoomLabel: HTMLElement;
  private readonly seedField: TextField;
  private readonly randomBtn: HTMLElement;
  private readonly styleBtn: HTMLElement;
  private readonly clearStyleBtn: HTMLElement;
  private readonly styleName: HTMLElement;

  constructor(
    private readonly events: ToolbarEvents,
    s: UiState,
  ) {
    this.el = document.createElement('header');
    this.el.className = 'toolbar';
    this.el.setAttribute('role', 'toolbar');

    const toolBtns = (Object.keys(TOOL_LABELS) as Tool[]).map((t) => {
      const b = button(TOOL_LABELS[t][0], { title: TOOL_LABELS[t][1], secondary: true, id: `tool-${t}`, onClick: () => events.onTool(t) });
      this.tools.set(t, b);
      return b;
    });
    this.sizeSlider = slider({ min: BRUSH_MIN, max: BRUSH_MAX, value: s.brushSize, title: 'Brush size in label pixels ([ and ])', id: 'brush-size', onInput: (v) => events.onBrushSize(v) });
    this.sizeLabel = valueLabel();

    const viewBtns = (['side', 'overlay'] as ViewMode[]).map((v) => {
      const b = button(v === 'side' ? 'Side by side' : 'Overlay', { secondary: true, id: `view-${v}`, onClick: () => events.onView(v) });
      this.views.set(v, b);
      return b;
    });
    this.opacitySlider = slider({ min: 0, max: 100, value: Math.round(s.opacity * 100), title: 'Opacity of the output over the mask', id: 'overlay-opacity', onInput: (v) => events.onOpacity(v / 100) });

    const fitBtn = button('Fit', { secondary: true, id: 'zoom-fit', title: 'Fit the map to the pane', onClick: () => events.onFit() });
    const oneBtn = button('1:1', { secondary: true, id: 'zoom-1', title: 'One label pixel per screen pixel', onClick: () => events.onActualSize() });
    const zoomOut = button('−', { secondary: true, id: 'zoom-out', title: 'Zoom out (Ctrl+wheel or pinch zooms about the pointer)', onClick: () => events.onZoom(1 / ZOOM_STEP) });
    const zoomIn = button('+', { secondary: true, id: 'zoom-in', title: 'Zoom in (Space+drag or middle-drag pans)', onClick: () => events.onZoom(ZOOM_STEP) });
    this.zoomLabel = valueLabel();
    this.zoomLabel.id = 'zoom-level';

    this.seedField = textField({
      value: String(s.seed),
      size: 10,
      id: 'seed',
      title: `Style seed (${MIN_SEED}..${MAX_SEED}): z ~ N(0, I) drawn from it`,
      onChange: (v) => {
        const n = Number(v.trim());
        if (v.trim() !== '' && Number.isSafeInteger(n) && n >= MIN_SEED && n <= MAX_SEED) events.onSeed(n);
        else this.seedField.value = this.seedField.el.dataset.last ?? String(MIN_SEED);
      },
    });
    this.randomBtn = button('Random style', { secondary: true, id: 'random-style', onClick: () => events.onRandomStyle() });
    this.styleBtn = button('Use style image…', { secondary: true, id: 'style-image', onClick: () => events.onPickStyleImage() });
    this.clearStyleBtn = button('×', { secondary: true, id: 'clear-style-image', label: 'Stop using the style image', title: 'Stop using the style image (back to the seed)', onClick: () => events.onClearStyleImage() });
    this.styleName = document.createElement('span');
    this.styleName.className = 'style-name';
    const stylesBtn = button('Styles', { secondary: true, id: 'toggle-styles', title: 'Compare style encodings (SPADE: Compare Style Encodings)', onClick: () => events.onToggleStyles() });
    const copyBtn = button('Copy', { secondary: true, id: 'copy-picture', label: 'Copy picture', title: 'Copy the picture to the clipboard (SPADE: Copy Picture)', onClick: () => events.onCopyPicture() });

    this.el.append(
      group('Tools', ...toolBtns, this.sizeSlider, this.sizeLabel),
      divider(),
      group('View', ...viewBtns, this.opacitySlider),
      divider(),
      group('Zoom', fitBtn, oneBtn, zoomOut, zoomIn, this.zoomLabel),
      divider(),
      group('Style', this.seedField.el, this.randomBtn, this.styleBtn, this.styleName, this.clearStyleBtn, stylesBtn, copyBtn),
    );
    this.update(s);
  }

  /** Reflects the state in the controls. */
  update(s: UiState): void {
    for (const [t, b] of this.tools) setPressed(b, t === s.tool);
    this.sizeSlider.value = String(s.brushSize);
    this.sizeLabel.textContent = `${s.brushSize} px`;
    for (const [v, b] of this.views) setPressed(b, v === s.view);
    this.opacitySlider.value = String(Math.round(s.opacity * 100));
    setDisabled(this.opacitySlider, s.view !== 'overlay');
    if (this.seedField.value !== String(s.seed)) this.seedField.value = String(s.seed);
    this.seedField.el.dataset.last = String(s.seed);
    this.styleName.textContent = s.styleImage ? s.styleImage.name : '';
    this.styleName.title = s.styleImage ? `Style from ${s.styleImage.name} (encoder mu)` : '';
    this.clearStyleBtn.hidden = !s.styleImage;
  }

  /** What the model and document allow. */
  setCapabilities(c: { editable: boolean; eraser: boolean; seed: boolean; styleImage: boolean }): void {
    for (const t of PAINT_TOOLS) setDisabled(this.tools.get(t)!, !c.editable, c.editable ? TOOL_LABELS[t][1] : 'This label map is read-only');
    setDisabled(this.tools.get('eraser')!, !c.editable || !c.eraser, !c.editable ? 'This label map is read-only' : c.eraser ? TOOL_LABELS.eraser[1] : 'This label set has no dontcare id to erase with');
    setDisabled(this.sizeSlider, !c.editable);
    const noStyle = 'This model has no style input (use_vae is off)';
    setDisabled(this.seedField.el, !c.seed, c.seed ? 'Style seed: z ~ N(0, I) drawn from it' : noStyle);
    setDisabled(this.randomBtn, !c.seed, c.seed ? 'Draw a new random seed' : noStyle);
    setDisabled(this.styleBtn, !c.styleImage, c.styleImage ? 'Encode an image with the style encoder and use its style' : 'Needs a checkpoint with a style encoder (use_vae and E)');
  }

  /** Shows the zoom as a percentage of one label pixel per CSS pixel. */
  setZoom(scale: number, fitting: boolean): void {
    this.zoomLabel.textContent = `${scale >= 1 ? Math.round(scale * 100) : (scale * 100).toPrecision(2)}%${fitting ? ' (fit)' : ''}`;
  }
}

const ZOOM_STEP = 1.5;

function valueLabel(): HTMLElement {
  const s = document.createElement('span');
  s.className = 'value-label';
  return s;
}
