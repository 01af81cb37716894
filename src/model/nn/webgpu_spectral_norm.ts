/**
 * Spectral norm's train step on WebGPU (spectral_norm.ts: one power iteration, then
 * weight_orig / sigma with u and v constant to the gradient), in five dispatches forward and two
 * backward. The kernels read weight_orig in its TF layout and index it as PyTorch's (out, -1)
 * matrix, so nothing is transposed:
 *
 *   v = normalize(W^T u)   one workgroup per column, then the normalize (webgpu_normalize.ts)
 *   t = W v                one workgroup per row;   u = normalize(t)
 *   weight = w / sigma     sigma = u . t, which every workgroup computes again from u and t
 *
 * and the gradient of weight = w / sigma(w), sigma = u^T W v:
 *
 *   dw = (dy - sum(dy * w) / sigma * u v^T) / sigma
 *
 * as partial sums of dy * w (one dispatch) and one elementwise pass. Composed from TF.js ops the
 * same is a transpose, three matrix products, a dozen elementwise kernels and the division's
 * gradient. Only for tfjs-backend-webgpu; every other backend keeps the composed ops, so wasm and
 * cpu results do not change. SPADE_WEBGPU_SPECTRAL=0 turns it off.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { offTape } from './ops';
import { canNormalizeOnWebGPU, normalizeDetached } from './webgpu_normalize';
import { runProgram, viewAs, webgpuKernels, workgroupSum } from './webgpu_program';

const FLAG = 'SPADE_WEBGPU_SPECTRAL';
const MATVEC = 'SpadeSpectralMatVec';
const DIVIDE = 'SpadeSpectralDivide';
const PARTIALS = 'SpadeSpectralGradPartials';
const GRAD = 'SpadeSpectralGrad';
const THREADS = 64;
/** Workgroups of the partial sums, and values per thread of the elementwise passes. */
const PARTIAL_GROUPS = 64;
const PER_THREAD = 8;

/** weight_orig's shape as (kernel positions, in, out); a Linear's (in, out) has one position. */
interface Dims {
  positions: number;
  inC: number;
  outC: number;
}

const DIM_UNIFORMS = 'positions : i32, inC : i32, outC : i32,';

/** WGSL: the flat TF-layout index of PyTorch's W[o, j], j = i * positions + position. */
const AT = `
      fn at(o : i32, j : i32) -> i32 {
        let i = j / uniforms.positions;
        let p = j % uniforms.positions;
        return (p * uniforms.inC + i) * uniforms.outC + o;
      }`;

/** WGSL: sigma = u . t, summed by the whole workgroup into the shared \`sigmaShared\`. */
function sigmaSum(threads: number): string {
  return `
        var s = 0.0;
        for (var k = lid; k < uniforms.outC; k = k + ${threads}) {
          s = s + u[k] * t[k];
        }
        ${workgroupSum(threads)}
        let sigma = partial[0];`;
}

/** W^T u (transposed) or W v: one workgroup per output value, reduced in shared memory. */
class MatVecProgram implements WebGPUProgram {
  readonly variableNames = ['w', 'vec'];
  readonly uniforms = DIM_UNIFORMS;
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly outputShape: number[];
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    readonly transposed: boolean,
    d: Dims,
  ) {
    const n = transposed ? d.positions * d.inC : d.outC;
    this.outputShape = [n];
    this.dispatch = [n, 1, 1];
    this.shaderKey = `spadeSpectralMatVec_${transposed}`;
  }

  getUserCode(): string {
    const [len, term] = this.transposed
      ? ['uniforms.outC', 'w[at(k, row)] * vec[k]']
      : ['uniforms.positions * uniforms.inC', 'w[at(row, k)] * vec[k]'];
    return `${AT}
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let row = i32(workgroupId.x);
        let lid = i32(localId.x);
        var s = 0.0;
        for (var k = lid; k < ${len}; k = k + ${THREADS}) {
          s = s + ${term};
        }
        ${workgroupSum(THREADS)}
        if (lid == 0) {
          result[row] = partial[0];
        }
      }`;
  }
}

/** An elementwise pass over weight_orig, PER_THREAD values a thread, sigma computed per workgroup. */
abstract class WeightPassProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  readonly uniforms = `${DIM_UNIFORMS} groups : i32,`;
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly outputShape: number[];
  dispatch: [number, number, number];
  abstract shaderKey: string;

  constructor(n: number) {
    this.outputShape = [n];
    this.dispatch = [Math.ceil(n / (THREADS * PER_THREAD)), 1, 1];
  }

  /** WGSL setting \`value\` for element e; \`sigma\` (and what \`prelude\` declares) in scope. */
  abstract valueCode(): string;

  prelude(): string {
    return '';
  }

  getUserCode(): string {
    return `${AT}
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        ${sigmaSum(THREADS)}
        ${this.prelude()}
        let first = i32(workgroupId.x) * ${THREADS * PER_THREAD} + lid;
        for (var q = 0; q < ${PER_THREAD}; q = q + 1) {
          let e = first + q * ${THREADS};
          if (e < uniforms.size) {
            ${this.valueCode()}
            setOutputAtIndex(e, value);
          }
        }
      }`;
  }
}

/** weight = w / sigma. */
class DivideProgram extends WeightPassProgram {
  readonly variableNames = ['w', 'u', 't'];
  shaderKey = 'spadeSpectralDivide';

  valueCode(): string {
    return 'let value = w[e] / sigma;';
  }
}

/** dw = (dy - c * u[o] * v[j]) / sigma, c = sum(dy * w) / sigma from the partial sums. */
class GradProgram extends WeightPassProgram {
  readonly variableNames = ['dy', 'u', 'v', 't', 'partials'];
  shaderKey = 'spadeSpectralGrad';

  override prelude(): string {
    return `
        workgroupBarrier();
        var ps = 0.0;
        for (var k = lid; k < uniforms.groups; k = k + ${THREADS}) {
          ps = ps + partials[k];
        }
        partial[lid] = ps;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (lid < stride) {
            partial[lid] = partial[lid] + partial[lid + stride];
          }
          workgroupBarrier();
        }
        let c = partial[0] / sigma;`;
  }

  valueCode(): string {
    return `let o = e % uniforms.outC;
            let r = e / uniforms.outC;
            let j = (r % uniforms.inC) * uniforms.positions + r / uniforms.inC;
            let value = (dy[e] - c * u[o] * v[j]) / sigma;`;
  }
}

/** sum(dy * w) in PARTIAL_GROUPS partial sums, each workgroup striding over the whole tensor. */
class PartialsProgram implements WebGPUProgram {
  readonly variableNames = ['dy', 'w'];
  readonly uniforms = 'n : i32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly outputShape = [PARTIAL_GROUPS];
  dispatch: [number, number, number] = [PARTIAL_GROUPS, 1, 1];
  shaderKey = 'spadeSpectralPartials';

  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        let g = i32(workgroupId.x);
        var s = 0.0;
        for (var k = g * ${THREADS} + lid; k < uniforms.n; k = k + ${THREADS * PARTIAL_GROUPS}) {
          s = s + dy[k] * w[k];
        }
        ${workgroupSum(THREADS)}
        if (lid == 0) {
          result[g] = partial[0];
        }
      }`;
  }
}

function dimsOf(w: TensorInfo): Dims {
  const s = w.shape;
  return s.length === 4 ? { positions: s[0] * s[1], inC: s[2], outC: s[3] } : { positions: 1, inC: s[0], outC: s[1] };
}

function dimUniforms(d: Dims) {
  return [d.positions, d.inC, d.outC].map((v) => ({ type: 'int32' as const, data: [v] }));
}

const sizeOf = (t: TensorInfo) => t.shape.reduce((p, q) => p * q, 1);
const flat = (t: TensorInfo) => viewAs(t, [sizeOf(t)]);

const canRunKernels = webgpuKernels(FLAG, {
  // The vectors are read flat, and come out in the shape asked for (u's or v's).
  [MATVEC]: (({ inputs, backend, attrs }) => {
    const { w, vec } = inputs as Record<string, TensorInfo>;
    const { transposed, shape } = attrs as { transposed: boolean; shape: number[] };
    const d = dimsOf(w);
    const out = runProgram(backend, MATVEC, new MatVecProgram(transposed, d), [w, flat(vec)], dimUniforms(d));
    return viewAs(out, shape);
  }) as KernelFunc,
  [DIVIDE]: (({ inputs, backend }) => {
    const { w, u, t } = inputs as Record<string, TensorInfo>;
    const uniforms = [...dimUniforms(dimsOf(w)), { type: 'int32' as const, data: [0] }];
    return viewAs(runProgram(backend, DIVIDE, new DivideProgram(sizeOf(w)), [w, flat(u), flat(t)], uniforms), w.shape);
  }) as KernelFunc,
  [PARTIALS]: (({ inputs, backend }) => {
    const { dy, w } = inputs as Record<string, TensorInfo>;
    return runProgram(backend, PARTIALS, new PartialsProgram(), [dy, w], [{ type: 'int32', data: [sizeOf(w)] }]);
  }) as KernelFunc,
  [GRAD]: (({ inputs, backend }) => {
    const { dy, u, v, t, partials } = inputs as Record<string, TensorInfo>;
    const dims = dimsOf(dy);
    const uniforms = [...dimUniforms(dims), { type: 'int32' as const, data: [PARTIAL_GROUPS] }];
    const out = runProgram(backend, GRAD, new GradProgram(sizeOf(dy)), [dy, flat(u), flat(v), flat(t), partials], uniforms);
    return viewAs(out, dy.shape);
  }) as KernelFunc,
});

/** Whether spectralTrain runs here (registering its kernels on first use). */
export function canSpectralTrainOnWebGPU(): boolean {
  return canNormalizeOnWebGPU() && canRunKernels();
}

/**
 * One power iteration from (u, v) and weight_orig / sigma, for weight_orig `w` in TF layout
 * ((kh, kw, in, out) or a Linear's (in, out)). u, v: the new vectors, off the gradient tape.
 * Call only when canSpectralTrainOnWebGPU() is true.
 */
export function spectralTrain(
  w: tf.Tensor,
  u: tf.Tensor,
  v: tf.Tensor,
  eps: number,
): { weight: tf.Tensor; u: tf.Tensor; v: tf.Tensor } {
  if (w.rank !== 4 && w.rank !== 2) throw new Error(`internal: spectral norm of a rank-${w.rank} weight`);
  const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
    tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
  const { newU, newV, t } = offTape(() => {
    const nv = normalizeDetached(run(MATVEC, { w, vec: u }, { transposed: true, shape: v.shape }), eps);
    const tt = run(MATVEC, { w, vec: nv }, { transposed: false, shape: u.shape });
    return { newV: nv, newU: normalizeDetached(tt, eps), t: tt };
  });
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const wi = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([wi, newU, newV, t]);
    return {
      value: run(DIVIDE, { w: wi, u: newU, t }),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sw, su, sv, st] = saved;
        const partials = run(PARTIALS, { dy: dy as tf.Tensor, w: sw });
        return run(GRAD, { dy: dy as tf.Tensor, u: su, v: sv, t: st, partials });
      },
    };
  });
  return { weight: op(w), u: newU, v: newV };
}
