/**
 * TF.js backend choice inside the webview's worker: webgpu, then webgl (on an
 * OffscreenCanvas), then cpu. GPU failures (device lost, context lost, out of memory) are
 * detected here so that the worker can move to the next backend and keep going.
 */
import * as tf from '@tensorflow/tfjs-core';
// Named imports: a bare import of a package that declares no side effects is dropped by
// the bundler, and with it the backend's registration (see src/cli/backend.ts).
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { MathBackendWebGL, version_webgl } from '@tensorflow/tfjs-backend-webgl';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendName } from './worker_protocol';

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];
export const BACKEND_VERSIONS = { cpu: version_cpu, webgl: version_webgl };

export interface ActiveBackend {
  name: BackendName;
  /** WebGPU adapter description, when known ("SwiftShader", vendor/architecture). */
  adapter?: string;
}

/** Set by GPU error callbacks; checked before and after every frame. */
let gpuFailure: string | null = null;
/** Resolves when the active backend's GPU fails: pending read-backs race against it. */
let failSignal = newSignal();

function newSignal(): { promise: Promise<string>; resolve: (m: string) => void } {
  let resolve!: (m: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

/** Bumped on every backend start, so that late events from an abandoned backend are ignored. */
let generation = 0;

/** Called on every reported failure; the worker uses it to fall back while it is idle. */
let failureListener: (() => void) | null = null;

export function onGpuFailure(listener: () => void): void {
  failureListener = listener;
}

function reportFailure(gen: number, message: string): void {
  if (gen !== generation) return;
  gpuFailure ??= message;
  failSignal.resolve(message);
  failureListener?.();
}

export function hasGpuFailure(): boolean {
  return gpuFailure !== null;
}

export function takeGpuFailure(): string | null {
  const f = gpuFailure;
  gpuFailure = null;
  return f;
}

/**
 * Awaits a read-back, unless the GPU fails first: a lost WebGL context never signals its
 * fences and a lost WebGPU device may never map, so the read would wait forever.
 */
export async function gpuRead<T>(p: Promise<T>): Promise<T> {
  const r = await Promise.race([
    p.then(
      (v) => ({ ok: true as const, v }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
    failSignal.promise.then((m) => ({ ok: false as const, e: new GpuFailure(m) })),
  ]);
  if (!r.ok) throw r.e;
  return r.v;
}

/**
 * Starts the first backend in `order` that works (a tiny op is run and read back to prove
 * it). Returns null when none does.
 */
export async function startBackend(order: readonly BackendName[]): Promise<ActiveBackend | null> {
  tf.env().set('PROD', true);
  // tfjs refuses WebGL contexts with a "major performance caveat" (software rendering) unless
  // told otherwise; SwiftShader's WebGL still beats the pure-JS cpu backend by far.
  tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  for (const name of order) {
    try {
      if (!(await tf.setBackend(name))) continue;
      await tf.ready();
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
      const v = (await probe.data())[0];
      probe.dispose();
      if (v !== 3) throw new Error(`probe returned ${v}`);
      gpuFailure = null;
      failSignal = newSignal();
      generation++;
      return { name, adapter: watchGpu(name, generation) };
    } catch {
      try {
        tf.removeBackend(name);
      } catch {
        /* already gone */
      }
    }
  }
  return null;
}

/** Hooks the GPU's loss/error signals; returns an adapter description for WebGPU. */
function watchGpu(name: BackendName, gen: number): string | undefined {
  const b = tf.backend();
  if (name === 'webgpu' && b instanceof WebGPUBackend) {
    const device = b.device;
    void device.lost.then((info) => reportFailure(gen, `WebGPU device lost${info.message ? `: ${info.message}` : ''}`));
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      // Validation errors are tfjs bugs we cannot fix here; out-of-memory and internal errors mean
      // this device cannot run the model, so fall back.
      if (e instanceof GPUOutOfMemoryError || e.constructor.name === 'GPUInternalError') reportFailure(gen, `WebGPU ${e.constructor.name}: ${e.message}`);
    });
    return describeAdapter(b);
  }
  if (name === 'webgl' && b instanceof MathBackendWebGL) {
    const canvas = b.gpgpu.gl.canvas;
    canvas.addEventListener('webglcontextlost', () => reportFailure(gen, 'WebGL context lost'));
  }
  return undefined;
}

function describeAdapter(b: WebGPUBackend): string | undefined {
  // tfjs keeps GPUAdapterInfo's fields private; read them loosely (they vary by browser).
  const info = (b as unknown as { adapterInfo?: Record<string, unknown> }).adapterInfo;
  if (!info) return undefined;
  const parts = ['vendor', 'architecture', 'device', 'description']
    .map((k) => info[k])
    .filter((v): v is string => typeof v === 'string' && v !== '');
  return parts.length ? parts.join(' ') : undefined;
}

/** Throws if the active GPU backend has reported a failure since the last check. */
export function checkGpu(name: BackendName): void {
  if (name === 'webgl') {
    const b = tf.backend();
    if (b instanceof MathBackendWebGL && b.gpgpu.gl.isContextLost()) reportFailure(generation, 'WebGL context lost');
  }
  const f = takeGpuFailure();
  if (f) throw new GpuFailure(f);
}

export class GpuFailure extends Error {
  override name = 'GpuFailure';
}

/** Drops a (possibly broken) backend so that it is not picked again. */
export function abandonBackend(name: BackendName): void {
  const b = tf.findBackend(name);
  if (b instanceof MathBackendWebGL) {
    // Stop tfjs polling the fences of a lost context (it would poll forever).
    (b.gpgpu as unknown as { itemsToPoll?: unknown[] }).itemsToPoll = [];
  }
  try {
    tf.removeBackend(name);
  } catch {
    /* a lost device may throw while freeing its buffers */
  }
}

/** Test hook: break the active GPU backend the way a driver reset would. */
export function loseGpu(name: BackendName): boolean {
  const b = tf.backend();
  if (name === 'webgpu' && b instanceof WebGPUBackend) {
    b.device.destroy();
    return true;
  }
  if (name === 'webgl' && b instanceof MathBackendWebGL) {
    const ext = b.gpgpu.gl.getExtension('WEBGL_lose_context');
    ext?.loseContext();
    return ext !== null;
  }
  return false;
}
