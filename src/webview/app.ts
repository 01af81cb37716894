/**
 * The label-map editor's controller: host messages in, strokes and status out; keeps the
 * mask, the palette, the UI state and the inference worker in step.
 */
import type { HostToWebview, LabelSetInfo, CheckpointInfo, StatusMessage } from '../shared/protocol';
import { WASM_FILES, asInt32Array, asUint8Array, parseBackendPreference, parseMaxPixels } from '../shared/protocol';
import { mapIdsToModel } from '../model/io/label_sets';
import { DEFAULT_MAX_PIXELS } from '../model/io/png_scan';
import { formatIdCounts } from '../model/io/id_counts';
import { ClassList } from './class_list';
import { rgbaToPng } from './export_png';
import { InferenceClient } from './inference_client';
import { LabelPalette } from './label_palette';
import { Mask, type Stroke } from './mask';
import { Painter } from './painter';
import { Stage } from './stage';
import { StatusLine } from './status_line';
import { Toolbar } from './toolbar';
import { StylesPanel } from './styles/panel';
import { seededNormal } from '../model/random';
import { BRUSH_MAX, BRUSH_MIN, MIN_SEED, restoreState, type Tool, type UiState } from './ui_state';
import type { Host } from './vscode_api';
import type { BackendName, ModelInfo, StyleSpec } from './worker_protocol';

/** While dragging, ask for a frame at most this often (the worker keeps only the newest). */
const DRAG_FRAME_MS = 40;
/** Status messages to the host at most this often (errors and backend changes go at once). */
const STATUS_POST_MS = 250;

type ErrorKind = 'ids' | 'frame' | 'load' | 'host' | 'style' | 'fatal';

export class App {
  private state: UiState;
  private readonly toolbar: Toolbar;
  private readonly classes: ClassList;
  private readonly stage: Stage;
  private readonly status = new StatusLine();
  private readonly client: InferenceClient;
  private readonly styles: StylesPanel;

  private mask: Mask | null = null;
  private palette: LabelPalette | null = null;
  private editable = false;
  private model: ModelInfo | null = null;
  private errorKind: ErrorKind | null = null;
  private lastFrame: { rgba: Uint8ClampedArray; width: number; height: number } | null = null;
  private readonly pendingExports: number[] = [];
  private lastPaintTool: Tool = 'brush';
  /** spade.maxPixels, from the host: style images over it are refused before decoding. */
  private maxPixels = DEFAULT_MAX_PIXELS;
  private lastFrameSent = 0;
  private framesRequested = 0;
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private legendTimer: ReturnType<typeof setTimeout> | null = null;
  private lastStatusPost = 0;
  private statusTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    root: HTMLElement,
    private readonly host: Host<UiState>,
  ) {
    this.state = restoreState(host.getState());
    if (this.state.tool !== 'eyedropper') this.lastPaintTool = this.state.tool;
    this.toolbar = new Toolbar(
      {
        onTool: (t) => this.setTool(t),
        onBrushSize: (n) => this.update({ brushSize: n }),
        onView: (v) => this.update({ view: v }),
        onOpacity: (o) => this.update({ opacity: o }),
        onSeed: (seed) => this.setSeed(seed),
        onRandomStyle: () => this.setSeed(randomSeed()),
        onPickStyleImage: () => this.host.post({ type: 'pickStyleImage' }),
        onClearStyleImage: () => {
          this.update({ styleImage: null });
          this.requestFrame(true);
        },
        onToggleStyles: () => this.styles.toggle(),
      },
      this.state,
    );
    this.classes = new ClassList({ onPick: (id) => this.pickClass(id), onFilter: (f) => this.update({ filter: f }, false) }, this.state.filter);
    this.stage = new Stage();
    this.styles = new StylesPanel({
      renderSet: (key, zs) => {
        const m = this.modelIds();
        return m ? this.client.renderSet(key, m.ids, m.width, m.height, zs) : null;
      },
      encode: (name, img) => this.client.encodePixels(name, img.width, img.height, img.data),
      regionInputs: () => {
        const mask = this.modelIds();
        const m = this.model;
        if (!mask || !m?.useVae || !this.palette) return null;
        const st = this.state.styleImage;
        // The main view's code: the style image's mu, else the same seeded draw the worker makes.
        const baseZ = st ? Float32Array.from(st.z) : seededNormal(m.zDim, this.state.seed);
        return { mask, baseZ, classNames: this.palette.labelSet.names };
      },
      post: (m) => this.host.post(m),
      useStyle: (name, z) => {
        this.update({ styleImage: { name, z: Array.from(z) } });
        this.requestFrame(true);
      },
      error: (msg) => this.setError('style', msg),
    });
    const main = document.createElement('div');
    main.className = 'main';
    main.append(this.classes.el, this.stage.el, this.styles.el);
    root.append(this.toolbar.el, main, this.status.el);
    this.stage.setView(this.state.view, this.state.opacity);

    new Painter(this.stage, {
      mask: () => this.mask,
      tool: () => this.state.tool,
      brushSize: () => this.state.brushSize,
      paintValue: () => this.state.classId,
      eraseValue: () => this.palette?.dontcare?.fileId ?? null,
      editable: () => this.editable,
      describe: (id) => this.palette?.get(id)?.name ?? 'not in the label set',
      onPaint: (rect) => {
        if (this.mask && this.palette) this.stage.paintMask(this.mask.ids, this.palette.lut, rect);
        this.requestFrame(false);
      },
      onStrokeEnd: (s) => this.endStroke(s),
      onPick: (id) => this.pickFromMask(id),
    });

    this.client = new InferenceClient({
      onBackend: (b, note, adapter) => this.onBackend(b, note, adapter),
      onLoaded: (info) => this.onLoaded(info),
      onLoadError: (msg) => this.setError('load', `cannot load the checkpoint: ${msg}`),
      onFrame: (f) => this.onFrame(f),
      onFrameError: (msg) => {
        this.status.el.dataset.busy = String(this.client.busy);
        this.setError('frame', msg);
        // No newer picture is coming: exports get the one on screen.
        if (!this.client.busy && this.lastFrame) for (const id of this.pendingExports.splice(0)) this.exportFrame(id);
      },
      onFatal: (msg) => this.setError('fatal', msg),
      onSetTile: (key, setId, index, rgba, w, h) => this.styles.onTile(key, setId, index, rgba, w, h),
      onSetError: (key, _setId, msg) => this.setError('frame', `styles (${key}): ${msg}`),
    });

    document.addEventListener('keydown', (e) => this.onKey(e));
    this.refreshCapabilities();
    this.status.phase = 'waiting for the document';
    this.status.render();
  }

  /**
   * Starts the worker (fetched from the host's URI and run from a Blob URL) on the backend the
   * page names (data-backend: spade.inferenceBackend, validated by the host; 'auto' otherwise),
   * with the wasm binaries' URIs (data-wasm-files, JSON).
   */
  startWorker(workerUri: string | undefined, backend: string | undefined, wasmFilesJson: string | undefined): void {
    if (!workerUri) {
      this.setError('fatal', 'no worker script (the page has no data-worker-uri)');
      return;
    }
    this.client.start(workerUri, parseBackendPreference(backend) ?? 'auto', parseWasmFiles(wasmFilesJson)).catch((e: unknown) => this.setError('fatal', (e as Error).message ?? String(e)));
  }

  /** Test hook (E2E): make the GPU backend fail to exercise the fallback. */
  debugLoseGpu(): void {
    this.client.debugLoseGpu();
  }

  // ---- host messages -----------------------------------------------------------------------
  handle(m: HostToWebview): void {
    switch (m.type) {
      case 'init': {
        const d = m.document;
        const ids = toInt32(d.ids);
        if (ids.length !== d.width * d.height) {
          this.setError('host', `document has ${ids.length} ids for ${d.width}x${d.height}`);
          return;
        }
        this.editable = m.editable;
        this.setMaxPixels(m.maxPixels);
        this.mask = new Mask(d.width, d.height, ids);
        this.stage.setMaskSize(d.width, d.height);
        this.lastFrame = null;
        this.stage.clearOutput();
        this.setLabelSet(m.labelSet);
        this.loadCheckpoint(m.checkpoint);
        return;
      }
      case 'setIds': {
        const ids = toInt32(m.ids);
        if (!this.mask || ids.length !== this.mask.ids.length) {
          this.log(`setIds (${m.reason}) ignored: ${ids.length} ids for a ${this.mask?.width}x${this.mask?.height} mask`);
          return;
        }
        this.mask.ids = ids;
        this.repaintMask();
        this.updateLegend();
        this.requestFrame(true);
        return;
      }
      case 'checkpoint':
        this.setLabelSet(m.labelSet);
        this.loadCheckpoint(m.checkpoint);
        return;
      case 'settings':
        this.setMaxPixels(m.maxPixels);
        return;
      case 'styleImage':
        this.encodeStyle(m.name, toUint8(m.bytes));
        return;
      case 'showStyles':
        this.styles.show();
        return;
      case 'styleImageData':
        this.styles.addImage(m.name, m.source, m.image);
        return;
      case 'styleSet':
        this.styles.loadSet(m.fileName, m.styles, m.zDim, m.checkpoint.config_hash, m.checkpoint.name);
        return;
      case 'exportRequest':
        // The picture of the current mask and style: while a newer frame is on its way, wait for it.
        if (this.lastFrame && !this.client.busy) this.exportFrame(m.requestId);
        else this.pendingExports.push(m.requestId);
        return;
      case 'error':
        this.setError('host', m.message);
        return;
    }
  }

  /** The host validated it; a bad value (an older host, a bug) keeps the last good one. */
  private setMaxPixels(v: unknown): void {
    const n = parseMaxPixels(v);
    if (n !== null) this.maxPixels = n;
    else this.log(`ignored an invalid maxPixels from the host: ${String(v).slice(0, 40)}`);
  }

  private setLabelSet(info: LabelSetInfo): void {
    this.palette = new LabelPalette(info);
    this.classes.setPalette(this.palette);
    const cls = this.state.classId;
    if (cls === null || !this.palette.classes.some((c) => c.fileId === cls)) {
      // The most common class in the map, else the first one.
      const hist = this.mask?.histogram() ?? [];
      const inMap = hist.find((h) => this.palette!.classes.some((c) => c.fileId === h.id));
      this.update({ classId: inMap?.id ?? this.palette.classes[0]?.fileId ?? null });
    }
    this.classes.setSelected(this.state.classId);
    if (this.state.tool === 'eraser' && !this.palette.dontcare) this.setTool('brush');
    this.repaintMask();
    this.updateLegend();
  }

  private loadCheckpoint(ck: CheckpointInfo): void {
    this.model = null;
    this.styles.setModel(null);
    this.status.model = ck.name;
    this.status.phase = 'loading model';
    this.clearError('load');
    this.refreshCapabilities();
    this.client.load(ck.name, toUint8(ck.bytes), ck.optTxt);
  }

  // ---- worker events --------------------------------------------------------------------------
  private onBackend(b: BackendName, note?: string, adapter?: string): void {
    this.status.backend = b;
    this.status.note = note ? `${note}; now on ${b}` : null;
    if (adapter) this.log(`TF.js backend ${b} (${adapter})`);
    else this.log(`TF.js backend ${b}${note ? ` (${note})` : ''}`);
    this.status.render();
    this.postStatus(true);
  }

  private onLoaded(info: ModelInfo): void {
    this.model = info;
    this.status.phase = 'rendering';
    this.clearError('load');
    const st = this.state.styleImage;
    if (st && (!info.useVae || st.z.length !== info.zDim)) this.update({ styleImage: null });
    this.refreshCapabilities();
    this.requestFrame(true);
    this.styles.setModel(info);
  }

  private onFrame(f: { rgba: Uint8ClampedArray; width: number; height: number; latencyMs: number; backend: BackendName; tensors: number }): void {
    this.lastFrame = { rgba: f.rgba, width: f.width, height: f.height };
    this.stage.showOutput(f.rgba, f.width, f.height);
    this.status.frames++;
    this.status.latencyMs = f.latencyMs;
    this.status.backend = f.backend;
    this.status.style = this.styleLabel();
    this.status.el.dataset.tensors = String(f.tensors);
    this.status.el.dataset.busy = String(this.client.busy);
    // A good frame ends frame, style-image and host errors (ids and load errors end by themselves).
    if (this.errorKind === 'frame' || this.errorKind === 'style' || this.errorKind === 'host') this.clearError(this.errorKind);
    this.status.render();
    this.postStatus(false);
    if (!this.client.busy) for (const id of this.pendingExports.splice(0)) this.exportFrame(id);
  }

  // ---- frames -------------------------------------------------------------------------------
  /** `urgent`: send now; otherwise at most every DRAG_FRAME_MS. */
  private requestFrame(urgent: boolean): void {
    if (!this.model || !this.mask || !this.palette) return;
    const wait = urgent ? 0 : DRAG_FRAME_MS - (performance.now() - this.lastFrameSent);
    if (wait <= 0) {
      if (this.frameTimer) clearTimeout(this.frameTimer);
      this.frameTimer = null;
      this.sendFrame();
    } else if (!this.frameTimer) {
      this.frameTimer = setTimeout(() => {
        this.frameTimer = null;
        this.sendFrame();
      }, wait);
    }
  }

  private sendFrame(): void {
    this.lastFrameSent = performance.now();
    const m = this.modelIds();
    if (!m) return;
    this.status.el.dataset.requests = String(++this.framesRequested);
    this.client.render(m.ids.slice(), m.width, m.height, this.styleSpec());
    this.status.el.dataset.busy = 'true';
    // The Styles grid follows the same mask (the worker keeps only its newest set).
    this.styles.onMask();
  }

  /** The mask as model ids; null (and an error shown) when some id fits no model channel. */
  private modelIds(): { ids: Int32Array; width: number; height: number } | null {
    const { model, mask, palette } = this;
    if (!model || !mask || !palette) return null;
    const mapped = mapIdsToModel(mask.ids, palette.labelSet, model.labelNc, model.containDontcare);
    if (mapped.invalid.length) {
      const nc = model.labelNc + (model.containDontcare ? 1 : 0);
      this.setError('ids', `label ids outside the model's ${nc} classes: ${formatIdCounts(mapped.invalid)}`);
      return null;
    }
    this.clearError('ids');
    return { ids: mapped.ids, width: mask.width, height: mask.height };
  }

  private styleLabel(): string {
    const st = this.state.styleImage;
    return st ? `style image ${st.name}` : `seed ${this.state.seed}`;
  }

  private styleSpec(): StyleSpec {
    const st = this.state.styleImage;
    return st ? { kind: 'z', z: Float32Array.from(st.z) } : { kind: 'seed', seed: this.state.seed };
  }

  // ---- editing --------------------------------------------------------------------------------
  private endStroke(s: Stroke): void {
    if (s.size > 0) {
      const indices = s.finish();
      this.host.post({ type: 'stroke', label: s.label, indices, value: s.value });
    }
    this.scheduleLegend();
    this.requestFrame(true);
  }

  private pickClass(fileId: number): void {
    if (!this.palette?.get(fileId)) return;
    if (this.palette.dontcare?.fileId === fileId && !this.palette.classes.some((c) => c.fileId === fileId)) {
      this.setTool('eraser');
      return;
    }
    this.update({ classId: fileId });
    this.classes.setSelected(fileId);
    if (this.state.tool === 'eraser' || this.state.tool === 'eyedropper') this.setTool(this.lastPaintTool);
  }

  private pickFromMask(fileId: number): void {
    if (!this.palette?.get(fileId)) {
      this.log(`id ${fileId} is not in the label set`);
      return;
    }
    this.pickClass(fileId);
  }

  private setTool(t: Tool): void {
    if (t === 'eraser' && !this.palette?.dontcare) return;
    if (t !== 'eyedropper') this.lastPaintTool = t;
    this.update({ tool: t });
    this.stage.maskCanvas.classList.toggle('tool-eyedropper', t === 'eyedropper');
    this.stage.maskCanvas.classList.toggle('readonly', !this.editable && t !== 'eyedropper');
  }

  private setSeed(seed: number): void {
    if (seed === this.state.seed && !this.state.styleImage) return;
    this.update({ seed, styleImage: null });
    this.requestFrame(true);
  }

  private encodeStyle(name: string, bytes: Uint8Array): void {
    this.status.note = `encoding style from ${name}…`;
    this.status.render();
    this.client.encodeStyle(name, bytes, this.maxPixels).then(
      (z) => {
        this.status.note = null;
        this.update({ styleImage: { name, z: Array.from(z) } });
        this.requestFrame(true);
      },
      (e: Error) => {
        this.status.note = null;
        this.setError('style', `style image: ${e.message}`);
      },
    );
  }

  private exportFrame(requestId: number): void {
    const f = this.lastFrame!;
    this.host.post({ type: 'exportImage', requestId, png: rgbaToPng(f.rgba, f.width, f.height) });
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || (t && (t.tagName === 'INPUT' || t.tagName.startsWith('VSCODE-TEXT')))) return;
    const tools: Record<string, Tool> = { b: 'brush', f: 'fill', e: 'eraser', i: 'eyedropper' };
    const k = e.key.toLowerCase();
    if (tools[k]) {
      if (this.editable || tools[k] === 'eyedropper') this.setTool(tools[k]);
    } else if (e.key === '[' || e.key === ']') {
      const s = this.state.brushSize;
      const step = Math.max(1, Math.round(s * 0.15));
      this.update({ brushSize: Math.max(BRUSH_MIN, Math.min(BRUSH_MAX, e.key === '[' ? s - step : s + step)) });
    } else return;
    e.preventDefault();
  }

  // ---- view helpers ---------------------------------------------------------------------------
  private repaintMask(): void {
    if (this.mask && this.palette) this.stage.paintMask(this.mask.ids, this.palette.lut);
  }

  private scheduleLegend(): void {
    if (this.legendTimer) return;
    this.legendTimer = setTimeout(() => {
      this.legendTimer = null;
      this.updateLegend();
    }, 100);
  }

  private updateLegend(): void {
    if (this.mask) this.classes.setHistogram(this.mask.histogram(), this.mask.ids.length);
  }

  private refreshCapabilities(): void {
    const m = this.model;
    this.toolbar.setCapabilities({
      editable: this.editable,
      eraser: !!this.palette?.dontcare,
      seed: !!m?.useVae,
      styleImage: !!m?.hasEncoder,
    });
    this.stage.maskCanvas.classList.toggle('readonly', !this.editable && this.state.tool !== 'eyedropper');
  }

  /** Changes UI state, persists it and refreshes the controls. */
  private update(patch: Partial<UiState>, refresh = true): void {
    this.state = { ...this.state, ...patch };
    this.host.setState(this.state);
    if (!refresh) return;
    this.toolbar.update(this.state);
    if (patch.view !== undefined || patch.opacity !== undefined) this.stage.setView(this.state.view, this.state.opacity);
  }

  private setError(kind: ErrorKind, message: string): void {
    this.errorKind = kind;
    this.status.error = message;
    this.status.render();
    this.postStatus(true);
  }

  private clearError(kind: ErrorKind): void {
    if (this.errorKind !== kind) return;
    this.errorKind = null;
    this.status.error = null;
    this.status.render();
    this.postStatus(true);
  }

  private postStatus(now: boolean): void {
    const send = () => {
      this.lastStatusPost = performance.now();
      const s = this.status;
      const msg: StatusMessage = { type: 'status', backend: s.backend, model: s.model, latencyMs: s.latencyMs === null ? null : Math.round(s.latencyMs), frames: s.frames };
      if (s.error) msg.error = s.error.slice(0, 2000);
      if (s.style) msg.style = s.style.slice(0, 300);
      this.host.post(msg);
    };
    if (this.statusTimer) {
      if (!now) return;
      clearTimeout(this.statusTimer);
      this.statusTimer = null;
    }
    const wait = now ? 0 : STATUS_POST_MS - (performance.now() - this.lastStatusPost);
    if (wait <= 0) send();
    else
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null;
        send();
      }, wait);
  }

  private log(message: string): void {
    this.host.post({ type: 'log', message });
  }
}

function randomSeed(): number {
  const a = new Uint32Array(1);
  do crypto.getRandomValues(a);
  while (a[0] < MIN_SEED);
  return a[0];
}

/**
 * Typed arrays survive VS Code's message passing, but may come from another realm (so
 * instanceof fails); be lenient with plain arrays too.
 */
function toInt32(a: unknown): Int32Array {
  const typed = asInt32Array(a);
  if (typed) return typed;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) return Int32Array.from(a as ArrayLike<number>);
  if (a && typeof a === 'object') return Int32Array.from(Object.values(a as Record<string, number>));
  return new Int32Array(0);
}

function toUint8(a: unknown): Uint8Array {
  const bytes = asUint8Array(a);
  if (bytes) return bytes;
  if (ArrayBuffer.isView(a)) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (Array.isArray(a)) return Uint8Array.from(a);
  return new Uint8Array(0);
}

/** data-wasm-files: {file name: URI} for WASM_FILES; what is missing makes wasm fail to start, saying which. */
function parseWasmFiles(json: string | undefined): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(json ?? '');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const f of WASM_FILES) {
    const u = (v as Record<string, unknown> | null)?.[f];
    if (typeof u === 'string') out[f] = u;
  }
  return out;
}
