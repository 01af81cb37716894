/**
 * Inference worker: holds the SpadeModel on the best TF.js backend and turns label maps
 * (model ids) into RGBA frames. Only the newest render request matters: while a frame runs,
 * a newer request replaces any pending one. Protocol: `worker_protocol.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint, type SpadeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { outputSize } from '../model/config';
import { SpadeInputError } from '../model/errors';
import { SpadeModel } from '../model/model';
import { parseOptTxt } from '../model/opt_txt';
import { decodeStyleImage } from '../model/io/style_image';
import { checkpointIdentity } from '../model/io/style_file';
import { synthesize } from './synthesize';
import { sameIds, sameStyle } from './same_frame';
import {
  GpuFailure,
  abandonBackend,
  checkGpu,
  configureWasm,
  hasGpuFailure,
  loseGpu,
  onGpuFailure,
  startBackend,
  takeGpuFailure,
  type ActiveBackend,
} from './worker_backend';
import { backendCandidates, type Candidate } from './backend_order';
import type { MainToWorker, ModelInfo, WorkerToMain } from './worker_protocol';

type RenderRequest = Extract<MainToWorker, { type: 'render' }>;
type SetRequest = Extract<MainToWorker, { type: 'renderSet' }>;
type ControlJob = Exclude<MainToWorker, RenderRequest | SetRequest>;
/** A style set and the index of its next tile. */
type SetEntry = { req: SetRequest; next: number };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: WorkerToMain, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
/** The latency trace's clock (epoch ms; see src/shared/preview_trace.ts). */
const now = () => performance.timeOrigin + performance.now();

/** The worker's state (backend, model, queues) and its scheduling: control jobs in order, then the newest render. */
class InferenceWorker {
  private backend: ActiveBackend | null = null;
  /** Set by the `start` message; nothing runs before it. */
  private backendsLeft: Candidate[] | null = null;
  private checkpoint: { ck: SpadeCheckpoint; name: string } | null = null;
  private model: SpadeModel | null = null;
  private info: ModelInfo | null = null;
  private readonly control: ControlJob[] = [];
  private pendingRender: { req: RenderRequest; at: number } | null = null;
  /**
   * Newest style set per key (grid, interpolation, ...) and its next tile. A newer set for a key
   * replaces the old one, even half done: its tiles would show a mask that is gone.
   */
  private readonly pendingSets = new Map<string, SetEntry>();
  private pumping = false;
  /** The newest checkpoint, parsed when it arrived (or why it could not be). */
  private parsed: ({ loadId: number } & Parsed) | null = null;

  receive(m: MainToWorker): void {
    if (m.type === 'start') {
      if (this.backendsLeft) return; // once only
      configureWasm('error' in m.wasm ? { error: m.wasm.error } : m.wasm.files);
      this.backendsLeft = backendCandidates(m.preference);
    } else if (m.type === 'load') {
      // Parsed on arrival: while the backend still starts (fetching and compiling wasm, off this
      // thread), not after it.
      this.parsed = { loadId: m.loadId, ...parse(m) };
      this.control.push(m);
    } else if (m.type === 'render') this.pendingRender = { req: m, at: now() }; // drops any older pending request
    else if (m.type === 'renderSet') {
      this.pendingSets.delete(m.key);
      this.pendingSets.set(m.key, { req: m, next: 0 });
    } else this.control.push(m);
    this.wake();
  }

  /** Starts a pump unless one is running (which picks up whatever is queued). */
  wake(): void {
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    if (!this.backendsLeft) return; // before `start`: its arrival pumps
    this.pumping = true;
    try {
      if (!this.backend) await this.ensureBackend();
      const lost = takeGpuFailure();
      if (lost) await this.fallBack(lost);
    } catch (e) {
      post({ type: 'fatal', message: messageOf(e) });
      this.control.length = 0;
      this.pendingRender = null;
      this.pendingSets.clear();
      this.pumping = false;
      return;
    }
    try {
      for (;;) {
        const job = this.control.shift();
        if (job) {
          await this.runControl(job);
          continue;
        }
        // Main-view frames and style tiles take turns, so the Styles grid keeps up while painting.
        const req = this.pendingRender;
        if (req) {
          this.pendingRender = null;
          await this.render(req.req, req.at);
        }
        const first = this.pendingSets.values().next();
        if (!first.done) await this.renderSetTile(first.value);
        else if (!req) break;
      }
    } finally {
      this.pumping = false;
      // A failure reported while this pump was busy but after its last frame: handle it now.
      if (hasGpuFailure()) void this.pump();
    }
  }

  private async ensureBackend(note?: string): Promise<void> {
    const order = this.backendsLeft!;
    const backend = await startBackend(order);
    if (!backend) throw new Error('no TF.js backend could start');
    this.backend = backend;
    const started = backend.name;
    this.backendsLeft = order.slice(order.findIndex((c) => c.name === started));
    const passed = backend.passedOver.length ? `${backend.passedOver.join(', ')}: software adapter, slower than wasm` : undefined;
    const why = [note, passed, ...backend.failed].filter(Boolean).join('; ') || undefined;
    post({ type: 'backend', backend: started, note: why, adapter: backend.adapter, at: now() });
  }

  private async runControl(job: ControlJob): Promise<void> {
    switch (job.type) {
      case 'load':
        return this.load(job);
      case 'encodeStyle':
        return this.encodeAndPost(job.requestId, job.name, () => {
          const img = decodeStyleImage(job.bytes, job.name, job.maxPixels);
          return { data: img.data, width: img.width, height: img.height };
        });
      case 'encodePixels':
        return this.encodeAndPost(job.requestId, job.name, () => {
          const { data, width, height } = job;
          if (data.length !== width * height * 3) {
            throw new SpadeInputError(`image has ${data.length} values for ${width}x${height}x3`, job.name);
          }
          return job;
        });
      case 'debugLoseGpu':
        if (this.backend) loseGpu(this.backend.name);
        return;
    }
  }

  // ---- model -----------------------------------------------------------------------------------
  private load(job: Extract<MainToWorker, { type: 'load' }>): void {
    const parsed = this.parsed?.loadId === job.loadId ? this.parsed : { loadId: job.loadId, ...parse(job) };
    this.parsed = null;
    try {
      if ('error' in parsed) throw parsed.error;
      const { ck, parsedAt } = parsed;
      const next = SpadeModel.fromCheckpoint(ck, job.name);
      this.model?.dispose();
      this.model = next;
      // Kept on the host so that a backend fallback can upload the weights again.
      this.checkpoint = { ck, name: job.name };
      const cfg = next.config;
      const { width, height } = outputSize(cfg);
      this.info = {
        name: job.name,
        labelNc: cfg.label_nc,
        containDontcare: cfg.contain_dontcare_label,
        noInstance: cfg.no_instance,
        useVae: cfg.use_vae,
        hasEncoder: cfg.use_vae && next.E !== undefined,
        zDim: cfg.z_dim,
        width,
        height,
        identity: checkpointIdentity(cfg, next.labelSet, job.name),
      };
      post({ type: 'loaded', loadId: job.loadId, info: this.info, parsedAt, readyAt: now() });
    } catch (e) {
      post({ type: 'loadError', loadId: job.loadId, message: messageOf(e) });
    }
  }

  private async fallBack(reason: string): Promise<boolean> {
    const failed = this.backend!.name;
    if (failed === 'cpu') return false;
    // Free the model's tensors while their backend is still registered (a lost device may
    // refuse; the engine forgets them either way), then drop the backend.
    try {
      this.model?.dispose();
    } catch {
      /* buffers of a lost device */
    }
    this.model = null;
    abandonBackend(failed);
    this.backendsLeft = this.backendsLeft!.filter((c) => c.name !== failed);
    this.backend = null;
    await this.ensureBackend(`${failed} failed: ${reason}`);
    // The same checkpoint's weights, uploaded to the new backend.
    this.model = this.checkpoint ? SpadeModel.fromCheckpoint(this.checkpoint.ck, this.checkpoint.name) : null;
    return true;
  }

  // ---- frames ----------------------------------------------------------------------------------
  private async render(req: RenderRequest, receivedAt: number): Promise<void> {
    for (;;) {
      const { model, info, backend } = this;
      if (!model || !info || !backend) {
        post({ type: 'frameError', frameId: req.frameId, message: 'no model loaded' });
        return;
      }
      const be = backend.name;
      try {
        checkGpu(be); // lost between frames: fall back before starting
        const startedAt = now();
        // Given up for a newer request that may not wait and asks for another picture (it runs next, from the pump).
        const preempted = () => {
          const next = this.pendingRender?.req;
          return !!next?.preempt && !(sameStyle(next.style, req.style) && sameIds(next.ids, req.ids));
        };
        const done = await synthesize(model, req, preempted);
        if (!done) return;
        const { rgba, dirty } = done;
        checkGpu(be);
        const doneAt = now();
        const tensors = tf.memory().numTensors;
        const { width, height } = info;
        const computeMs = doneAt - startedAt;
        const marks = { receivedAt, startedAt, doneAt };
        post({ type: 'frame', frameId: req.frameId, rgba, width, height, computeMs, backend: be, tensors, dirty, ...marks }, [rgba.buffer]);
        return;
      } catch (e) {
        if (e instanceof SpadeInputError) {
          post({ type: 'frameError', frameId: req.frameId, message: e.message });
          return;
        }
        // A GPU failure: move to the next backend and try this frame again (unless a newer one
        // is already waiting, which will be rendered next).
        let moved = false;
        try {
          moved = await this.fallBack(messageOf(e));
        } catch (e2) {
          post({ type: 'frameError', frameId: req.frameId, message: `${messageOf(e)}; fallback failed: ${messageOf(e2)}` });
          return;
        }
        if (!moved) {
          post({ type: 'frameError', frameId: req.frameId, message: messageOf(e) });
          return;
        }
        if (this.pendingRender) return;
      }
    }
  }

  /** One tile of a style set; then the set goes to the back of the queue (keys take turns). */
  private async renderSetTile(entry: SetEntry): Promise<void> {
    const { req } = entry;
    const index = entry.next++;
    const settle = () => {
      // Unless a newer set for this key arrived meanwhile, requeue the rest or drop a finished set.
      if (this.pendingSets.get(req.key) !== entry) return;
      this.pendingSets.delete(req.key);
      if (entry.next < req.zs.length) this.pendingSets.set(req.key, entry);
    };
    const { model, info, backend } = this;
    if (!model || !info || !backend) {
      entry.next = req.zs.length;
      settle();
      post({ type: 'setError', key: req.key, setId: req.setId, message: 'no model loaded' });
      return;
    }
    try {
      const tile = { ids: req.ids, width: req.width, height: req.height, style: { kind: 'z', z: req.zs[index] } } as const;
      const { rgba } = await synthesize(model, tile);
      const { width, height } = info;
      post({ type: 'setTile', key: req.key, setId: req.setId, index, rgba, width, height }, [rgba.buffer]);
      settle();
    } catch (e) {
      entry.next = req.zs.length;
      settle();
      // A GPU failure moves to the next backend (the main view's retry renders there); the set ends.
      if (!(e instanceof SpadeInputError)) await this.fallBack(messageOf(e)).catch(() => false);
      post({ type: 'setError', key: req.key, setId: req.setId, message: messageOf(e) });
    }
  }

  // ---- style images ----------------------------------------------------------------------------
  /** Encodes an RGB image in [-1, 1] (from `pixels`, which may throw on bad input) and posts its code. */
  private async encodeAndPost(
    requestId: number,
    name: string,
    pixels: () => { data: Float32Array; width: number; height: number },
  ): Promise<void> {
    try {
      const m = this.model;
      if (!m) throw new Error('no model loaded');
      if (!m.E) throw new SpadeInputError('this checkpoint has no style encoder (E)', name);
      const img = pixels();
      const r = tf.tidy(() => m.encode(tf.tensor4d(img.data, [1, img.height, img.width, 3]), name));
      let z: Float32Array;
      let logvar: Float32Array;
      try {
        z = Float32Array.from((await r.mu.data()) as Float32Array);
        logvar = Float32Array.from((await r.logvar.data()) as Float32Array);
      } finally {
        r.mu.dispose();
        r.logvar.dispose();
      }
      post({ type: 'styleEncoded', requestId, name, z, logvar }, [z.buffer, logvar.buffer]);
    } catch (e) {
      post({ type: 'styleError', requestId, message: messageOf(e) });
    }
  }
}

type Parsed = { ck: SpadeCheckpoint; parsedAt: number } | { error: unknown };

function parse(job: Extract<MainToWorker, { type: 'load' }>): Parsed {
  try {
    const config = job.optTxt !== undefined ? parseOptTxt(job.optTxt, `${job.name} (opt.txt)`) : undefined;
    return { ck: readCheckpoint(job.bytes, job.name, { config }), parsedAt: now() };
  } catch (error) {
    return { error };
  }
}

function messageOf(e: unknown): string {
  if (e instanceof GpuFailure || e instanceof Error) return e.message;
  return String(e);
}

const worker = new InferenceWorker();
scope.onmessage = (ev: MessageEvent<MainToWorker>) => worker.receive(ev.data);
// A GPU lost while nothing renders: fall back now, so that the status line says so at once and
// the next stroke renders on the new backend without waiting for a failed frame first.
onGpuFailure(() => worker.wake());
