/**
 * Calls a backend's own registered kernels from inside another kernel, the way tfjs backends
 * compose kernels (not through tf ops, which would go back through the engine and its tape),
 * and frees every intermediate when the composite kernel is done.
 */
import {
  getKernel,
  type DataType,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type Pads = [number, number][];

/** What BackendWasm offers beyond KernelBackend: its tensors are views of the wasm heap. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function isHeapBackend(b: object): b is HeapBackend {
  return typeof (b as Partial<HeapBackend>).typedArrayFromHeap === 'function' && typeof (b as Partial<HeapBackend>).makeOutput === 'function';
}

export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const k = getKernel(kernelName, this.backendName);
    if (!k) throw new Error(`internal: no '${kernelName}' kernel for backend '${this.backendName}'`);
    const out = k.kernelFunc({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(out) ? out[0] : out;
    this.temps.push(info);
    return info;
  }

  /** A host array as a tensor on this backend. */
  fromHost(values: Float32Array, shape: number[], dtype: DataType = 'float32'): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.temps.push(info);
    return info;
  }

  read(t: TensorInfo): Float32Array {
    return this.backend.readSync(t.dataId) as Float32Array;
  }

  zeros(shape: number[]): TensorInfo {
    return this.run('Fill', {}, { shape, value: 0, dtype: 'float32' });
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  pad(x: TensorInfo, paddings: Pads): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  concat(xs: TensorInfo[], axis: number): TensorInfo {
    // The engine hands Concat its inputs as an array (kernels call inputs.map), so do the same.
    return this.run('Concat', xs as unknown as NamedTensorInfoMap, { axis });
  }

  /**
   * The contiguous run of x's elements from flat `offset`, as a new tensor of `shape`. On wasm
   * this copies straight between heap views; wasm's Slice kernel first copies its whole input
   * out of the heap (readSync), which cost more than the GEMMs it fed.
   */
  range(x: TensorInfo, offset: number, shape: number[]): TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const heap = this.backend;
    if (x.dtype !== 'float32' || !isHeapBackend(heap)) {
      return this.reshape(this.slice(this.reshape(x, [-1]), [offset], [size]), shape);
    }
    const out = heap.makeOutput(shape, 'float32');
    this.temps.push(out);
    // Views only after the allocation: it can grow the wasm memory, which detaches older views.
    (heap.typedArrayFromHeap(out) as Float32Array).set(
      heap.typedArrayFromHeap(x).subarray(offset, offset + size) as Float32Array,
    );
    return out;
  }

  /** Stride-1, dilation-1 NHWC conv2d with explicit [before, after] padding of H and W. */
  conv2d(x: TensorInfo, filter: TensorInfo, padH: [number, number], padW: [number, number]): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides: [1, 1], pad: [[0, 0], padH, padW, [0, 0]], dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: 'floor' },
    );
  }

  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** Frees every intermediate except `result`, which the caller hands to the engine. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== result) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    return result;
  }

  /** Frees everything (on an error path). */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}
