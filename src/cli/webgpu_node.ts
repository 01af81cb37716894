/**
 * WebGPU in Node through Dawn (the `webgpu` npm package), registered as TF.js's `webgpu`
 * backend. Loaded lazily: the native module is large and absent on platforms it has no
 * binary for, and nothing else in the CLI needs it.
 *
 * Adapter choice: Dawn's default (Vulkan: an NVIDIA/AMD driver, or Mesa's lavapipe) first,
 * then OpenGL ES (Mesa llvmpipe works with stock Debian drivers) in WebGPU's compatibility
 * mode. SPADE_DAWN_FLAGS (comma-separated Dawn toggles, e.g. `backend=opengles`) forces one.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DawnAdapter {
  /** What the adapter says it is, for logs and benchmark rows. */
  description: string;
  flags: string[];
}

interface Attempt {
  flags: string[];
  options: GPURequestAdapterOptions & { featureLevel?: string };
}

function attempts(): Attempt[] {
  const forced = process.env.SPADE_DAWN_FLAGS;
  const gles: Attempt = { flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } };
  if (forced !== undefined) {
    const flags = forced.split(',').map((s) => s.trim()).filter(Boolean);
    return [{ flags, options: flags.includes('backend=opengles') ? gles.options : {} }];
  }
  return [{ flags: [], options: { powerPreference: 'high-performance' } }, gles];
}

let started: DawnAdapter | undefined;

/**
 * Finds an adapter and registers TF.js's `webgpu` backend on it. Throws an Error whose
 * message says what is missing (the native module, or any adapter).
 */
export async function registerDawnWebGPU(): Promise<DawnAdapter> {
  if (started) return started;
  let dawn: { create(flags: string[]): GPU; globals: object };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    throw new Error(`WebGPU for Node (the 'webgpu' package, Dawn) could not load on ${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}`);
  }
  // Dawn's GPU* classes (GPUBufferUsage, ...) must be globals before tfjs-backend-webgpu runs.
  Object.assign(globalThis, dawn.globals);
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';

  for (const attempt of attempts()) {
    const gpu = dawn.create(attempt.flags);
    const adapter = await gpu.requestAdapter(attempt.options as GPURequestAdapterOptions);
    if (!adapter) continue;
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', async () => {
      const limits = adapter.limits;
      const device = await adapter.requestDevice({
        // shader-f16: the opt-in half-precision conv (SPADE_WEBGPU_F16=1) needs the device to have it.
        requiredFeatures: (['timestamp-query', 'shader-f16'] as GPUFeatureName[]).filter((f) => adapter.features.has(f)),
        // TF.js needs the adapter's full limits (large buffers), not WebGPU's defaults.
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          // WebGPU's default is 8; TF.js kernels with many inputs (addN, concat) need more.
          maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        },
      });
      return new WebGPUBackend(device, adapter.info);
    });
    const info = adapter.info;
    const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    started = { description, flags: attempt.flags };
    return started;
  }
  throw new Error(
    'no WebGPU adapter found through Dawn: it needs a Vulkan driver (a GPU driver, or Mesa lavapipe >= 23) or ' +
      'OpenGL ES (Mesa llvmpipe). Use --backend wasm to run on the CPU.',
  );
}
