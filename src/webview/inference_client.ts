/**
 * The main thread's side of the inference worker. A webview may not start a Worker from its
 * extension-resource URL (cross-origin), so the script is fetched and started from a Blob URL.
 * Frames are numbered; latency is measured here, from posting a request to receiving its
 * pixels (requests the worker skipped because a newer one came are simply never answered).
 */
import { RequestReply } from '../shared/request_reply';
import type { BackendName, BackendPreference, MainToWorker, ModelInfo, StyleSpec, WorkerToMain } from './worker_protocol';

type StyleCode = { mu: Float32Array; logvar: Float32Array };

/** A finished frame; `latencyMs` from the request to its pixels, `computeMs` in the worker. */
export interface Frame {
  frameId: number;
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  latencyMs: number;
  computeMs: number;
  backend: BackendName;
  tensors: number;
  /** A dirty-region frame (only the changed region recomputed). */
  dirty: boolean;
  /** The worker's marks (epoch ms): request received, frame started and done. */
  receivedAt: number;
  startedAt: number;
  doneAt: number;
}

/** When the worker had parsed the checkpoint and put its weights on the device (epoch ms). */
export interface LoadMarks {
  parsedAt: number;
  readyAt: number;
}

export interface InferenceEvents {
  /** `at`: when it was ready (epoch ms). */
  onBackend(backend: BackendName, note: string | undefined, adapter: string | undefined, at: number): void;
  onLoaded(info: ModelInfo, marks: LoadMarks): void;
  onLoadError(message: string): void;
  onFrame(frame: Frame): void;
  onFrameError(message: string): void;
  onFatal(message: string): void;
  /** A tile of a style set (see `renderSet`). */
  onSetTile?(key: string, setId: number, index: number, rgba: Uint8ClampedArray, width: number, height: number): void;
  onSetError?(key: string, setId: number, message: string): void;
}

export class InferenceClient {
  private worker: Worker | null = null;
  private readonly queued: { m: MainToWorker; transfer: Transferable[] }[] = [];
  private nextFrame = 1;
  private nextLoad = 1;
  private currentLoad = 0;
  private readonly sentAt = new Map<number, number>();
  private latestSent = 0;
  private latestAnswered = 0;
  private nextSet = 1;
  private readonly styleCodes = new RequestReply<StyleCode>();

  constructor(private readonly events: InferenceEvents) {}

  /**
   * Fetches the worker script and starts it. Messages posted before that are queued. `wasmUris`:
   * the wasm backend's binaries (file name -> webview URI), fetched here too and handed over as
   * blob: URLs, because the webview serves its resources to the page only (a worker's own fetch
   * of the URI got no .wasm back).
   */
  async start(workerUri: string, preference: BackendPreference, wasmUris: Record<string, string>): Promise<void> {
    const [wasm, res] = await Promise.all([wasmBlobUrls(wasmUris), fetch(workerUri)]);
    if (!res.ok) throw new Error(`cannot load the inference worker (${res.status} ${res.statusText})`);
    // The bundle's relative source-map comment would resolve against the blob: URL.
    const code = (await res.text()).replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (_m, f: string) => `//# sourceMappingURL=${new URL(f, workerUri).href}`);
    const blobUrl = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
    const w = new Worker(blobUrl, { name: 'spade-inference' });
    w.onmessage = (ev: MessageEvent<WorkerToMain>) => this.onMessage(ev.data);
    w.onerror = (ev) => {
      ev.preventDefault();
      const message = `inference worker crashed: ${ev.message || 'unknown error'}`;
      this.styleCodes.rejectAll(new Error(message));
      this.events.onFatal(message);
    };
    this.worker = w;
    w.postMessage({ type: 'start', wasm, preference } satisfies MainToWorker);
    for (const q of this.queued.splice(0)) w.postMessage(q.m, q.transfer);
  }

  private send(m: MainToWorker, transfer: Transferable[] = []): void {
    if (this.worker) this.worker.postMessage(m, transfer);
    else this.queued.push({ m, transfer });
  }

  /**
   * Loads a checkpoint. Its buffer is transferred to the worker (checkpoints can be hundreds
   * of MB): the caller must not use `bytes` afterwards.
   */
  load(name: string, bytes: Uint8Array, optTxt?: string): void {
    this.currentLoad = this.nextLoad++;
    this.sentAt.clear();
    this.latestAnswered = this.latestSent;
    const own =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
        ? bytes
        : bytes.slice();
    this.send({ type: 'load', loadId: this.currentLoad, name, bytes: own, optTxt }, [own.buffer as ArrayBuffer]);
  }

  /** Asks for a frame of these model ids (transferred: the array is the worker's afterwards); returns its id. */
  render(ids: Int32Array, width: number, height: number, style: StyleSpec, preempt = false): number {
    const frameId = this.nextFrame++;
    this.latestSent = frameId;
    this.sentAt.set(frameId, performance.now());
    const style2: StyleSpec = style.kind === 'z' ? { kind: 'z', z: style.z.slice() } : style;
    const transfer: Transferable[] = [ids.buffer];
    if (style2.kind === 'z') transfer.push(style2.z.buffer);
    this.send({ type: 'render', frameId, ids, width, height, style: style2, ...(preempt ? { preempt } : {}) }, transfer);
    return frameId;
  }

  /** `maxPixels`: images larger than this are refused before they are decoded (spade.maxPixels). */
  encodeStyle(name: string, bytes: Uint8Array, maxPixels: number): Promise<Float32Array> {
    const copy = bytes.slice();
    const code = this.styleCodes.request((requestId) =>
      this.send({ type: 'encodeStyle', requestId, name, bytes: copy, maxPixels }, [copy.buffer]),
    );
    return code.then((c) => c.mu);
  }

  /** Encodes decoded pixels (H*W*3 in [-1, 1]; copied, the caller keeps its array). */
  encodePixels(name: string, width: number, height: number, data: Float32Array): Promise<StyleCode> {
    const copy = data.slice();
    return this.styleCodes.request((requestId) =>
      this.send({ type: 'encodePixels', requestId, name, width, height, data: copy }, [copy.buffer]),
    );
  }

  /** Renders `ids` once per code; tiles arrive through onSetTile. Returns the set's id. */
  renderSet(key: string, ids: Int32Array, width: number, height: number, zs: Float32Array[]): number {
    const setId = this.nextSet++;
    const own = zs.map((z) => z.slice());
    const idsCopy = ids.slice();
    this.send({ type: 'renderSet', key, setId, ids: idsCopy, width, height, zs: own }, [idsCopy.buffer, ...own.map((z) => z.buffer)]);
    return setId;
  }

  /** True while the newest frame request has not been answered (pixels or error). */
  get busy(): boolean {
    return this.latestAnswered < this.latestSent;
  }

  debugLoseGpu(): void {
    this.send({ type: 'debugLoseGpu' });
  }

  private onMessage(m: WorkerToMain): void {
    switch (m.type) {
      case 'backend':
        this.events.onBackend(m.backend, m.note, m.adapter, m.at);
        return;
      case 'loaded':
        if (m.loadId === this.currentLoad) this.events.onLoaded(m.info, { parsedAt: m.parsedAt, readyAt: m.readyAt });
        return;
      case 'loadError':
        if (m.loadId === this.currentLoad) this.events.onLoadError(m.message);
        return;
      case 'frame': {
        this.latestAnswered = Math.max(this.latestAnswered, m.frameId);
        const t0 = this.sentAt.get(m.frameId);
        // Requests up to this one are answered or were skipped.
        for (const id of this.sentAt.keys()) if (id <= m.frameId) this.sentAt.delete(id);
        if (t0 === undefined) return; // from before a model change
        this.events.onFrame({
          frameId: m.frameId,
          rgba: m.rgba,
          width: m.width,
          height: m.height,
          latencyMs: performance.now() - t0,
          computeMs: m.computeMs,
          backend: m.backend,
          tensors: m.tensors,
          dirty: m.dirty,
          receivedAt: m.receivedAt,
          startedAt: m.startedAt,
          doneAt: m.doneAt,
        });
        return;
      }
      case 'frameError':
        this.latestAnswered = Math.max(this.latestAnswered, m.frameId);
        for (const id of this.sentAt.keys()) if (id <= m.frameId) this.sentAt.delete(id);
        this.events.onFrameError(m.message);
        return;
      case 'setTile':
        this.events.onSetTile?.(m.key, m.setId, m.index, m.rgba, m.width, m.height);
        return;
      case 'setError':
        this.events.onSetError?.(m.key, m.setId, m.message);
        return;
      case 'styleEncoded':
        this.styleCodes.resolve(m.requestId, { mu: m.z, logvar: m.logvar });
        return;
      case 'styleError':
        this.styleCodes.reject(m.requestId, new Error(m.message));
        return;
      case 'fatal':
        this.events.onFatal(m.message);
        return;
    }
  }
}

/**
 * Blob URLs for tfjs-backend-wasm's binaries, or why they could not be fetched (the wasm backend
 * then fails to start and the status line says why). The threaded build is never used in a
 * webview (it needs SharedArrayBuffer, which needs cross-origin isolation), but tfjs wants a
 * path for every file: it gets the SIMD one's.
 */
async function wasmBlobUrls(uris: Record<string, string>): Promise<{ files: Record<string, string> } | { error: string }> {
  const get = async (f: string): Promise<string> => {
    const uri = uris[f];
    if (!uri) throw new Error(`no URI for ${f}`);
    const res = await fetch(uri);
    if (!res.ok) throw new Error(`${f}: ${res.status} ${res.statusText}`);
    return URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: 'application/wasm' }));
  };
  try {
    const [plain, simd] = await Promise.all([get('tfjs-backend-wasm.wasm'), get('tfjs-backend-wasm-simd.wasm')]);
    return { files: { 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': simd } };
  } catch (e) {
    return { error: `the page could not load its .wasm files (${(e as Error).message})` };
  }
}
