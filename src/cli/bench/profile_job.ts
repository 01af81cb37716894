/**
 * `spade bench … --profile`: inside a bench worker, the GPU work of one train step or one
 * forward frame on webgpu, counted (gpu_profile.ts), and the host time it takes on Dawn's
 * null backend, which does no GPU work at all: what is left is the cost of encoding it.
 * Train steps are profiled as steps that do not log: their losses are never read back.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeModel } from '../../model/model';
import { loadModel } from '../load';
import type { Job } from './measure';
import { labelBatch, readArray } from './measure';
import { startBenchBackend } from './node_backend';
import { trainStepper } from './train_step';
import type { QueuedStep } from '../../model/train/trainer';
import { countsSince, gpuCounts, installGpuCounter, type GpuCounts } from './gpu_profile';
import { median } from '../../bench/stats';

/** Dawn's toggle for its null backend (no device work). */
export const NULL_BACKEND_FLAGS = 'backend=null';

export interface ProfileResult {
  backend_info: string;
  /** Counts of the last (steady-state) step or frame. */
  counts: GpuCounts;
  /** Pipelines compiled by the first step or frame (the cold one). */
  pipelines_compiled_cold: number;
  /** Whether it ran on Dawn's null backend (else the ms below include the GPU's work). */
  on_null_backend: boolean;
  /** Host ms per step or frame on the null backend: warm median, and the cold first one. */
  null_host_ms: number;
  null_host_ms_cold: number;
  /** With SPADE_PROFILE_KERNEL_MS=1 on an adapter with timestamp queries: GPU ms by TF.js kernel. */
  kernel_ms?: Record<string, number>;
  /** Why kernel_ms is absent when it was asked for. */
  kernel_ms_note?: string;
}

/** Said (in the row and by bench_gpu.mjs) where the adapter has no timestamp queries. */
export const NO_TIMESTAMPS = 'timestamp-query not offered by this adapter';

/** Whether the webgpu backend's device has timestamp queries (webgpu_node.ts asks for them where offered). */
function hasTimestampQuery(): boolean {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device?.features.has('timestamp-query') ?? false;
}

/** Set to 1 to time one more step or frame per TF.js kernel (scripts/bench_gpu.mjs does). */
export const KERNEL_MS_ENV = 'SPADE_PROFILE_KERNEL_MS';

/**
 * GPU time per TF.js kernel name over one run, from WebGPU timestamp queries (tf.profile).
 * Undefined where the adapter has none (every time then reads 0). Each kernel is then
 * submitted on its own, so the sum is not a step's time; the shares are what it tells.
 */
async function kernelTimes(run: () => Promise<void>): Promise<Record<string, number> | undefined> {
  const info = await tf.profile(run);
  const byName: Record<string, number> = {};
  let any = false;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    if (ms > 0) any = true;
    byName[k.name] = (byName[k.name] ?? 0) + ms;
  }
  return any ? byName : undefined;
}

/**
 * Runs job.runs + 1 steps (or frames) on webgpu over the null backend. SPADE_DAWN_FLAGS may
 * already name another Dawn backend (to count on a real adapter); otherwise null is used.
 */
export async function runProfileJob(job: Job): Promise<ProfileResult> {
  if (job.backend !== 'webgpu') throw new Error(`--profile counts webgpu work, not ${job.backend}`);
  // Kernel times need a real adapter; the host time alone needs the null one.
  if (process.env[KERNEL_MS_ENV] !== '1') process.env.SPADE_DAWN_FLAGS ??= NULL_BACKEND_FLAGS;
  const onNull = (process.env.SPADE_DAWN_FLAGS ?? '').split(',').map((f) => f.trim()).includes(NULL_BACKEND_FLAGS);
  const backendInfo = await startBenchBackend('webgpu');
  installGpuCounter();
  const model = loadModel(job.inputs.checkpoint, undefined);
  try {
    const once = job.kind === 'train' ? trainOnce(model, job, onNull) : forwardOnce(model, job);
    const times: number[] = [];
    let first = 0;
    let last: GpuCounts | undefined;
    for (let i = 0; i <= job.runs; i++) {
      const before = gpuCounts();
      const t0 = performance.now();
      await once.run();
      times.push(performance.now() - t0);
      last = countsSince(before);
      if (i === 0) first = last.pipelines_compiled;
    }
    const wantKernelMs = process.env[KERNEL_MS_ENV] === '1';
    const kernelMs = wantKernelMs && hasTimestampQuery() ? await kernelTimes(() => once.run()) : undefined;
    const kernelMsNote = !wantKernelMs || kernelMs ? undefined : hasTimestampQuery() ? 'the timestamp queries read 0 for every kernel' : NO_TIMESTAMPS;
    await once.dispose();
    const warm = times.slice(1);
    return {
      backend_info: backendInfo,
      counts: last!,
      pipelines_compiled_cold: first,
      on_null_backend: onNull,
      null_host_ms: median(warm.length ? warm : times),
      null_host_ms_cold: times[0],
      ...(kernelMs ? { kernel_ms: kernelMs } : {}),
      ...(kernelMsNote ? { kernel_ms_note: kernelMsNote } : {}),
    };
  } finally {
    model.dispose();
  }
}

interface Runner {
  run(): Promise<void>;
  dispose(): void | Promise<void>;
}

function trainOnce(model: SpadeModel, job: Job, onNull: boolean): Runner {
  // A G-only checkpoint (the default model) trains with fresh E and D, as `spade train` does.
  model.addTrainingNets(0);
  const labels = labelBatch(job.inputs);
  const img = readArray(job.inputs.images);
  const images = tf.tensor4d(img.data, img.shape as [number, number, number, number]);
  const stepper = trainStepper(model, labels, images);
  let last: QueuedStep | undefined;
  return {
    // Steps that do not log: queued, their losses dropped unread.
    async run() {
      last?.dispose();
      last = stepper.queue();
    },
    async dispose() {
      // The last step's losses are read so that every step's work has finished. On the null
      // backend nothing computes them, so their values (maybe NaN, "diverged") mean nothing.
      await last?.read().catch((e: unknown) => {
        if (!onNull) throw e;
      });
      last?.dispose();
      stepper.dispose();
      images.dispose();
    },
  };
}

function forwardOnce(model: SpadeModel, job: Job): Runner {
  const labels = labelBatch(job.inputs);
  const z = job.inputs.z ? tf.tensor2d(readArray(job.inputs.z).data, [labels.n, model.config.z_dim]) : undefined;
  return {
    async run() {
      const out = model.synthesize(labels, { z });
      await out.data(); // a frame includes reading the image back
      out.dispose();
    },
    dispose() {
      z?.dispose();
    },
  };
}
