/**
 * Counts the GPU work TF.js's webgpu backend asks of the device: dispatches (by shader),
 * host-to-GPU uploads, queue submits, blocking readbacks and pipelines compiled. It wraps the
 * backend's prototype and the GPUDevice in place, so it sees every kernel, ours included, and
 * it needs no GPU: the counts are the same on a software adapter and on Dawn's null backend.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface GpuCounts {
  dispatches: number;
  uploads: number;
  upload_bytes: number;
  submits: number;
  readbacks: number;
  pipelines_compiled: number;
  /** Dispatches by shader (the program's class name). */
  programs: Record<string, number>;
}

interface WebGPUBackendLike {
  device: GPUDevice;
  queue: GPUQueue;
}

type Fn = (...args: never[]) => unknown;

const zero = (): GpuCounts => ({
  dispatches: 0,
  uploads: 0,
  upload_bytes: 0,
  submits: 0,
  readbacks: 0,
  pipelines_compiled: 0,
  programs: {},
});

/** Running totals since the counter was installed; one counter per process. */
let totals: GpuCounts | undefined;

function wrap<T extends object>(owner: T, name: string, before: (self: T, args: unknown[]) => void): void {
  const o = owner as Record<string, Fn>;
  const original = o[name];
  if (typeof original !== 'function') throw new Error(`internal: cannot count ${name}: the webgpu backend has no such method`);
  o[name] = function (this: T, ...args: unknown[]) {
    before(this, args);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as Fn;
}

/**
 * Starts counting on the active webgpu backend (idempotent). Throws if the active backend
 * is not webgpu.
 */
export function installGpuCounter(): void {
  if (totals) return;
  if (tf.getBackend() !== 'webgpu') throw new Error(`GPU counts need the webgpu backend, not ${tf.getBackend()}`);
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const t = zero();
  const proto = Object.getPrototypeOf(backend) as WebGPUBackendLike;
  wrap(proto, 'recordAndSubmit', (_self, [program]) => {
    t.dispatches++;
    const name = (program as object).constructor.name;
    t.programs[name] = (t.programs[name] ?? 0) + 1;
  });
  // Every host-to-GPU copy TF.js makes (or ours do) writes a buffer mapped at its creation:
  // a staging buffer, or the destination itself when it is new.
  wrap(backend.device, 'createBuffer', (_self, [descriptor]) => {
    const d = descriptor as GPUBufferDescriptor;
    if (!d.mappedAtCreation) return;
    t.uploads++;
    t.upload_bytes += d.size;
  });
  wrap(proto, 'getBufferData', () => {
    t.readbacks++;
  });
  // The backend keeps the device's queue; both are per-instance objects.
  wrap(backend.queue, 'submit', () => {
    t.submits++;
  });
  for (const name of ['createComputePipeline', 'createComputePipelineAsync'] as const) {
    wrap(backend.device, name, () => {
      t.pipelines_compiled++;
    });
  }
  totals = t;
}

/** A copy of the totals so far. */
export function gpuCounts(): GpuCounts {
  if (!totals) throw new Error('internal: installGpuCounter was not called');
  return { ...totals, programs: { ...totals.programs } };
}

/** What happened between two snapshots. */
export function countsSince(before: GpuCounts, after: GpuCounts = gpuCounts()): GpuCounts {
  const programs: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.programs)) {
    const d = v - (before.programs[k] ?? 0);
    if (d) programs[k] = d;
  }
  return {
    dispatches: after.dispatches - before.dispatches,
    uploads: after.uploads - before.uploads,
    upload_bytes: after.upload_bytes - before.upload_bytes,
    submits: after.submits - before.submits,
    readbacks: after.readbacks - before.readbacks,
    pipelines_compiled: after.pipelines_compiled - before.pipelines_compiled,
    programs,
  };
}
