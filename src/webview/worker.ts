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
import { nearestIndices } from '../model/nn/ops';
import { parseOptTxt } from '../model/opt_txt';
import type { LabelBatch } from '../model/preprocess';
import { decodeStyleImage } from '../model/io/style_image';
import { checkpointIdentity } from '../model/io/style_file';
import { liveFrame } from './live_frames';
import { GpuFailure, abandonBackend, checkGpu, configureWasm, gpuRead, hasGpuFailure, loseGpu, onGpuFailure, startBackend, takeGpuFailure, type ActiveBackend } from './worker_backend';
import { backendCandidates, type Candidate } from './backend_order';
import type { MainToWorker, ModelInfo, StyleSpec, WorkerToMain } from './worker_protocol';

type RenderRequest = Extract<MainToWorker, { type: 'render' }>;
type SetRequest = Extract<MainToWorker, { type: 'renderSet' }>;
type ControlJob = Exclude<MainToWorker, RenderRequest | SetRequest>;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: WorkerToMain, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let backend: ActiveBackend | null = null;
/** Set by the `start` message; nothing runs before it. */
let backendsLeft: Candidate[] | null = null;
let checkpoint: { ck: SpadeCheckpoint; name: string } | null = null;
let model: SpadeModel | null = null;
let info: ModelInfo | null = null;

// ---- scheduling: control jobs in order, then the newest render ----------------------------
const control: ControlJob[] = [];
let pendingRender: RenderRequest | null = null;
/**
 * Newest style set per key (grid, interpolation, ...) and its next tile. A newer set for a key
 * replaces the old one, even half done: its tiles would show a mask that is gone.
 */
const pendingSets = new Map<string, { req: SetRequest; next: number }>();
let pumping = false;

scope.onmessage = (ev: MessageEvent<MainToWorker>) => {
  const m = ev.data;
  if (m.type === 'start') {
    if (backendsLeft) return; // once only
    configureWasm('error' in m.wasm ? { error: m.wasm.error } : m.wasm.files);
    backendsLeft = backendCandidates(m.preference);
  } else if (m.type === 'render') pendingRender = m; // drops any older pending request
  else if (m.type === 'renderSet') {
    pendingSets.delete(m.key);
    pendingSets.set(m.key, { req: m, next: 0 });
  }
  else control.push(m);
  if (!pumping) void pump();
};

// A GPU lost while nothing renders: fall back now, so that the status line says so at once and
// the next stroke renders on the new backend without waiting for a failed frame first.
onGpuFailure(() => {
  if (!pumping) void pump();
});

async function pump(): Promise<void> {
  if (!backendsLeft) return; // before `start`: its arrival pumps
  pumping = true;
  try {
    if (!backend) await ensureBackend();
    const lost = takeGpuFailure();
    if (lost) await fallBack(lost);
  } catch (e) {
    post({ type: 'fatal', message: messageOf(e) });
    control.length = 0;
    pendingRender = null;
    pendingSets.clear();
    pumping = false;
    return;
  }
  try {
    for (;;) {
      const job = control.shift();
      if (job) {
        await runControl(job);
        continue;
      }
      // Main-view frames and style tiles take turns, so the Styles grid keeps up while painting.
      const req = pendingRender;
      if (req) {
        pendingRender = null;
        await render(req);
      }
      const first = pendingSets.values().next();
      if (!first.done) await renderSetTile(first.value);
      else if (!req) break;
    }
  } finally {
    pumping = false;
    // A failure reported while this pump was busy but after its last frame: handle it now.
    if (hasGpuFailure()) void pump();
  }
}

async function ensureBackend(note?: string): Promise<void> {
  const order = backendsLeft!;
  backend = await startBackend(order);
  if (!backend) throw new Error('no TF.js backend could start');
  const started = backend.name;
  backendsLeft = order.slice(order.findIndex((c) => c.name === started));
  const passed = backend.passedOver.length ? `${backend.passedOver.join(', ')}: software adapter, slower than wasm` : undefined;
  post({ type: 'backend', backend: started, note: [note, passed, ...backend.failed].filter(Boolean).join('; ') || undefined, adapter: backend.adapter });
}

async function runControl(job: ControlJob): Promise<void> {
  switch (job.type) {
    case 'load':
      return load(job);
    case 'encodeStyle':
      return encodeStyle(job);
    case 'encodePixels':
      return encodePixels(job);
    case 'debugLoseGpu':
      if (backend) loseGpu(backend.name);
      return;
  }
}

// ---- model -------------------------------------------------------------------------------------
function load(job: Extract<MainToWorker, { type: 'load' }>): void {
  try {
    const config = job.optTxt !== undefined ? parseOptTxt(job.optTxt, `${job.name} (opt.txt)`) : undefined;
    const ck = readCheckpoint(job.bytes, job.name, { config });
    const next = SpadeModel.fromCheckpoint(ck, job.name);
    model?.dispose();
    model = next;
    // Kept on the host so that a backend fallback can upload the weights again.
    checkpoint = { ck, name: job.name };
    const cfg = next.config;
    const { width, height } = outputSize(cfg);
    info = {
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
    post({ type: 'loaded', loadId: job.loadId, info });
  } catch (e) {
    post({ type: 'loadError', loadId: job.loadId, message: messageOf(e) });
  }
}

/** After a backend change: the same checkpoint's weights, uploaded to the new backend. */
function rebuildModel(): void {
  model = checkpoint ? SpadeModel.fromCheckpoint(checkpoint.ck, checkpoint.name) : null;
}

async function fallBack(reason: string): Promise<boolean> {
  const failed = backend!.name;
  if (failed === 'cpu') return false;
  // Free the model's tensors while their backend is still registered (a lost device may
  // refuse; the engine forgets them either way), then drop the backend.
  try {
    model?.dispose();
  } catch {
    /* buffers of a lost device */
  }
  model = null;
  abandonBackend(failed);
  backendsLeft = backendsLeft!.filter((c) => c.name !== failed);
  backend = null;
  await ensureBackend(`${failed} failed: ${reason}`);
  rebuildModel();
  return true;
}

// ---- frames ------------------------------------------------------------------------------------
async function render(req: RenderRequest): Promise<void> {
  for (;;) {
    if (!model || !info || !backend) {
      post({ type: 'frameError', frameId: req.frameId, message: 'no model loaded' });
      return;
    }
    const be = backend.name;
    try {
      checkGpu(be); // lost between frames: fall back before starting
      const t0 = performance.now();
      const out = await synthesize(model, info, req);
      checkGpu(be);
      const computeMs = performance.now() - t0;
      post(
        { type: 'frame', frameId: req.frameId, rgba: out, width: info.width, height: info.height, computeMs, backend: be, tensors: tf.memory().numTensors },
        [out.buffer],
      );
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
        moved = await fallBack(messageOf(e));
      } catch (e2) {
        post({ type: 'frameError', frameId: req.frameId, message: `${messageOf(e)}; fallback failed: ${messageOf(e2)}` });
        return;
      }
      if (!moved) {
        post({ type: 'frameError', frameId: req.frameId, message: messageOf(e) });
        return;
      }
      if (pendingRender) return;
    }
  }
}

/** One tile of a style set; then the set goes to the back of the queue (keys take turns). */
async function renderSetTile(entry: { req: SetRequest; next: number }): Promise<void> {
  const { req } = entry;
  const index = entry.next++;
  const settle = () => {
    // Unless a newer set for this key arrived meanwhile, requeue the rest or drop a finished set.
    if (pendingSets.get(req.key) !== entry) return;
    pendingSets.delete(req.key);
    if (entry.next < req.zs.length) pendingSets.set(req.key, entry);
  };
  if (!model || !info || !backend) {
    entry.next = req.zs.length;
    settle();
    post({ type: 'setError', key: req.key, setId: req.setId, message: 'no model loaded' });
    return;
  }
  try {
    const rgba = await synthesize(model, info, { type: 'render', frameId: 0, ids: req.ids, width: req.width, height: req.height, style: { kind: 'z', z: req.zs[index] } });
    post({ type: 'setTile', key: req.key, setId: req.setId, index, rgba, width: info.width, height: info.height }, [rgba.buffer]);
    settle();
  } catch (e) {
    entry.next = req.zs.length;
    settle();
    // A GPU failure moves to the next backend (the main view's retry renders there); the set ends.
    if (!(e instanceof SpadeInputError)) await fallBack(messageOf(e)).catch(() => false);
    post({ type: 'setError', key: req.key, setId: req.setId, message: messageOf(e) });
  }
}

async function synthesize(m: SpadeModel, mi: ModelInfo, req: RenderRequest): Promise<Uint8ClampedArray> {
  let { ids, width: w, height: h } = req;
  if (ids.length !== w * h) throw new SpadeInputError(`label map has ${ids.length} ids for ${w}x${h}`);
  // Larger than the output: shrink first (nearest, as the generator's own resizes do), so the
  // one-hot map stays small. For integer ratios this is exactly what the direct resize gives.
  if (w * h > mi.width * mi.height) {
    ids = resizeIds(ids, w, h, mi.width, mi.height);
    w = mi.width;
    h = mi.height;
  }
  // Models with instance edges get the class map as the instance map (edges at class borders).
  const batch: LabelBatch = { ids, n: 1, h, w, instances: mi.noInstance ? undefined : ids };
  const img = liveFrame(m, batch, req.style);
  try {
    const data = (await gpuRead(img.data())) as Float32Array;
    const n = mi.width * mi.height;
    const rgba = new Uint8ClampedArray(n * 4);
    for (let i = 0; i < n; i++) {
      // Same rounding as the CLI's PNG output.
      rgba[i * 4] = Math.round(((data[i * 3] + 1) / 2) * 255);
      rgba[i * 4 + 1] = Math.round(((data[i * 3 + 1] + 1) / 2) * 255);
      rgba[i * 4 + 2] = Math.round(((data[i * 3 + 2] + 1) / 2) * 255);
      rgba[i * 4 + 3] = 255;
    }
    return rgba;
  } finally {
    img.dispose();
  }
}

function resizeIds(ids: Int32Array, w: number, h: number, ow: number, oh: number): Int32Array {
  const rows = nearestIndices(h, oh);
  const cols = nearestIndices(w, ow);
  const out = new Int32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const src = rows[y] * w;
    for (let x = 0; x < ow; x++) out[y * ow + x] = ids[src + cols[x]];
  }
  return out;
}

// ---- style images ------------------------------------------------------------------------------
async function encodeStyle(job: Extract<MainToWorker, { type: 'encodeStyle' }>): Promise<void> {
  await encodeAndPost(job.requestId, job.name, () => {
    const img = decodeStyleImage(job.bytes, job.name, job.maxPixels);
    return { data: img.data, width: img.width, height: img.height };
  });
}

async function encodePixels(job: Extract<MainToWorker, { type: 'encodePixels' }>): Promise<void> {
  await encodeAndPost(job.requestId, job.name, () => {
    if (job.data.length !== job.width * job.height * 3) throw new SpadeInputError(`image has ${job.data.length} values for ${job.width}x${job.height}x3`, job.name);
    return job;
  });
}

/** Encodes an RGB image in [-1, 1] (from `pixels`, which may throw on bad input) and posts its code. */
async function encodeAndPost(requestId: number, name: string, pixels: () => { data: Float32Array; width: number; height: number }): Promise<void> {
  try {
    if (!model) throw new Error('no model loaded');
    if (!model.E) throw new SpadeInputError('this checkpoint has no style encoder (E)', name);
    const img = pixels();
    const m = model;
    const r = tf.tidy(() => m.encode(tf.tensor4d(img.data, [1, img.height, img.width, 3]), name));
    const z = Float32Array.from((await r.mu.data()) as Float32Array);
    const logvar = Float32Array.from((await r.logvar.data()) as Float32Array);
    r.mu.dispose();
    r.logvar.dispose();
    post({ type: 'styleEncoded', requestId, name, z, logvar }, [z.buffer, logvar.buffer]);
  } catch (e) {
    post({ type: 'styleError', requestId, message: messageOf(e) });
  }
}

function messageOf(e: unknown): string {
  if (e instanceof GpuFailure || e instanceof Error) return e.message;
  return String(e);
}

