/**
 * The in-browser half of `spade bench --browser`: loaded into a blank page by headless
 * Chromium, it runs the same generator on WebGPU, WebGL or wasm (the webview worker's backend
 * start-up) and reports cold and warm latency. Files (the .wasm binaries too) come from the
 * bench's local server.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { readNpy } from '../model/io/npy';
import { SpadeModel } from '../model/model';
import type { LabelBatch } from '../model/preprocess';
import { configureWasm, startBackend } from '../webview/worker_backend';
import { runLive } from './live';
import type { BenchPageGlobal, PageJob, PageResult } from './page_job';

/**
 * The backend's allocation in MiB: GPU memory (webgpu's name, webgl's name), or the wasm heap,
 * which holds the tensors and never shrinks (its peak).
 */
function allocatedMb(): number | null {
  const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesAllocatedInGPU?: number };
  const heap = (tf.backend() as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength;
  const bytes = mem.numBytesAllocatedInGPU ?? mem.numBytesInGPUAllocated ?? heap;
  return bytes === undefined ? null : bytes / 2 ** 20;
}

async function get(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function run(job: PageJob): Promise<PageResult> {
  configureWasm(`${location.origin}/`); // the bench server serves dist/*.wasm at its root
  const active = await startBackend([{ name: job.backend, software: true }]);
  if (!active) throw new Error(`${job.backend} did not start in this browser`);
  const model = SpadeModel.fromCheckpoint(readCheckpoint(await get(job.checkpoint), 'checkpoint'), 'checkpoint');
  const a = readNpy(await get(job.labels), 'labels');
  const [n, h, w] = a.shape;
  const labels: LabelBatch = { ids: Int32Array.from(a.data), n, h, w };
  if (job.instances) labels.instances = Int32Array.from(readNpy(await get(job.instances), 'instances').data);
  const backendInfo = `${active.name}${active.adapter ? ` (${active.adapter})` : ''}`;
  if (job.live) {
    const live = await runLive(model, labels, job, backendInfo, () => allocatedMb() ?? 0);
    model.dispose();
    return { backend_info: backendInfo, ms_cold: live.full_ms[0], ms_all: live.full_ms, tensor_peak_mb: allocatedMb(), live };
  }
  const z = job.z ? tf.tensor2d(readNpy(await get(job.z), 'z').data, [n, model.config.z_dim]) : undefined;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = model.synthesize(labels, { z });
    await out.data();
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  const cold = await once();
  const all: number[] = [];
  for (let i = 0; i < job.runs; i++) all.push(await once());
  const peak = allocatedMb();
  z?.dispose();
  model.dispose();
  return { backend_info: backendInfo, ms_cold: cold, ms_all: all, tensor_peak_mb: peak };
}

(globalThis as typeof globalThis & BenchPageGlobal).spadeBench = run;
