/**
 * SPADE's eval-mode modulation in one pass on WebGPU:
 *
 *   out = act((x - mean) / sqrt(variance + eps) * (1 + gamma) + beta),   act = identity or LeakyReLU(0.2)
 *
 * Composed from TF.js ops this is six elementwise kernels (sub, mul, add, mul, add, leakyRelu),
 * each a dispatch and a full read and write of an activation-sized tensor; here it is one
 * dispatch that reads x, gamma and beta once and writes once. `mean` and `variance` are per
 * channel (BatchNorm's running statistics in eval, or one sample's instance statistics). The
 * kernel takes the variance, not 1/sqrt(variance + eps): TF.js computes that small op on the
 * CPU from the host copy of a running variance, which made a new tensor to upload every frame.
 *
 * Only for tfjs-backend-webgpu (the kernel is registered for it on first use); every other
 * backend keeps the composed ops, so wasm/cpu/webgl results do not change. The benchmark
 * (`spade bench forward`, README) compares the two with SPADE_FUSED_MODULATION=0.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { runProgram, webgpuKernels } from './webgpu_program';

export const KERNEL_NAME = 'SpadeModulate';
const FLAG = 'SPADE_FUSED_MODULATION';
export const LEAKY_SLOPE = 0.2;

/** One thread per 4 channels (vec4 loads) when the channel count allows it, else per value. */
class SpadeModulateProgram implements WebGPUProgram {
  readonly variableNames = ['x', 'mean', 'variance', 'gamma', 'beta'];
  readonly uniforms = 'channelGroups : i32, leaky : i32, slope : f32, eps : f32,';
  readonly workgroupSize: [number, number, number] = [128, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  readonly outputComponent: number;
  readonly variableComponents: number[];
  shaderKey: string;

  constructor(shape: number[], channels: number) {
    this.outputShape = shape;
    this.outputComponent = channels % 4 === 0 ? 4 : 1;
    this.variableComponents = this.variableNames.map(() => this.outputComponent);
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    const threads = Math.ceil(shape.reduce((a, b) => a * b, 1) / this.outputComponent);
    this.dispatch = [Math.ceil(threads / this.workgroupSize[0]), 1, 1];
    this.shaderKey = `spadeModulate_${this.outputComponent}`;
  }

  getUserCode(): string {
    const t = this.outputComponent === 4 ? 'vec4<f32>' : 'f32';
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = index % uniforms.channelGroups;
          let n = (x[index] - mean[c]) * (${t}(1.0) / sqrt(variance[c] + ${t}(uniforms.eps)));
          var y = n * (gamma[index] + ${t}(1.0)) + beta[index];
          if (uniforms.leaky != 0) {
            y = select(y, y * uniforms.slope, y < ${t}(0.0));
          }
          setOutputAtIndex(index, y);
        }
      }`;
  }
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, mean, variance, gamma, beta } = inputs as Record<string, TensorInfo>;
  const channels = x.shape[x.shape.length - 1];
  const program = new SpadeModulateProgram(x.shape, channels);
  const { leaky, eps } = attrs as { leaky?: boolean; eps: number };
  const uniforms = [
    { type: 'int32' as const, data: [channels / program.outputComponent] },
    { type: 'int32' as const, data: [leaky ? 1 : 0] },
    { type: 'float32' as const, data: [LEAKY_SLOPE] },
    { type: 'float32' as const, data: [eps] },
  ];
  return runProgram(backend, KERNEL_NAME, program, [x, mean, variance, gamma, beta], uniforms);
};

/** Whether the current backend can run the fused kernel (registering it on first use). */
export const canFuseModulation = webgpuKernels(FLAG, { [KERNEL_NAME]: kernelFunc });

/**
 * The fused modulation. x: (N, H, W, C); mean, variance: (C); gamma, beta: x's shape. Call only
 * when canFuseModulation() is true.
 */
export function fusedModulate(
  x: tf.Tensor4D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  eps: number,
  gamma: tf.Tensor4D,
  beta: tf.Tensor4D,
  leaky: boolean,
): tf.Tensor4D {
  const c = x.shape[3];
  if (mean.size !== c || variance.size !== c)
    throw new Error(`${KERNEL_NAME}: per-channel statistics of size ${c} expected, got ${mean.size} and ${variance.size}`);
  if (!tf.util.arraysEqual(gamma.shape, x.shape) || !tf.util.arraysEqual(beta.shape, x.shape)) {
    throw new Error(`${KERNEL_NAME}: gamma ${gamma.shape} and beta ${beta.shape} must match x ${x.shape}`);
  }
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = { x, mean: tf.reshape(mean, [c]), variance: tf.reshape(variance, [c]), gamma, beta };
    return tf.engine().runKernel(KERNEL_NAME, inputs, { leaky, eps }) as tf.Tensor4D;
  });
}
