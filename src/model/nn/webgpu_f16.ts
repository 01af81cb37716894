/**
 * WGSL's f16 type on tfjs-backend-webgpu. A shader may use f16 only after `enable f16;` at its
 * very top, and only on a device created with the `shader-f16` feature. TF.js writes the start of
 * every shader itself, so on such a device our shaders that carry F16_MARKER get the directive
 * put in front when the device compiles them (a wrapper on its createShaderModule).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Put in a program's WGSL to have `enable f16;` before it. */
export const F16_MARKER = '/* spade: enable f16 */';

interface ShaderDevice {
  features: { has(name: string): boolean };
  createShaderModule(descriptor: { code: string; label?: string }): unknown;
}

const wrapped = new WeakSet<object>();

function deviceOf(backend: object): ShaderDevice | undefined {
  return (backend as { device?: ShaderDevice }).device;
}

/**
 * Why f16 shaders cannot run on the current backend, or undefined where they can (and then
 * our marked shaders get `enable f16;`).
 */
export function f16Unavailable(): string | undefined {
  if (tf.getBackend() !== 'webgpu') return `the backend is ${tf.getBackend()}, not webgpu`;
  const device = deviceOf(tf.backend());
  if (!device || typeof device.createShaderModule !== 'function') return 'the webgpu backend exposes no device';
  if (!device.features.has('shader-f16')) {
    return "the WebGPU adapter has no 'shader-f16' feature (or the device was created without it)";
  }
  if (!wrapped.has(device)) {
    const create = device.createShaderModule.bind(device);
    device.createShaderModule = (descriptor) =>
      create(descriptor.code.includes(F16_MARKER) ? { ...descriptor, code: `enable f16;\n${descriptor.code}` } : descriptor);
    wrapped.add(device);
  }
  return undefined;
}
