/**
 * What a bench worker process measures: one config on one backend, in a fresh process so
 * that "cold" really is the first call (kernel set-up, shader compilation) and the peak RSS
 * belongs to this measurement alone.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy, writeNpy } from '../../model/io/npy';
import type { LabelBatch } from '../../model/preprocess';
import type { SpadeModel } from '../../model/model';
import { loadModel } from '../load';
import { readInput } from '../files';
import type { BenchInputs } from './inputs';
import { startBenchBackend } from './node_backend';
import { trainStepper } from './train_step';
import { runLive, type LiveResult } from '../../bench/live';
import { median } from '../../bench/stats';

export interface Job {
  /** live: the modulation cache and the dirty-region renderer (live.ts). */
  kind: 'forward' | 'train' | 'live';
  backend: string;
  inputs: BenchInputs;
  runs: number;
  /** forward: also write the output (N, H, W, 3) here. */
  out?: string;
  /** Count the GPU work and time the host on Dawn's null backend instead (profile_job.ts). */
  profile?: boolean;
}

export interface JobResult {
  backend_info: string;
  ms_cold: number;
  ms_all: number[];
  ms_median: number;
  peak_rss_mb: number;
  tensor_peak_mb: number | null;
  losses?: Record<string, number>[];
  live?: LiveResult;
}


export function readArray(file: string) {
  return readNpy(readInput(file, 'bench input'), file, { finite: true });
}

export function labelBatch(inputs: BenchInputs): LabelBatch {
  const a = readArray(inputs.labels);
  const [n, h, w] = a.shape;
  const batch: LabelBatch = { ids: Int32Array.from(a.data), n, h, w };
  if (inputs.instances) batch.instances = Int32Array.from(readArray(inputs.instances).data);
  return batch;
}

/** GPU backends keep freed buffers pooled: what they hold is their high-water mark. */
function gpuBytes(): number | null {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesAllocatedInGPU?: number };
  return m.numBytesAllocatedInGPU ?? m.numBytesInGPUAllocated ?? null; // webgpu's name, webgl's name
}

export async function runJob(job: Job): Promise<JobResult> {
  const backendInfo = await startBenchBackend(job.backend);
  const model = loadModel(job.inputs.checkpoint, undefined);
  try {
    if (job.kind === 'live') {
      const live = await runLive(model, labelBatch(job.inputs), job, backendInfo, () => process.resourceUsage().maxRSS / 1024);
      const ms = median(live.full_ms);
      return {
        backend_info: backendInfo,
        ms_cold: ms,
        ms_all: live.full_ms,
        ms_median: ms,
        peak_rss_mb: live.peak_rss_mb,
        tensor_peak_mb: null,
        live,
      };
    }
    return job.kind === 'forward' ? await forward(model, job, backendInfo) : await train(model, job, backendInfo);
  } finally {
    model.dispose();
  }
}

async function forward(model: SpadeModel, job: Job, backendInfo: string): Promise<JobResult> {
  const labels = labelBatch(job.inputs);
  const z = job.inputs.z ? tf.tensor2d(readArray(job.inputs.z).data, [labels.n, model.config.z_dim]) : undefined;
  const once = async (): Promise<[number, Float32Array]> => {
    const t0 = performance.now();
    const out = model.synthesize(labels, { z });
    const data = (await out.data()) as Float32Array; // the read-back is part of a frame's latency
    const ms = performance.now() - t0;
    out.dispose();
    return [ms, data];
  };
  const gpu = gpuBytes() !== null;
  let cold: number;
  let first: Float32Array;
  let tensorPeak: number | null;
  if (gpu) {
    [cold, first] = await once();
    tensorPeak = null;
  } else {
    // tf.profile's per-kernel bookkeeping is cheap next to these kernels; it gives the tensor high-water.
    let r: [number, Float32Array] = [0, new Float32Array()];
    const info = await tf.profile(async () => {
      r = await once();
    });
    [cold, first] = r;
    tensorPeak = info.peakBytes / 2 ** 20;
  }
  if (job.out) {
    const [n, h, w] = [labels.n, labels.h, labels.w];
    fs.writeFileSync(job.out, writeNpy([n, h, w, 3], first));
  }
  const all: number[] = [];
  for (let i = 0; i < job.runs; i++) all.push((await once())[0]);
  if (gpu) tensorPeak = gpuBytes()! / 2 ** 20;
  z?.dispose();
  return {
    backend_info: backendInfo,
    ms_cold: cold,
    ms_all: all,
    ms_median: median(all.length ? all : [cold]),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    tensor_peak_mb: tensorPeak,
  };
}

async function train(model: SpadeModel, job: Job, backendInfo: string): Promise<JobResult> {
  const labels = labelBatch(job.inputs);
  const img = readArray(job.inputs.images);
  const images = tf.tensor4d(img.data, img.shape as [number, number, number, number]);
  // A G-only checkpoint (the default model) trains with fresh E and D, as `spade train` does.
  model.addTrainingNets(0);
  const stepper = trainStepper(model, labels, images);
  const times: number[] = [];
  const losses: Record<string, number>[] = [];
  try {
    for (let i = 0; i <= job.runs; i++) {
      const t0 = performance.now();
      losses.push(await stepper.step());
      times.push(performance.now() - t0);
    }
  } finally {
    stepper.dispose();
    images.dispose();
  }
  const warm = times.slice(1);
  return {
    backend_info: backendInfo,
    ms_cold: times[0],
    ms_all: warm,
    ms_median: median(warm.length ? warm : times),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    tensor_peak_mb: gpuBytes() === null ? null : gpuBytes()! / 2 ** 20,
    losses,
  };
}
