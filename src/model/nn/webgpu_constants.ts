/**
 * Scalar constants on WebGPU, made once. Every JS number an op is given (`tf.mul(x, 0.1)`,
 * and the many in TF.js's own gradients) becomes a one-value tensor that TF.js uploads through
 * its own staging buffer each time it is used. Here the first upload of each value makes a
 * GPU buffer that later one-value tensors with the same bytes share, marked as
 * external so that TF.js never returns it to its pool.
 *
 * Nothing may write into a shared buffer: the only in-place writer (webgpu_adam.ts) gives a
 * tensor its own copy first (ownBuffer). Only for tfjs-backend-webgpu.
 */
import * as tf from '@tensorflow/tfjs-core';

interface TensorRecord {
  values: ArrayLike<number> | null;
  resource: unknown;
  dtype: string;
  shape: number[];
  external?: boolean;
}

interface WebGPUBackendLike {
  device: GPUDevice;
  tensorMap: { get(id: object): TensorRecord | undefined };
  uploadToGPU(dataId: object): void;
  copyBuffer(buffer: GPUBuffer): GPUBuffer;
}

/** Distinct values kept at most; past it, one-value tensors upload as TF.js does. */
const MAX_CONSTANTS = 4096;

const FLAG = 'SPADE_WEBGPU_SCALAR_CACHE';
tf.env().registerFlag(FLAG, () => (typeof process !== 'undefined' ? process.env?.[FLAG] !== '0' : true));

const installed = new WeakSet<object>();
const shared = new WeakSet<object>();

/** Makes one-value tensors share constant buffers on the active webgpu backend (idempotent). */
export function installScalarConstants(): void {
  if (tf.getBackend() !== 'webgpu' || !tf.env().getBool(FLAG)) return;
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  if (installed.has(backend)) return;
  installed.add(backend);
  const upload = backend.uploadToGPU;
  const buffers = new Map<number, GPUBuffer>();
  backend.uploadToGPU = function (this: WebGPUBackendLike, dataId: object) {
    const rec = this.tensorMap.get(dataId);
    if (rec && rec.resource == null && rec.values != null && rec.values.length === 1 && (rec.dtype === 'float32' || rec.dtype === 'int32')) {
      const bits = rec.dtype === 'int32' ? Int32Array.of(rec.values[0]) : Float32Array.of(rec.values[0]);
      // Keyed by the bytes: an int32 and a float32 with the same bytes can share a buffer.
      const key = new Uint32Array(bits.buffer)[0];
      let buffer = buffers.get(key);
      if (!buffer && buffers.size < MAX_CONSTANTS) {
        buffer = this.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
        new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bits.buffer));
        buffer.unmap();
        buffers.set(key, buffer);
        shared.add(buffer);
      }
      if (buffer) {
        rec.resource = buffer;
        rec.external = true;
        rec.values = null;
        return;
      }
    }
    upload.call(this, dataId);
  };
}

/**
 * Before writing into a tensor's buffer in place: if it is a shared constant, the tensor gets a
 * copy of its own, from TF.js's pool.
 */
export function ownBuffer(dataId: object): void {
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const rec = backend.tensorMap.get(dataId);
  if (!rec || !rec.resource || !shared.has(rec.resource as object)) return;
  rec.resource = backend.copyBuffer(rec.resource as GPUBuffer);
  rec.external = false;
}
