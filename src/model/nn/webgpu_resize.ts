/**
 * A nearest-neighbour resize by given source rows and columns (PyTorch's legacy nearest indices,
 * ops.ts) in one WebGPU dispatch; TF.js's gathers take one per axis. It reads the index lists
 * rather than computing them, so it picks the same pixels as every other backend.
 *
 * No gradient: it resizes the label map, an input. Only for tfjs-backend-webgpu (registered on
 * first use); other backends keep the gathers. SPADE_WEBGPU_RESIZE=0 turns it off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ElementwiseProgram, runProgram, webgpuKernels } from './webgpu_program';

const KERNEL = 'SpadeResizeByIndices';

class ResizeByIndicesProgram extends ElementwiseProgram {
  readonly variableNames = ['x', 'rows', 'cols'];
  readonly uniforms = 'inH : i32, inW : i32, outH : i32, outW : i32, channels : i32,';
  shaderKey = 'spadeResizeByIndices';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = index % uniforms.channels;
          let t = index / uniforms.channels;
          let ox = t % uniforms.outW;
          let t2 = t / uniforms.outW;
          let oy = t2 % uniforms.outH;
          let n = t2 / uniforms.outH;
          let src = ((n * uniforms.inH + rows[oy]) * uniforms.inW + cols[ox]) * uniforms.channels + c;
          setOutputAtIndex(index, x[src]);
        }
      }`;
  }
}

const kernelFunc: KernelFunc = ({ inputs, backend }) => {
  const { x, rows, cols } = inputs as Record<string, TensorInfo>;
  const [n, inH, inW, c] = x.shape;
  const [outH, outW] = [rows.shape[0], cols.shape[0]];
  const uniforms = [inH, inW, outH, outW, c].map((v) => ({ type: 'int32' as const, data: [v] }));
  return runProgram(backend, KERNEL, new ResizeByIndicesProgram([n, outH, outW, c]), [x, rows, cols], uniforms);
};

/** Whether resizeByIndices runs here (registering its kernel on first use). */
export const canResizeOnWebGPU = webgpuKernels('SPADE_WEBGPU_RESIZE', { [KERNEL]: kernelFunc });

/**
 * x (N, H, W, C) float32 at rows (h) and columns (w) of source indices: gather(gather(x, rows, 1),
 * cols, 2). Call only when canResizeOnWebGPU() is true.
 */
export function resizeByIndices(x: tf.Tensor4D, rows: tf.Tensor1D, cols: tf.Tensor1D): tf.Tensor4D {
  return tf.engine().runKernel(KERNEL, { x, rows, cols }) as tf.Tensor4D;
}
