/**
 * Scalar constants (and small index lists) on WebGPU, made once. Every JS number an op is given (`tf.mul(x, 0.1)`,
 * and the many in TF.js's own gradients) becomes a one-value tensor that TF.js uploads through
 * its own staging buffer each time it is used. Here the first upload of each value makes a
 * GPU buffer that later one-value tensors with the same bytes share, marked as
 * external so that TF.js never returns it to its pool.
 *
 * Nothing may write into a shared buffer: the only in-place writer (webgpu_adam.ts) gives a
 * tensor its own copy first (ownBuffer). Only for tfjs-backend-webgpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerOnFlag } from './webgpu_program';

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
registerOnFlag(FLAG);

const installed = new WeakSet<object>();
const shared = new WeakSet<object>();

/** Longest 1-D int32 tensor shared: index lists (a nearest-neighbour resize's gathers), not data. */
const MAX_SHARED_INDICES = 2048;

/**
 * The cache key of a host tensor that may share a constant buffer, by its bytes (an int32 and
 * a float32 with the same bytes can share one), or undefined for one that may not.
 */
function constantKey(dtype: string, shape: number[], values: ArrayLike<number>): string | undefined {
  if (values.length === 1 && (dtype === 'float32' || dtype === 'int32')) {
    const bits = dtype === 'int32' ? Int32Array.of(values[0]) : Float32Array.of(values[0]);
    return String(new Uint32Array(bits.buffer)[0]);
  }
  if (dtype === 'int32' && shape.length === 1 && values.length <= MAX_SHARED_INDICES) return `i${Array.prototype.join.call(values, ',')}`;
  return undefined;
}

/** Makes one-value tensors and index lists share constant buffers on the active webgpu backend (idempotent). */
export function installScalarConstants(): void {
  if (tf.getBackend() !== 'webgpu' || !tf.env().getBool(FLAG)) return;
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  if (installed.has(backend)) return;
  installed.add(backend);
  const upload = backend.uploadToGPU;
  const buffers = new Map<string, GPUBuffer>();
  backend.uploadToGPU = function (this: WebGPUBackendLike, dataId: object) {
    const rec = this.tensorMap.get(dataId);
    const key = rec && rec.resource == null && rec.values != null ? constantKey(rec.dtype, rec.shape, rec.values) : undefined;
    if (key !== undefined) {
      let buffer = buffers.get(key);
      if (!buffer && buffers.size < MAX_CONSTANTS) {
        const bytes = rec!.dtype === 'int32' ? Int32Array.from(rec!.values!) : Float32Array.from(rec!.values!);
        // WebGPU sizes a mapped buffer in multiples of 4 bytes, which 32-bit values always are.
        buffer = this.device.createBuffer({
          size: bytes.byteLength,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
          mappedAtCreation: true,
        });
        new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes.buffer));
        buffer.unmap();
        buffers.set(key, buffer);
        shared.add(buffer);
      }
      if (buffer) {
        rec!.resource = buffer;
        rec!.external = true;
        rec!.values = null;
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
