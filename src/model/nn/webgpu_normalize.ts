/**
 * x / max(||x||, eps) for a vector, in one WebGPU dispatch: one workgroup sums the squares in
 * shared memory and divides. Composed from TF.js ops (tf.norm, maximum, div) this is six
 * dispatches, and spectral norm's power iteration normalizes twice per layer per forward.
 *
 * Only for tfjs-backend-webgpu (registered on first use), and only detached: the result is off
 * the gradient tape, as spectral norm's u and v do (PyTorch computes them under no_grad). Every
 * other backend keeps the composed ops (spectral_norm.ts), so wasm/cpu results do not change.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { offTape } from './ops';
import { runProgram, viewAs, webgpuKernels, workgroupSum } from './webgpu_program';

export const KERNEL_NAME = 'SpadeL2NormalizeDetached';
const FLAG = 'SPADE_WEBGPU_NORMALIZE';
const THREADS = 256;

class L2NormalizeProgram implements WebGPUProgram {
  readonly variableNames = ['x'];
  readonly uniforms = 'eps : f32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  shaderKey = 'spadeL2Normalize';

  constructor(n: number) {
    this.outputShape = [n];
  }

  getUserCode(): string {
    // The halving loop's bounds are constants, so every barrier is reached by the whole group.
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        var s = 0.0;
        for (var k = lid; k < uniforms.size; k = k + ${THREADS}) {
          let a = x[k];
          s = s + a * a;
        }
        ${workgroupSum(THREADS)}
        let d = max(sqrt(partial[0]), uniforms.eps);
        for (var k = lid; k < uniforms.size; k = k + ${THREADS}) {
          setOutputAtIndex(k, x[k] / d);
        }
      }`;
  }
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  const n = x.shape.reduce((a, b) => a * b, 1);
  const eps = (attrs as { eps: number }).eps;
  const out = runProgram(backend, KERNEL_NAME, new L2NormalizeProgram(n), [viewAs(x, [n])], [{ type: 'float32', data: [eps] }]);
  return viewAs(out, x.shape);
};

/** Whether the fused, detached normalize runs here (registering it on first use). */
export const canNormalizeOnWebGPU = webgpuKernels(FLAG, { [KERNEL_NAME]: kernelFunc });

/** stopGradient(x / max(||x||, eps)) over all of x. Call only when canNormalizeOnWebGPU() is true. */
export function normalizeDetached(x: tf.Tensor, eps: number): tf.Tensor {
  // Off the tape: no node, and no zero gradient computed for it on the way back.
  return offTape(() => tf.engine().runKernel(KERNEL_NAME, { x }, { eps }) as tf.Tensor);
}
