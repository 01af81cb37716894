/**
 * mean(|a - target|) with the target a constant (feature matching's real features, detached),
 * as one op on WebGPU: one dispatch forward (a single workgroup sums) and one backward,
 * dy / n * (a - target > 0 ? 1 : -1). Composed from TF.js ops it is sub, abs and mean forward and
 * the Mean and Abs gradients back. Only for tfjs-backend-webgpu (registered on first use);
 * other backends keep the composed ops (losses.ts). SPADE_WEBGPU_L1=0 turns it off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { ElementwiseProgram, runProgram, webgpuKernels, workgroupSum } from './webgpu_program';

const MEAN = 'SpadeL1Mean';
const GRAD = 'SpadeL1MeanGrad';
const THREADS = 256;

class L1MeanProgram implements WebGPUProgram {
  readonly variableNames = ['a', 'other'];
  readonly uniforms = 'n : i32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly outputShape: number[] = [];
  dispatch: [number, number, number] = [1, 1, 1];
  shaderKey = 'spadeL1Mean';

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        var s = 0.0;
        for (var k = lid; k < uniforms.n; k = k + ${THREADS}) {
          s = s + abs(a[k] - other[k]);
        }
        ${workgroupSum(THREADS)}
        if (lid == 0) {
          result[0] = partial[0] / f32(uniforms.n);
        }
      }`;
  }
}

class L1MeanGradProgram extends ElementwiseProgram {
  readonly variableNames = ['dy', 'a', 'other'];
  readonly uniforms = 'n : f32,';
  shaderKey = 'spadeL1MeanGrad';

  getUserCode(): string {
    // TF.js's order: dy / n first (Mean's gradient), then times step(d, -1) (Abs's), NaN kept.
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let d = a[index] - other[index];
          var s = select(-1.0, 1.0, d > 0.0);
          if (d != d) { s = d; }
          setOutputAtIndex(index, (dy[0] / uniforms.n) * s);
        }
      }`;
  }
}

const canRunKernels = webgpuKernels('SPADE_WEBGPU_L1', {
  [MEAN]: (({ inputs, backend }) => {
    const { a, target } = inputs as Record<string, TensorInfo>;
    return runProgram(backend, MEAN, new L1MeanProgram(), [a, target], [{ type: 'int32', data: [tf.util.sizeFromShape(a.shape)] }]);
  }) as KernelFunc,
  [GRAD]: (({ inputs, backend }) => {
    const { dy, a, target } = inputs as Record<string, TensorInfo>;
    const n = tf.util.sizeFromShape(a.shape);
    return runProgram(backend, GRAD, new L1MeanGradProgram(a.shape), [dy, a, target], [{ type: 'float32', data: [n] }]);
  }) as KernelFunc,
});

/** Whether l1MeanToConstant runs here (registering its kernels on first use). */
export const canL1MeanOnWebGPU = canRunKernels;

/**
 * mean(|a - target|), a scalar; the target gets no gradient. Call only when canL1MeanOnWebGPU()
 * is true.
 */
export function l1MeanToConstant(a: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(a.shape, target.shape)) throw new Error(`internal: L1 of ${a.shape} against ${target.shape}`);
  if (a.dtype !== 'float32' || target.dtype !== 'float32') throw new Error('internal: L1 of non-float32 tensors');
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x, target]);
    return {
      value: tf.engine().runKernel(MEAN, { a: x, target }) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.engine().runKernel(GRAD, { dy: dy as tf.Tensor, a: saved[0], target: saved[1] }) as tf.Tensor,
    };
  });
  return op(a) as tf.Scalar;
}
