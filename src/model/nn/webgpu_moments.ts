/**
 * Per-channel mean and (biased) variance of an NHWC tensor on WebGPU, over N, H and W (batch
 * norm) or over H and W per sample (instance norm), without the transposes TF.js makes to bring
 * reduced axes last: one workgroup per output value reads its channel with a stride. Two
 * dispatches forward (mean, then the mean of squared deviations, as tf.moments computes them)
 * and a few elementwise ones backward (tf.customGrad), where tf.moments costs many more.
 *
 * Only for tfjs-backend-webgpu (registered on first use); other backends keep tf.moments
 * (norms.ts), so wasm/cpu results do not change.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { offTape } from './ops';
import { runProgram, webgpuKernels, workgroupSum } from './webgpu_program';

const MEAN_KERNEL = 'SpadeChannelMean';
const VAR_KERNEL = 'SpadeChannelVariance';
const MOMENTS_KERNEL = 'SpadeChannelMoments';
const FLAG = 'SPADE_WEBGPU_MOMENTS';
const THREADS = 64;

/**
 * WGSL: the statistic this workgroup computes (\`out\`: group g, channel c) and \`base\`, the
 * index of its channel's first value in x viewed as (groups, count, channels).
 */
const CHANNEL_OF_WORKGROUP = `let out = i32(workgroupId.x);
        let lid = i32(localId.x);
        let g = out / uniforms.channels;
        let c = out % uniforms.channels;
        let base = g * uniforms.count * uniforms.channels + c;`;

/** WGSL terms for channelLoop: a value, or its squared deviation from \`mu\`. */
const VALUE = 's = s + x[base + m * uniforms.channels];';
const SQUARED_DEVIATION = 'let d = x[base + m * uniforms.channels] - mu; s = s + d * d;';

/** WGSL: this thread's share of the channel's values, \`term\` adding each to \`s\`. */
function channelLoop(term: string): string {
  return `for (var m = lid; m < uniforms.count; m = m + ${THREADS}) {
          ${term}
        }`;
}

/** x viewed as (groups, count, channels); the output is (groups, channels), one workgroup each. */
export class ChannelReduceProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly uniforms = 'count : i32, channels : i32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  shaderKey: string;

  /** `sum`: the sum instead of the mean; `shape`: the output's, of groups * channels values. */
  constructor(
    readonly squaredDeviation: boolean,
    groups: number,
    channels: number,
    readonly sum = false,
    shape = [groups * channels],
  ) {
    this.variableNames = squaredDeviation ? ['x', 'mean'] : ['x'];
    this.outputShape = shape;
    this.dispatch = [groups * channels, 1, 1];
    this.shaderKey = `spadeChannelReduce_${squaredDeviation}_${sum}`;
  }

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        ${CHANNEL_OF_WORKGROUP}
        ${this.squaredDeviation ? 'let mu = mean[out];' : ''}
        var s = 0.0;
        ${channelLoop(this.squaredDeviation ? SQUARED_DEVIATION : VALUE)}
        ${workgroupSum(THREADS)}
        if (lid == 0) {
          result[out] = ${this.sum ? 'partial[0]' : 'partial[0] / f32(uniforms.count)'};
        }
      }`;
  }
}

/**
 * Mean and variance in one dispatch: each workgroup makes both passes over its channel. The
 * output is every mean, then every variance; the same arithmetic as the two programs above.
 */
class ChannelMomentsProgram implements WebGPUProgram {
  readonly variableNames = ['x'];
  readonly uniforms = 'count : i32, channels : i32, stats : i32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  shaderKey = 'spadeChannelMoments';

  constructor(stats: number) {
    this.outputShape = [2 * stats];
    this.dispatch = [stats, 1, 1];
  }

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        ${CHANNEL_OF_WORKGROUP}
        var s = 0.0;
        ${channelLoop(VALUE)}
        ${workgroupSum(THREADS)}
        let mu = partial[0] / f32(uniforms.count);
        workgroupBarrier();
        s = 0.0;
        ${channelLoop(SQUARED_DEVIATION)}
        ${workgroupSum(THREADS)}
        if (lid == 0) {
          result[out] = mu;
          result[uniforms.stats + out] = partial[0] / f32(uniforms.count);
        }
      }`;
  }
}

function reduceKernel(squaredDeviation: boolean): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { groups, count, channels } = attrs as { groups: number; count: number; channels: number };
    const ins = inputs as Record<string, TensorInfo>;
    const program = new ChannelReduceProgram(squaredDeviation, groups, channels);
    const uniforms = [{ type: 'int32' as const, data: [count] }, { type: 'int32' as const, data: [channels] }];
    return runProgram(backend, 'channel moments', program, squaredDeviation ? [ins.x, ins.mean] : [ins.x], uniforms);
  };
}

/** Whether channelMoments runs here (registering its kernels on first use). */
export const canComputeMomentsOnWebGPU = webgpuKernels(FLAG, {
  [MEAN_KERNEL]: reduceKernel(false),
  [VAR_KERNEL]: reduceKernel(true),
  [MOMENTS_KERNEL]: (({ inputs, backend, attrs }) => {
    const { groups, count, channels } = attrs as { groups: number; count: number; channels: number };
    const uniforms = [count, channels, groups * channels].map((v) => ({ type: 'int32' as const, data: [v] }));
    return runProgram(backend, 'channel moments', new ChannelMomentsProgram(groups * channels), [(inputs as { x: TensorInfo }).x], uniforms);
  }) as KernelFunc,
});

/**
 * tf.moments(x, [0, 1, 2]) (perSample false: shapes (C)) or tf.moments(x, [1, 2], true)
 * (perSample true: shapes (N, 1, 1, C)). Call only when canComputeMomentsOnWebGPU() is true.
 */
export function channelMoments(x: tf.Tensor4D, perSample: boolean): { mean: tf.Tensor; variance: tf.Tensor } {
  const [n, h, w, c] = x.shape;
  const groups = perSample ? n : 1;
  const count = perSample ? h * w : n * h * w;
  const statShape = perSample ? [n, 1, 1, c] : [c];
  const attrs: tf.NamedAttrMap = { groups, count, channels: c };
  // Two single-output customGrads (TF.js allows no more): the mean's gradient is dy / count; the
  // variance's, 2 (x - mean) dy / count for x and zero for the mean (deviations sum to zero).
  const meanOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    const value = tf.reshape(tf.engine().runKernel(MEAN_KERNEL, { x: input }, attrs) as tf.Tensor, statShape);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.broadcastTo(tf.div(dy as tf.Tensor, count), input.shape) };
  });
  const varOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, mu] = args as tf.Tensor[];
    const flatMean = tf.reshape(mu, [groups * c]);
    const value = tf.reshape(tf.engine().runKernel(VAR_KERNEL, { x: input, mean: flatMean }, attrs) as tf.Tensor, statShape);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [
        tf.mul(tf.sub(input, mu), tf.mul(dy as tf.Tensor, 2 / count)),
        tf.zerosLike(mu),
      ],
    };
  });
  const mean = meanOp(x);
  return { mean, variance: varOp(x, mean) };
}

/**
 * The same statistics off the gradient tape in one dispatch, flat and packed: every mean (groups
 * * C, groups being N per sample or 1), then every variance. Call only when
 * canComputeMomentsOnWebGPU() is true.
 */
export function packedMomentsDetached(x: tf.Tensor4D, perSample: boolean): tf.Tensor {
  const [n, h, w, c] = x.shape;
  const attrs: tf.NamedAttrMap = { groups: perSample ? n : 1, count: perSample ? h * w : n * h * w, channels: c };
  return offTape(() => tf.engine().runKernel(MOMENTS_KERNEL, { x }, attrs) as tf.Tensor);
}
