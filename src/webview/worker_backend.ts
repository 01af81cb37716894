/**
 * TF.js backend start-up inside the webview's worker, in the order backend_order.ts gives
 * (webgpu, webgl on an OffscreenCanvas, wasm, cpu; GPU ones on hardware adapters first). GPU
 * failures (device lost, context lost, out of memory) are detected here so that the worker can
 * move to the next backend and keep going.
 */
import * as tf from '@tensorflow/tfjs-core';
// Named imports: a bare import of a package that declares no side effects is dropped by
// the bundler, and with it the backend's registration (see src/cli/backend.ts).
// Registers the cpu backend, the last fallback.
import '@tensorflow/tfjs-backend-cpu';
import { MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../model/nn/wasm_kernels';
import { isSoftwareRenderer, type Candidate } from './backend_order';
import type { BackendName } from './worker_protocol';

export interface ActiveBackend {
  name: BackendName;
  /** GPU adapter or renderer description, when known ("google swiftshader", ANGLE's renderer). */
  adapter?: string;
  /** GPU backends passed over because their adapter is software (the status line says so). */
  passedOver: string[];
  /** Backends tried before this one that could not start, with the reason. */
  failed: string[];
}

/**
 * Where tfjs-backend-wasm fetches its .wasm files: a URL per file name (the webview's blob: URLs,
 * inference_client.ts) or a folder URL ending in '/' (the bench page); or why there are none, which
 * makes only wasm fail to start, with that reason. Must be set before the wasm backend first
 * starts. Our fast wasm kernels (GatherV2 for SPADE's segmap resizing, crops and pastes) go in too.
 */
export function configureWasm(files: Record<string, string> | string | { error: string }): void {
  if (typeof files === 'object' && 'error' in files) wasmConfigError = files.error;
  else {
    try {
      setWasmPaths(files);
    } catch (e) {
      wasmConfigError = (e as Error).message;
    }
  }
  registerWasmTrainingKernels();
}
let wasmConfigError: string | null = null;

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
 * Starts the first candidate that works (a tiny op is run and read back to prove it) and whose
 * adapter it accepts (software adapters only where the candidate allows). Returns null when none does.
 */
export async function startBackend(order: readonly Candidate[]): Promise<ActiveBackend | null> {
  tf.env().set('PROD', true);
  // tfjs refuses WebGL contexts with a "major performance caveat" (software rendering) unless
  // told otherwise; the candidate list decides whether a software one is taken.
  tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  const passedOver: string[] = [];
  const failed: string[] = [];
  for (const [i, { name, software }] of order.entries()) {
    try {
      if (name === 'wasm' && wasmConfigError) throw new Error(wasmConfigError);
      // Starting a GPU backend (device, shaders, a probe) only to find a software adapter costs
      // seconds of the first picture: ask the adapter first.
      if (!software && isSoftwareRenderer(await peekAdapter(name))) {
        passedOver.push(name);
        continue;
      }
      if (!(await setBackendOrExplain(name))) continue;
      await tf.ready();
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
      const v = (await probe.data())[0];
      probe.dispose();
      if (v !== 3) throw new Error(`probe returned ${v}`);
      const adapter = describeBackend(name);
      if (!software && isSoftwareRenderer(adapter)) {
        passedOver.push(name);
        // Free its device unless a later candidate may take it after all.
        if (!order.slice(i + 1).some((c) => c.name === name)) dropBackend(name);
        continue;
      }
      gpuFailure = null;
      failSignal = newSignal();
      generation++;
      watchGpu(name, generation);
      return { name, adapter, passedOver, failed };
    } catch (e) {
      failed.push(`${name} failed: ${(e as Error)?.message ?? String(e)}`.slice(0, 200));
      dropBackend(name);
    }
  }
  return null;
}

/**
 * tf.setBackend, which reports why a backend failed to initialise only through console.warn
 * (and only outside PROD mode): that reason is caught and thrown, so that the status line can show it.
 */
async function setBackendOrExplain(name: BackendName): Promise<boolean> {
  if (!tf.findBackendFactory(name)) return false;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
    warn(...args);
  };
  // tfjs only logs (and we only catch) the reason when PROD is off.
  tf.env().set('PROD', false);
  try {
    if (await tf.setBackend(name)) return true;
  } finally {
    console.warn = warn;
    tf.env().set('PROD', true);
  }
  const reason = warnings.filter((w) => !w.startsWith('Initialization of backend')).pop();
  throw new Error(reason ? reason.split('\n')[0] : 'did not initialise');
}

function dropBackend(name: BackendName): void {
  try {
    tf.removeBackend(name);
  } catch {
    /* already gone */
  }
}

/** The active GPU backend's adapter (WebGPU) or renderer (WebGL); undefined for CPU backends. */
function describeBackend(name: BackendName): string | undefined {
  const b = tf.backend();
  if (name === 'webgpu' && b instanceof WebGPUBackend) return describeAdapter(b);
  if (name === 'webgl' && b instanceof MathBackendWebGL) {
    const gl = b.gpgpu.gl;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const r: unknown = gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    return typeof r === 'string' && r !== '' ? r : undefined;
  }
  return undefined;
}

/**
 * The adapter (WebGPU) or renderer (WebGL) a GPU backend would get, asked without starting the
 * backend; undefined when it cannot be told (the backend is then started and described as before).
 */
async function peekAdapter(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'webgpu') {
      const adapter = await navigator.gpu?.requestAdapter();
      if (!adapter) return undefined;
      // GPUAdapterInfo's fields, read loosely (they vary by browser; older ones put isFallbackAdapter on the adapter).
      const a = adapter as unknown as { info?: Record<string, unknown>; isFallbackAdapter?: boolean };
      if (a.isFallbackAdapter === true || a.info?.isFallbackAdapter === true) return 'fallback adapter (software)';
      const fields = ['vendor', 'architecture', 'device', 'description'].map((k) => a.info?.[k]);
      const text = fields.filter((v): v is string => typeof v === 'string' && v !== '').join(' ');
      return text || undefined;
    }
    if (name === 'webgl' && typeof OffscreenCanvas !== 'undefined') {
      const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
      if (!gl) return undefined;
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      const r: unknown = gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      return typeof r === 'string' && r !== '' ? r : undefined;
    }
  } catch {
    /* unknown: start the backend and see */
  }
  return undefined;
}

/** Hooks the GPU's loss/error signals. */
function watchGpu(name: BackendName, gen: number): void {
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
  }
  if (name === 'webgl' && b instanceof MathBackendWebGL) {
    const canvas = b.gpgpu.gl.canvas;
    canvas.addEventListener('webglcontextlost', () => reportFailure(gen, 'WebGL context lost'));
  }
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
