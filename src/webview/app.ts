/**
 * The label-map editor's controller: host messages in, frames and status out; keeps the
 * mask, the palette, the model and the inference worker in step with the controls.
 */
import type { BackendPreference, CheckpointInfo, HostToWebview, LabelSetInfo, PictureSize, PictureStyle } from '../shared/protocol';
import { asInt32Array, asUint8Array, parseMaxPixels } from '../shared/protocol';
import { mapIdsToModel } from '../model/io/label_sets';
import { DEFAULT_MAX_PIXELS } from '../model/io/png_scan';
import { formatIdCounts } from '../model/io/id_counts';
import { seededNormal } from '../model/random';
import { EditorControls } from './editor_controls';
import { ErrorState } from './error_state';
import { copyPngToClipboard } from './copy_picture';
import { rgbaToPng } from './export_png';
import { ExportRequests, type Picture } from './export_requests';
import { FrameScheduler } from './frame_scheduler';
import { dispatchHostMessage, type HostHandlers, type HostMessage } from './host_dispatch';
import { InferenceClient, type Frame } from './inference_client';
import { LabelPalette } from './label_palette';
import { TraceRecorder } from './preview_trace';
import { formatTrace, type PreviewTrace } from '../shared/preview_trace';
import { idsHash } from '../shared/first_picture';
import { Mask } from './mask';
import { sameIds } from './same_frame';
import { fetchModel } from './model_fetch';
import { Stage } from './stage';
import { StatusReporter } from './status_reporter';
import { StylesPanel } from './styles/panel';
import { stylesSplit } from './styles_split';
import { resizeBilinear } from './upsample';
import { styleLabel, styleSpec, type UiState } from './ui_state';
import type { Host } from './vscode_api';
import type { BackendName, ModelInfo } from './worker_protocol';

/** What the host asked for the picture on screen: a PNG to export (at a size), or a copy. */
type PictureRequest = { kind: 'export'; requestId: number; size?: PictureSize } | { kind: 'copy'; requestId: number };

/** While dragging, ask for a frame at most this often (the worker keeps only the newest). */
const DRAG_FRAME_MS = 40;

export class App {
  private readonly stage = new Stage();
  private readonly status: StatusReporter;
  private readonly errors: ErrorState;
  private readonly controls: EditorControls;
  private readonly client: InferenceClient;
  private readonly styles: StylesPanel;
  private readonly exports: ExportRequests<PictureRequest>;
  private readonly frames = new FrameScheduler(DRAG_FRAME_MS, () => this.sendFrame());
  private readonly trace: TraceRecorder;
  private readonly handlers: HostHandlers = {
    init: (m) => this.init(m),
    setIds: (m) => this.setIds(m),
    checkpoint: (m) => {
      this.trace.beginOpen(m.checkpoint.name, m.trace);
      this.setLabelSet(m.labelSet);
      this.loadCheckpoint(m.checkpoint);
    },
    settings: (m) => this.setMaxPixels(m.maxPixels),
    styleImage: (m) => this.encodeStyle(m.name, asUint8Array(m.bytes) ?? new Uint8Array(0)),
    showStyles: () => this.styles.show(),
    styleImageData: (m) => this.styles.addImage(m.name, m.source, m.image),
    styleSet: (m) => this.styles.loadSet(m.fileName, m.styles, m.zDim, m.checkpoint.config_hash, m.checkpoint.name),
    exportRequest: (m) => this.exports.request({ kind: 'export', requestId: m.requestId, size: m.size }),
    copyPicture: (m) => this.exports.request({ kind: 'copy', requestId: m.requestId }),
    editorAction: (m) => this.controls.runAction(m.action),
    error: (m) => this.errors.set('host', m.message),
    firstPicture: (m) => this.showFirstPicture(m),
  };

  private mask: Mask | null = null;
  /** The page's worker has painted a picture since the last init (the host's first picture is then late). */
  private ownPicture = false;
  private palette: LabelPalette | null = null;
  private editable = false;
  private model: ModelInfo | null = null;
  /** spade.maxPixels, from the host: style images over it are refused before decoding. */
  private maxPixels = DEFAULT_MAX_PIXELS;
  private framesRequested = 0;
  /** The next frame request may interrupt a frame under way (see requestFrame). */
  private preemptNext = false;
  /** Checkpoints asked for so far: a fetch that a newer one overtook is dropped. */
  private loads = 0;
  /** The newest frame request: its model ids, style and id. */
  private lastSent: { ids: Int32Array; style: string; frameId: number } | null = null;

  constructor(
    root: HTMLElement,
    private readonly host: Host<UiState>,
  ) {
    this.status = new StatusReporter((m) => host.post(m));
    this.trace = new TraceRecorder((trace) => {
      host.post({ type: 'trace', trace });
      this.showTimings();
    });
    this.errors = new ErrorState(this.status);
    const doc = { mask: () => this.mask, palette: () => this.palette, model: () => this.model, editable: () => this.editable };
    this.controls = new EditorControls(host, this.stage, doc, {
      requestFrame: (urgent) => this.requestFrame(urgent),
      strokeEnded: () => this.trace.beginStroke(this.status.line.model),
      toggleStyles: () => this.styles.toggle(),
      copyPicture: () => {
        // The click's user activation lets the clipboard be written: copy what is on screen now.
        const shown = this.exports.onScreen;
        if (shown) void this.copyPicture(shown);
        else this.status.line.announcer.say('No picture to copy yet');
      },
      say: (text) => this.status.line.announcer.say(text),
    });
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
        const st = this.controls.state.styleImage;
        // The main view's code: the style image's mu, else the same seeded draw the worker makes.
        const baseZ = st ? Float32Array.from(st.z) : seededNormal(m.zDim, this.controls.state.seed);
        return { mask, baseZ, classNames: this.palette.labelSet.names };
      },
      post: (m) => this.host.post(m),
      useStyle: (name, z) => this.controls.useStyleImage({ name, z: Array.from(z) }),
      error: (msg) => this.errors.set('style', msg),
    });
    const main = document.createElement('div');
    main.className = 'main';
    main.append(this.controls.classes.el, this.stage.el, stylesSplit(main), this.styles.el);
    root.append(this.controls.el, main, this.status.line.el, this.status.line.announcer.el);
    this.stage.setView(this.controls.state.view, this.controls.state.opacity);

    this.client = new InferenceClient({
      onBackend: (b, note, adapter, at) => {
        this.trace.backendReady(at);
        this.onBackend(b, note, adapter);
      },
      onLoaded: (info, marks) => {
        this.trace.mark('open', 'modelParsed', marks.parsedAt);
        this.trace.mark('open', 'weightsOnDevice', marks.readyAt);
        this.onLoaded(info);
      },
      onLoadError: (msg) => {
        this.trace.abandon('open');
        this.errors.set('load', `cannot load the checkpoint: ${msg}`);
      },
      onFrame: (f) => this.onFrame(f),
      onFrameError: (msg) => {
        this.trace.abandon();
        this.status.line.el.dataset.busy = String(this.client.busy);
        this.errors.set('frame', msg);
        // No newer picture is coming: exports get the one on screen.
        this.exports.settle();
      },
      onFatal: (msg) => this.errors.set('fatal', msg),
      onSetTile: (key, setId, index, rgba, w, h) => this.styles.onTile(key, setId, index, rgba, w, h),
      onSetError: (key, _setId, msg) => this.errors.set('frame', `styles (${key}): ${msg}`),
    });
    this.exports = new ExportRequests<PictureRequest>((r, f) => this.answerPicture(r, f), () => this.client.busy);
    this.controls.refreshCapabilities();
    this.status.line.phase = 'waiting for the document';
    this.status.line.render();
  }

  /** Starts the worker (fetched from the host's URI and run from a Blob URL), with the wasm binaries' URIs. */
  startWorker(workerUri: string | undefined, backend: BackendPreference, wasmFiles: Record<string, string>): void {
    if (!workerUri) {
      this.errors.set('fatal', 'no worker script (the page has no data-worker-uri)');
      return;
    }
    const fail = (e: unknown) => this.errors.set('fatal', (e as Error).message ?? String(e));
    this.client.start(workerUri, backend, wasmFiles).catch(fail);
  }

  /** The last latency trace of each kind (the E2E reads them through its test hook). */
  traces(): { open?: PreviewTrace; stroke?: PreviewTrace } {
    return { ...this.trace.last };
  }

  /** Test hook (E2E): make the GPU backend fail to exercise the fallback. */
  debugLoseGpu(): void {
    this.client.debugLoseGpu();
  }

  handle(m: HostToWebview): void {
    dispatchHostMessage(this.handlers, m);
  }

  // ---- host messages -----------------------------------------------------------------------
  private init(m: HostMessage<'init'>): void {
    const d = m.document;
    const ids = asInt32Array(d.ids) ?? new Int32Array(0);
    if (ids.length !== d.width * d.height) {
      this.errors.set('host', `document has ${ids.length} ids for ${d.width}x${d.height}`);
      return;
    }
    this.editable = m.editable;
    this.setMaxPixels(m.maxPixels);
    this.mask = new Mask(d.width, d.height, ids);
    this.stage.setMaskSize(d.width, d.height);
    this.exports.show(null);
    this.stage.clearOutput();
    this.ownPicture = false;
    this.trace.beginOpen(m.checkpoint.name, m.trace);
    this.setLabelSet(m.labelSet);
    this.loadCheckpoint(m.checkpoint);
  }

  private setIds(m: HostMessage<'setIds'>): void {
    const ids = asInt32Array(m.ids) ?? new Int32Array(0);
    if (!this.mask || ids.length !== this.mask.ids.length) {
      this.log(`setIds (${m.reason}) ignored: ${ids.length} ids for a ${this.mask?.width}x${this.mask?.height} mask`);
      return;
    }
    this.mask.ids = ids;
    this.controls.repaintMask();
    this.controls.updateLegend();
    this.requestFrame(true);
  }

  /** The host validated it; a bad value (an older host, a bug) keeps the last good one. */
  private setMaxPixels(v: unknown): void {
    const n = parseMaxPixels(v);
    if (n !== null) this.maxPixels = n;
    else this.log(`ignored an invalid maxPixels from the host: ${String(v).slice(0, 40)}`);
  }

  private setLabelSet(info: LabelSetInfo): void {
    this.palette = new LabelPalette(info);
    this.controls.showLabelSet(this.palette);
  }

  private loadCheckpoint(ck: CheckpointInfo): void {
    this.model = null;
    this.styles.setModel(null);
    this.status.line.model = ck.name;
    this.status.line.phase = 'loading model';
    this.errors.clear('load');
    this.controls.refreshCapabilities();
    const load = ++this.loads;
    fetchModel(ck).then(
      (bytes) => {
        if (load !== this.loads) return; // a newer checkpoint came meanwhile
        this.trace.mark('open', 'modelFetched');
        this.client.load(ck.name, bytes, ck.optTxt);
      },
      (e: Error) => {
        if (load !== this.loads) return;
        this.trace.abandon('open');
        this.errors.set('load', `cannot load the checkpoint: ${e.message}`);
      },
    );
  }

  private encodeStyle(name: string, bytes: Uint8Array): void {
    this.status.line.note = `encoding style from ${name}…`;
    this.status.line.render();
    this.client.encodeStyle(name, bytes, this.maxPixels).then(
      (z) => {
        this.status.line.note = null;
        this.controls.useStyleImage({ name, z: Array.from(z) });
      },
      (e: Error) => {
        this.status.line.note = null;
        this.errors.set('style', `style image: ${e.message}`);
      },
    );
  }

  // ---- worker events --------------------------------------------------------------------------
  private onBackend(b: BackendName, note?: string, adapter?: string): void {
    this.status.line.backend = b;
    this.status.line.note = note ? `${note}; now on ${b}` : null;
    if (adapter) this.log(`TF.js backend ${b} (${adapter})`);
    else this.log(`TF.js backend ${b}${note ? ` (${note})` : ''}`);
    this.status.report(true);
  }

  private onLoaded(info: ModelInfo): void {
    this.model = info;
    this.status.line.phase = 'rendering';
    this.errors.clear('load');
    const st = this.controls.state.styleImage;
    if (st && (!info.useVae || st.z.length !== info.zDim)) this.controls.update({ styleImage: null });
    this.controls.refreshCapabilities();
    this.requestFrame(true);
    this.styles.setModel(info);
  }

  /**
   * The host's first picture (src/shared/first_picture.ts): shown only until the worker's own first
   * picture, and only of the map, model and style on screen now.
   */
  private showFirstPicture(m: HostMessage<'firstPicture'>): void {
    const rgba = asUint8Array(m.rgba);
    if (this.ownPicture || !this.mask || !rgba || rgba.length !== m.width * m.height * 4) return;
    const s = this.controls.state;
    if (m.model !== this.status.line.model || s.styleImage || s.seed !== m.seed || idsHash(this.mask.ids) !== m.idsHash) return;
    const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
    this.stage.showOutput(pixels, m.width, m.height);
    this.exports.show({ rgba: pixels, width: m.width, height: m.height });
    this.trace.mark('open', 'hostFrameStarted', m.marks.hostFrameStarted);
    this.trace.mark('open', 'hostFrameDone', m.marks.hostFrameDone);
    this.trace.mark('open', 'hostPicturePainted');
    this.status.line.announcer.say('Picture ready');
  }

  private onFrame(f: Frame): void {
    this.ownPicture = true;
    this.exports.show({ rgba: f.rgba, width: f.width, height: f.height });
    this.stage.showOutput(f.rgba, f.width, f.height);
    const worker = { maskReceived: f.receivedAt, frameStarted: f.startedAt, frameDone: f.doneAt };
    this.trace.framePainted(f.frameId, worker, f.backend, f.dirty);
    const line = this.status.line;
    line.frames++;
    line.latencyMs = f.latencyMs;
    line.backend = f.backend;
    line.style = styleLabel(this.controls.state);
    line.el.dataset.tensors = String(f.tensors);
    line.el.dataset.busy = String(this.client.busy);
    this.errors.frameShown();
    this.status.report(false);
    this.exports.settle();
  }

  // ---- export and copy ----------------------------------------------------------------------
  private answerPicture(r: PictureRequest, f: Picture): void {
    if (r.kind === 'copy') {
      void this.copyPicture(f).then((error) => this.host.post({ type: 'copyResult', requestId: r.requestId, ...(error ? { error } : {}) }));
      return;
    }
    const { width, height } = r.size ?? f;
    // The host asks only for the model's size or a larger one; anything else gets the model's.
    const up = width >= f.width && height >= f.height;
    const rgba = up ? resizeBilinear(f.rgba, f.width, f.height, width, height) : f.rgba;
    const size = up ? { width, height } : { width: f.width, height: f.height };
    this.host.post({ type: 'exportImage', requestId: r.requestId, png: rgbaToPng(rgba, size.width, size.height), ...size, style: this.pictureStyle() });
  }

  /** The toolbar's Copy picture (a click, so the clipboard may be written) and SPADE: Copy Picture. */
  private async copyPicture(f: Picture): Promise<string | undefined> {
    const error = await copyPngToClipboard(rgbaToPng(f.rgba, f.width, f.height));
    this.status.line.announcer.say(error ? `Could not copy the picture: ${error}` : 'Picture copied');
    // For the E2E, which clicks Copy and reads the clipboard.
    this.status.line.el.dataset.copy = error ?? 'copied';
    if (error) this.log(`copy picture: ${error}`);
    return error;
  }

  private pictureStyle(): PictureStyle {
    const s = this.controls.state;
    return s.styleImage ? { kind: 'image', name: s.styleImage.name } : { kind: 'seed', seed: s.seed };
  }

  // ---- frames -------------------------------------------------------------------------------
  /** `urgent`: send now; otherwise at most every DRAG_FRAME_MS. */
  private requestFrame(urgent: boolean): void {
    if (!this.model || !this.mask || !this.palette) return;
    // An urgent frame ends an action (pointer-up, fill, undo): it need not wait for a drag frame.
    if (urgent) this.preemptNext = true;
    this.frames.request(urgent);
  }

  private sendFrame(): void {
    const preempt = this.preemptNext;
    this.preemptNext = false;
    const m = this.modelIds();
    if (!m) return;
    const style = styleSpec(this.controls.state);
    const key = style.kind === 'seed' ? `seed:${style.seed}` : `z:${style.z.join(',')}`;
    const last = this.lastSent;
    // The frame still on its way already has this mask and style (a stroke's last move was sent
    // before pointer-up): wait for it rather than queue the same frame behind it. Unless this one
    // may preempt: the frame awaited may still wait behind another, which the worker then gives up.
    if (!preempt && last && this.client.busy && last.style === key && sameIds(last.ids, m.ids)) {
      this.trace.frameSent(last.frameId);
      return;
    }
    this.status.line.el.dataset.requests = String(++this.framesRequested);
    const frameId = this.client.render(m.ids.slice(), m.width, m.height, style, preempt);
    this.lastSent = { ids: m.ids, style: key, frameId };
    this.trace.frameSent(frameId);
    this.status.line.el.dataset.busy = 'true';
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
      this.errors.set('ids', `label ids outside the model's ${nc} classes: ${formatIdCounts(mapped.invalid)}`);
      return null;
    }
    this.errors.clear('ids');
    return { ids: mapped.ids, width: mask.width, height: mask.height };
  }

  /** The status line's tooltip: the last traces, as SPADE: Show Preview Timings prints them. */
  private showTimings(): void {
    const { open, stroke } = this.trace.last;
    this.status.line.timings = [open, stroke].flatMap((t) => (t ? formatTrace(t) : []));
  }

  private log(message: string): void {
    this.host.post({ type: 'log', message });
  }
}
