/**
 * GatherV2 as block copies between views of the wasm heap. wasm 4.22's C++ Gather walks
 * element by element (about 75 ns per element: 22 ms to pick 64 of 128 rows of a 128²×36
 * one-hot map). SPADE resizes its segmentation map with two gathers in every SPADE layer
 * (resizeNearest, exact on every backend), where each gathered slice is a whole contiguous
 * row or pixel, so one TypedArray.set per slice (per run of consecutive indices) does the same work.
 *
 * Only the plain case is handled here (batchDims 0, float32 or int32); anything else goes to
 * wasm's own kernel.
 */
import { backend_util, util, type GatherV2Attrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './kernel_scope';

/** null when the case is not the plain one; the caller then runs wasm's kernel. */
export function gatherBlocks(backend: HeapBackend, x: TensorInfo, indices: TensorInfo, attrs: GatherV2Attrs): TensorInfo | null {
  if ((attrs.batchDims ?? 0) !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') return null;
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  const dim = x.shape[axis];
  const given = backend.typedArrayFromHeap(indices);
  for (let i = 0; i < given.length; i++) {
    // The same check and message as wasm's kernel.
    util.assert(given[i] <= dim - 1 && given[i] >= 0, () => `GatherV2: the index value ${given[i]} is not in [0, ${dim - 1}]`);
  }
  const info = backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, 0);
  const { outerSize, dimSize, sliceSize } = info;
  const out = backend.makeOutput(info.outputShape, x.dtype);
  // Views only after the allocation: it can grow the wasm memory, which detaches older views.
  const idx = backend.typedArrayFromHeap(indices);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  let o = 0;
  for (let outer = 0; outer < outerSize; outer++) {
    const base = outer * dimSize;
    for (let k = 0; k < idx.length; ) {
      // Consecutive indices are one contiguous block: the live renderer's crops and pastes
      // (src/model/live) gather whole rows of pixels, one slice per pixel.
      let run = 1;
      while (k + run < idx.length && idx[k + run] === idx[k] + run) run++;
      const from = (base + idx[k]) * sliceSize;
      const len = run * sliceSize;
      if (len === 1) dst[o] = src[from];
      else dst.set(src.subarray(from, from + len) as Float32Array & Int32Array, o);
      o += len;
      k += run;
    }
  }
  return out;
}
