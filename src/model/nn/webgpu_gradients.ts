/**
 * Gradients of Sum and Mean without an activation-sized `ones` tensor. TF.js 4.22 broadcasts
 * dy by multiplying it with `ones(x.shape)`, made on the host, which on WebGPU is an upload of
 * the whole input's size on every backward pass. Broadcasting dy itself gives the same values
 * bit for bit (dy * 1 is dy; Mean divides before broadcasting instead of after, the same
 * division of the same numbers), so only the GPU traffic changes. Registered when webgpu runs.
 *
 * Also, on WebGPU, one dispatch where TF.js's gradients take two or three, the same values:
 * ReLU, LeakyReLU and Abs (dy times x > 0 ? 1 : alpha; TF.js: step, cast, mul or greater, mul,
 * select), and Mean over every axis (dy / n written over x's shape; TF.js: div, then a tile).
 * SPADE_WEBGPU_GRADIENTS=0 turns these kernels off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { ElementwiseProgram, runProgram, webgpuKernels } from './webgpu_program';

let registered = false;

const STEP_GRAD = 'SpadeStepGrad';
const FILL_MEAN_GRAD = 'SpadeFillMeanGrad';

/** dy * (x > 0 ? 1 : alpha); with `nanThrough`, a NaN x gives NaN (TF.js's step does). */
class StepGradProgram extends ElementwiseProgram {
  readonly variableNames = ['dy', 'x'];
  readonly uniforms = 'alpha : f32,';
  shaderKey: string;

  constructor(
    shape: number[],
    readonly nanThrough: boolean,
  ) {
    super(shape);
    this.shaderKey = `spadeStepGrad_${nanThrough}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = x[index];
          var f = select(uniforms.alpha, 1.0, v > 0.0);
          ${this.nanThrough ? 'if (v != v) { f = v; }' : ''}
          setOutputAtIndex(index, dy[index] * f);
        }
      }`;
  }
}

/** dy[0] / n everywhere. */
class FillMeanGradProgram extends ElementwiseProgram {
  readonly variableNames = ['dy'];
  readonly uniforms = 'n : f32,';
  shaderKey = 'spadeFillMeanGrad';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, dy[0] / uniforms.n);
        }
      }`;
  }
}

const canRunKernels = webgpuKernels('SPADE_WEBGPU_GRADIENTS', {
  [STEP_GRAD]: (({ inputs, backend, attrs }) => {
    const { dy, x } = inputs as Record<string, TensorInfo>;
    const { alpha, nanThrough } = attrs as { alpha: number; nanThrough: boolean };
    return runProgram(backend, STEP_GRAD, new StepGradProgram(x.shape, nanThrough), [dy, x], [{ type: 'float32', data: [alpha] }]);
  }) as KernelFunc,
  [FILL_MEAN_GRAD]: (({ inputs, backend, attrs }) => {
    const { dy } = inputs as Record<string, TensorInfo>;
    const { shape, n } = attrs as { shape: number[]; n: number };
    return runProgram(backend, FILL_MEAN_GRAD, new FillMeanGradProgram(shape), [dy], [{ type: 'float32', data: [n] }]);
  }) as KernelFunc,
});

/** dy * (x > 0 ? 1 : alpha) in one dispatch where our kernels run, else as `composed` gives it. */
function stepGrad(dy: Tensor, x: Tensor, alpha: number, nanThrough: boolean, composed: () => Tensor): Tensor {
  if (x.dtype !== 'float32' || !canRunKernels()) return composed();
  return tf.engine().runKernel(STEP_GRAD, { dy, x }, { alpha, nanThrough }) as Tensor;
}

function expanded(dy: Tensor, x: Tensor, attrs: NamedAttrMap): Tensor {
  const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/** Registers the Sum and Mean gradients above (once per process) while webgpu is the backend. */
export function registerWebGPUGradients(): void {
  if (registered || tf.getBackend() !== 'webgpu') return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => tf.broadcastTo(expanded(dy as Tensor, x, attrs), x.shape) };
    },
  });
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const e = expanded(dy as Tensor, x, attrs);
      const reduceSize = x.size / e.size;
      if (e.size === 1 && canRunKernels()) {
        return { x: () => tf.engine().runKernel(FILL_MEAN_GRAD, { dy: e }, { shape: x.shape, n: reduceSize }) as Tensor };
      }
      return { x: () => tf.broadcastTo(tf.div(e, reduceSize), x.shape) };
    },
  });
  // TF.js's own formulas (tfjs-core/src/gradients) where our kernel does not run.
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as Tensor;
      return { x: () => stepGrad(d, x, 0, true, () => tf.mul(d, tf.cast(tf.step(x), 'float32'))) };
    },
  });
  tf.registerGradient({
    kernelName: tf.LeakyRelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as Tensor;
      const { alpha } = attrs as { alpha: number };
      return { x: () => stepGrad(d, x, alpha, false, () => tf.where(tf.greater(x, 0), d, tf.mul(d, alpha))) };
    },
  });
  tf.registerGradient({
    kernelName: tf.Abs,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as Tensor;
      return { x: () => stepGrad(d, x, -1, true, () => tf.mul(d, tf.step(tf.cast(x, 'float32'), -1))) };
    },
  });
}
