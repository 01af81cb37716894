/**
 * Train-mode batch or instance normalization on WebGPU, optionally followed by SPADE's
 * modulation and a LeakyReLU(0.2), as one op with its own gradient:
 *
 *   z = xhat * (1 + gamma) + beta,   xhat = (x - mean) / sqrt(variance + eps),   y = act(z)
 *
 * with the batch statistics (over N, H, W; per sample over H, W for instance norm). Composed from
 * TF.js ops, the forward is about a dozen elementwise kernels and the backward twice that, the
 * statistics' gradients included. Here the forward is one moments reduction
 * (webgpu_moments.ts) and one elementwise pass; the backward is one per-channel reduction of
 * sum(dxhat) and sum(dxhat * xhat), one pass for dx, and one each for dgamma and dbeta:
 *
 *   dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(variance + eps)
 *
 * Also here: BatchNorm's running statistics, each updated in one dispatch.
 *
 * Only for tfjs-backend-webgpu (registered on first use); every other backend keeps the
 * composed ops (norms.ts, spade.ts), so wasm/cpu results do not change. SPADE_WEBGPU_NORM_TRAIN=0
 * turns it off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { offTape } from './ops';
import { canComputeMomentsOnWebGPU, packedMomentsDetached } from './webgpu_moments';
import { runProgram, viewAs, webgpuKernels } from './webgpu_program';

const FLAG = 'SPADE_WEBGPU_NORM_TRAIN';
const APPLY = 'SpadeNormApply';
const GRAD_SUMS = 'SpadeNormGradSums';
const GRAD_X = 'SpadeNormGradInput';
const GRAD_MOD = 'SpadeNormGradModulation';
const RUNNING = 'SpadeRunningStat';
export const LEAKY_SLOPE = 0.2;
const THREADS = 64;

interface Variant {
  modulated: boolean;
  leaky: boolean;
}

const key = (v: Variant) => `${v.modulated ? 'm' : ''}${v.leaky ? 'l' : ''}`;

const UNIFORMS = 'channels : i32, groupSize : i32, count : i32, stats : i32, eps : f32, slope : f32,';

/**
 * WGSL: stat(i), the statistics' index of element i, and terms(i) = (xhat, g, dxhat), where g is
 * dy through the activation and dxhat the gradient reaching xhat.
 */
function helpers(v: Variant, withGrad: boolean): string {
  const z = v.modulated ? 'xhat * (gamma[i] + 1.0) + beta[i]' : 'xhat';
  return `
      fn stat(i : i32) -> i32 {
        return (i / uniforms.groupSize) * uniforms.channels + i % uniforms.channels;
      }
      fn xhatAt(i : i32) -> f32 {
        let s = stat(i);
        return (x[i] - moments[s]) * inverseSqrt(moments[uniforms.stats + s] + uniforms.eps);
      }
      ${
        withGrad
          ? `fn terms(i : i32) -> vec3<f32> {
        let xhat = xhatAt(i);
        var g = dy[i];
        ${v.leaky ? `let z = ${z}; g = select(g * uniforms.slope, g, z > 0.0);` : ''}
        return vec3<f32>(xhat, g, ${v.modulated ? 'g * (gamma[i] + 1.0)' : 'g'});
      }`
          : ''
      }`;
}

abstract class NormProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  readonly uniforms = UNIFORMS;
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  workgroupSize: [number, number, number] = [128, 1, 1];
  outputShape: number[];
  dispatch: [number, number, number];
  abstract shaderKey: string;

  constructor(
    readonly v: Variant,
    n: number,
  ) {
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / this.workgroupSize[0]), 1, 1];
  }

  /** The gradient needs beta only to find where the LeakyReLU was negative (WebGPU binds only what a shader reads). */
  protected inputs(grad: boolean): string[] {
    const mod = this.v.modulated ? ['gamma', ...(!grad || this.v.leaky ? ['beta'] : [])] : [];
    return [...(grad ? ['dy'] : []), 'x', 'moments', ...mod];
  }

  abstract getUserCode(): string;
}

/** The forward: act(xhat * (1 + gamma) + beta), one thread per value. */
class NormApplyProgram extends NormProgram {
  readonly variableNames = this.inputs(false);
  shaderKey = `spadeNormApply_${key(this.v)}`;

  getUserCode(): string {
    const z = this.v.modulated ? 'xhat * (gamma[index] + 1.0) + beta[index]' : 'xhat';
    return `${helpers(this.v, false)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let xhat = xhatAt(index);
          var y = ${z};
          ${this.v.leaky ? 'y = select(y, y * uniforms.slope, y < 0.0);' : ''}
          setOutputAtIndex(index, y);
        }
      }`;
  }
}

/**
 * sum(dxhat) and sum(dxhat * xhat) per statistic (group, channel): one workgroup each, reading
 * its channel with a stride. Output: the first sums, then the second ones.
 */
class NormGradSumsProgram extends NormProgram {
  readonly variableNames = this.inputs(true);
  shaderKey = `spadeNormGradSums_${key(this.v)}`;

  constructor(v: Variant, stats: number) {
    super(v, 2 * stats);
    this.workgroupSize = [THREADS, 1, 1];
    this.dispatch = [stats, 1, 1];
  }

  getUserCode(): string {
    return `${helpers(this.v, true)}
      var<workgroup> pa : array<f32, ${THREADS}>;
      var<workgroup> pb : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let out = i32(workgroupId.x);
        let lid = i32(localId.x);
        let g = out / uniforms.channels;
        let base = g * uniforms.groupSize + out % uniforms.channels;
        var a = 0.0;
        var b = 0.0;
        for (var m = lid; m < uniforms.count; m = m + ${THREADS}) {
          let t = terms(base + m * uniforms.channels);
          a = a + t.z;
          b = b + t.z * t.x;
        }
        pa[lid] = a;
        pb[lid] = b;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (lid < stride) {
            pa[lid] = pa[lid] + pa[lid + stride];
            pb[lid] = pb[lid] + pb[lid + stride];
          }
          workgroupBarrier();
        }
        if (lid == 0) {
          result[out] = pa[0];
          result[uniforms.stats + out] = pb[0];
        }
      }`;
  }
}

/** dx from the sums, one thread per value. */
class NormGradInputProgram extends NormProgram {
  readonly variableNames = [...this.inputs(true), 'sums'];
  shaderKey = `spadeNormGradInput_${key(this.v)}`;

  getUserCode(): string {
    return `${helpers(this.v, true)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let t = terms(index);
          let s = stat(index);
          let n = f32(uniforms.count);
          let r = inverseSqrt(moments[uniforms.stats + s] + uniforms.eps);
          setOutputAtIndex(index, r * (t.z - sums[s] / n - t.x * (sums[uniforms.stats + s] / n)));
        }
      }`;
  }
}

/** dgamma = g * xhat (or dbeta = g), one thread per value. */
class NormGradModulationProgram extends NormProgram {
  readonly variableNames = this.inputs(true);
  shaderKey: string;

  constructor(
    v: Variant,
    n: number,
    readonly which: 'gamma' | 'beta',
  ) {
    super(v, n);
    this.shaderKey = `spadeNormGradMod_${key(v)}_${which}`;
  }

  getUserCode(): string {
    return `${helpers(this.v, true)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let t = terms(index);
          setOutputAtIndex(index, ${this.which === 'gamma' ? 't.y * t.x' : 't.y'});
        }
      }`;
  }
}

/** running * (1 - momentum) + stat[offset + i] * scale * momentum, one thread per channel. */
class RunningStatProgram implements WebGPUProgram {
  readonly variableNames = ['running', 'stat'];
  readonly uniforms = 'keep : f32, momentum : f32, scale : f32, offset : i32,';
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly workgroupSize: [number, number, number] = [64, 1, 1];
  readonly outputShape: number[];
  dispatch: [number, number, number];
  shaderKey = 'spadeRunningStat';

  constructor(n: number) {
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / 64), 1, 1];
  }

  getUserCode(): string {
    // The products and the sum in the order norms.ts's ops round them.
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = stat[uniforms.offset + index];
          setOutputAtIndex(index, running[index] * uniforms.keep + (v * uniforms.scale) * uniforms.momentum);
        }
      }`;
  }
}

interface NormAttrs {
  modulated: boolean;
  leaky: boolean;
  channels: number;
  groupSize: number;
  count: number;
  stats: number;
  eps: number;
  which?: 'gamma' | 'beta';
}

function uniformsOf(a: NormAttrs) {
  return [
    { type: 'int32' as const, data: [a.channels] },
    { type: 'int32' as const, data: [a.groupSize] },
    { type: 'int32' as const, data: [a.count] },
    { type: 'int32' as const, data: [a.stats] },
    { type: 'float32' as const, data: [a.eps] },
    { type: 'float32' as const, data: [LEAKY_SLOPE] },
  ];
}

/** `xShaped`: the program is elementwise over x, and its output comes out in x's shape. */
function normKernel(make: (a: NormAttrs, x: TensorInfo) => NormProgram, xShaped: boolean): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as NormAttrs;
    const ins = inputs as Record<string, TensorInfo>;
    const program = make(a, ins.x);
    const out = runProgram(backend, 'train-mode norm', program, program.variableNames.map((n) => ins[n]), uniformsOf(a));
    return xShaped ? viewAs(out, ins.x.shape) : out;
  };
}

const sizeOf = (t: TensorInfo) => t.shape.reduce((p, q) => p * q, 1);

const canRunKernels = webgpuKernels(FLAG, {
  [APPLY]: normKernel((a, x) => new NormApplyProgram(a, sizeOf(x)), true),
  [GRAD_SUMS]: normKernel((a) => new NormGradSumsProgram(a, a.stats), false),
  [GRAD_X]: normKernel((a, x) => new NormGradInputProgram(a, sizeOf(x)), true),
  [GRAD_MOD]: normKernel((a, x) => new NormGradModulationProgram(a, sizeOf(x), a.which!), true),
  [RUNNING]: ({ inputs, backend, attrs }) => {
    const { running, stat } = inputs as Record<string, TensorInfo>;
    const { momentum, scale, offset } = attrs as { momentum: number; scale: number; offset: number };
    const uniforms = [
      { type: 'float32' as const, data: [1 - momentum] },
      { type: 'float32' as const, data: [momentum] },
      { type: 'float32' as const, data: [scale] },
      { type: 'int32' as const, data: [offset] },
    ];
    return runProgram(backend, RUNNING, new RunningStatProgram(sizeOf(running)), [running, stat], uniforms);
  },
});

/** Whether normTrain and runningStat run here (registering their kernels on first use). */
export function canNormTrainOnWebGPU(): boolean {
  return canComputeMomentsOnWebGPU() && canRunKernels();
}

export interface NormTrainResult {
  y: tf.Tensor4D;
  /**
   * The batch statistics, off the gradient tape, flat: every mean, then every variance ((C) each
   * for batch norm, (N * C) per sample). runningStat reads them as they are.
   */
  moments: tf.Tensor;
}

/**
 * act(norm(x) * (1 + gamma) + beta) with batch statistics (perSample: instance norm's).
 * gamma and beta: x's shape, or both absent (plain normalization). Call only when
 * canNormTrainOnWebGPU() is true.
 */
export function normTrain(
  x: tf.Tensor4D,
  opts: { perSample: boolean; eps: number; leaky: boolean; gamma?: tf.Tensor4D; beta?: tf.Tensor4D },
): NormTrainResult {
  const [n, h, w, c] = x.shape;
  const { gamma, beta } = opts;
  const modulated = gamma !== undefined;
  if (modulated !== (beta !== undefined)) throw new Error('internal: normTrain takes gamma and beta together');
  for (const t of modulated ? [gamma, beta] : []) {
    if (!tf.util.arraysEqual(t!.shape, x.shape)) throw new Error(`internal: normTrain: modulation ${t!.shape} for x ${x.shape}`);
  }
  const groups = opts.perSample ? n : 1;
  const count = opts.perSample ? h * w : n * h * w;
  const attrs = {
    modulated,
    leaky: opts.leaky,
    channels: c,
    groupSize: count * c,
    count,
    stats: groups * c,
    eps: opts.eps,
  } satisfies NormAttrs as unknown as tf.NamedAttrMap;
  const moments = packedMomentsDetached(x, opts.perSample);
  const run = (kernel: string, ins: tf.NamedTensorMap, extra: tf.NamedAttrMap = {}) =>
    tf.engine().runKernel(kernel, ins, { ...attrs, ...extra }) as tf.Tensor;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, g, b] = args as tf.Tensor[];
    const mod: tf.NamedTensorMap = modulated ? { gamma: g, beta: b } : {};
    save([xi, moments, ...(modulated ? [g, b] : [])]);
    return {
      value: run(APPLY, { x: xi, moments, ...mod }),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sm, sg, sb] = saved;
        const ins: tf.NamedTensorMap = { dy: dy as tf.Tensor, x: sx, moments: sm };
        if (modulated) Object.assign(ins, { gamma: sg, beta: sb });
        const sums = run(GRAD_SUMS, ins);
        const dx = run(GRAD_X, { ...ins, sums });
        if (!modulated) return dx;
        const dgamma = run(GRAD_MOD, ins, { which: 'gamma' });
        const dbeta = opts.leaky ? run(GRAD_MOD, ins, { which: 'beta' }) : tf.clone(dy as tf.Tensor);
        return [dx, dgamma, dbeta];
      },
    };
  });
  const y = (modulated ? op(x, gamma!, beta!) : op(x)) as tf.Tensor4D;
  return { y, moments };
}

/**
 * BatchNorm's running mean (`which` 0) or variance (1) from normTrain's moments: running *
 * (1 - momentum) + stat * scale * momentum, in one dispatch. Call only when
 * canNormTrainOnWebGPU() is true.
 */
export function runningStat(running: tf.Tensor, moments: tf.Tensor, which: 0 | 1, momentum: number, scale = 1): tf.Tensor {
  if (moments.size !== 2 * running.size) throw new Error(`internal: moments of size ${moments.size} for a running statistic of ${running.size}`);
  const inputs = { running, stat: moments };
  return offTape(() => tf.engine().runKernel(RUNNING, inputs, { momentum, scale, offset: which * running.size }) as tf.Tensor);
}
