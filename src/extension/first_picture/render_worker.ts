/**
 * The host's first-picture render thread (a Node worker thread, bundled as dist/first_picture.js):
 * holds one model on TF.js's wasm backend, warm across previews, and renders a label map in a
 * seed's style exactly as a page's worker renders its first frame. It never touches VS Code.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
// Registers the cpu backend, the fallback when wasm cannot start (see src/cli/backend.ts on the import).
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { rgbaBytes } from '../../model/image_bytes';
import { LiveRenderer } from '../../model/live/live_renderer';
import { previewBatch } from '../../model/live/preview_batch';
import { SpadeModel } from '../../model/model';
import { parseOptTxt } from '../../model/opt_txt';
import { registerWasmTrainingKernels } from '../../model/nn/wasm_kernels';
import type { FromRenderer, ToRenderer } from './render_protocol';

const port = parentPort;
if (!port) throw new Error('render_worker.ts runs only as a worker thread');
const post = (m: FromRenderer, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let model: { model: SpadeModel; renderer: LiveRenderer } | { error: string } | null = null;
let backendError: string | null = null;
const ready = startBackend().catch((e: Error) => {
  backendError = `no TF.js backend could start: ${e.message}`;
});

async function startBackend(): Promise<void> {
  tf.env().set('PROD', true);
  // The .wasm binaries sit beside this bundle in dist/.
  setWasmPaths(`${__dirname}/`);
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
  await tf.ready();
}

function load(m: Extract<ToRenderer, { type: 'load' }>): void {
  if (model && 'model' in model) {
    model.renderer.dispose();
    model.model.dispose();
  }
  try {
    const config = m.optTxt !== undefined ? parseOptTxt(m.optTxt, `${m.name} (opt.txt)`) : undefined;
    const next = SpadeModel.fromCheckpoint(readCheckpoint(m.bytes, m.name, { config }), m.name);
    model = { model: next, renderer: new LiveRenderer(next.G, next.params.G) };
  } catch (e) {
    model = { error: (e as Error).message };
  }
}

async function render(m: Extract<ToRenderer, { type: 'render' }>): Promise<void> {
  try {
    if (backendError) throw new Error(backendError);
    if (!model) throw new Error('no model loaded');
    if ('error' in model) throw new Error(model.error);
    const startedAt = Date.now();
    const batch = previewBatch(model.model.config, m.ids, m.width, m.height);
    const img = model.renderer.render(batch, { seed: m.seed }, 'label map').image;
    let rgba: Uint8Array;
    try {
      rgba = new Uint8Array(rgbaBytes((await img.data()) as Float32Array).buffer);
    } finally {
      img.dispose();
    }
    const [, height, width] = img.shape;
    post({ type: 'picture', requestId: m.requestId, rgba, width, height, startedAt, doneAt: Date.now() }, [rgba.buffer as ArrayBuffer]);
  } catch (e) {
    post({ type: 'failed', requestId: m.requestId, message: (e as Error).message });
  }
}

// One message at a time, in order: a load always applies to the renders after it.
let queue: Promise<void> = ready;
port.on('message', (m: ToRenderer) => {
  queue = queue.then(() => (m.type === 'load' ? load(m) : render(m)));
});
