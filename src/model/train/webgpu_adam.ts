/**
 * One Adam update of one parameter on WebGPU in two dispatches that write in place:
 *
 *   m <- m * beta1 + g * (1 - beta1),  v <- v * beta2 + g^2 * (1 - beta2)   (one buffer, m then v)
 *   p <- p - m / (sqrt(v) / c2 + eps) * stepSize
 *
 * The two moments share one buffer (adam.ts keeps them so on WebGPU) because a TF.js program
 * writes one output: apart, they took a dispatch each.
 * Composed from TF.js ops this is thirteen elementwise kernels, with seven JS numbers each
 * uploaded as a scalar tensor, plus three fresh buffers the variables' assign() swaps in.
 * Here the numbers travel as uniforms and each program's output is the variable's own buffer
 * (TF.js binds a program's output read-write, so a shader may read it before writing it).
 *
 * Writing in place is sound for Adam's state and the trained weights because nothing else
 * holds their buffers across an update: every reader of the old value was encoded earlier in
 * the same queue, values cached on the host are dropped, and a shared constant buffer
 * (webgpu_constants.ts) is first replaced by a copy of its own. Only for tfjs-backend-webgpu:
 * every other backend keeps Adam's composed ops (adam.ts), so their numerics do not change.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { ownBuffer } from '../nn/webgpu_constants';
import { withUniformSite } from '../nn/webgpu_bind_groups';
import { registerOnFlag } from '../nn/webgpu_program';

const BACKEND = 'webgpu';
const FLAG = 'SPADE_WEBGPU_ADAM';

type Uniform = { type: 'float32' | 'int32'; data: number[] };

/** The part of WebGPUBackend this update uses. */
interface InPlaceRunner {
  runWebGPUProgram(program: WebGPUProgram, inputs: TensorInfo[], dtype: 'float32', uniforms: Uniform[], output: TensorInfo): TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorMap: { get(id: object): { values: unknown } | undefined };
}

function isInPlaceRunner(b: KernelBackend): b is KernelBackend & InPlaceRunner {
  const r = b as Partial<InPlaceRunner>;
  return typeof r.runWebGPUProgram === 'function' && r.tensorMap !== undefined;
}

type Stage = 'mv' | 'p';

/** One stage of the update: one thread per value, the output being the buffer it updates. */
class AdamStageProgram implements WebGPUProgram {
  readonly variableNames: string[];
  readonly uniforms: string;
  readonly workgroupSize: [number, number, number] = [256, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    readonly stage: Stage,
    n: number,
  ) {
    // size: the parameter's, so that one thread updates value i of m and of v.
    this.outputShape = [n];
    this.dispatchLayout = { x: [0] };
    this.dispatch = [Math.ceil(n / this.workgroupSize[0]), 1, 1];
    this.variableNames = stage === 'p' ? ['mv'] : ['g'];
    this.uniforms =
      stage === 'p'
        ? 'stepSize : f32, c2 : f32, eps : f32,'
        : 'beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32,';
    this.shaderKey = `spadeAdam_${stage}`;
  }

  getUserCode(): string {
    // Each product and sum in the order adam.ts's ops round them.
    const update =
      this.stage === 'mv'
        ? `let gi = g[index];
          result[index] = result[index] * uniforms.beta1 + gi * uniforms.oneMinusBeta1;
          let j = index + uniforms.size;
          result[j] = result[j] * uniforms.beta2 + (gi * gi) * uniforms.oneMinusBeta2;`
        : `let m = mv[index];
          let v = mv[index + uniforms.size];
          result[index] = result[index] - (m / (sqrt(v) / uniforms.c2 + uniforms.eps)) * uniforms.stepSize;`;
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${update}
        }
      }`;
  }
}

// SPADE_WEBGPU_ADAM=0 compares with the composed ops.
registerOnFlag(FLAG);

/** Whether Adam can update in place here (the active backend is webgpu and the flag is on). */
export function canUpdateInPlace(): boolean {
  return tf.getBackend() === BACKEND && isInPlaceRunner(tf.backend()) && tf.env().getBool(FLAG);
}

export interface AdamScalars {
  beta1: number;
  beta2: number;
  stepSize: number;
  c2: number;
  eps: number;
}

/**
 * Updates the moments mv (m then v, flat, twice p's size) and p in place from the gradient g.
 * Call only when canUpdateInPlace() is true.
 */
export function adamInPlace(p: tf.Variable, mv: tf.Variable, g: tf.Tensor, s: AdamScalars): void {
  const backend = tf.backend() as unknown as KernelBackend & InPlaceRunner;
  const n = p.size;
  for (const [t, size] of [[mv, 2 * n], [g, n]] as const) {
    if (t.size !== size || t.dtype !== 'float32') throw new Error(`internal: Adam state of size ${t.size} (${t.dtype}) for a parameter of size ${n}`);
  }
  for (const t of [mv, p]) {
    // The update writes these buffers: none may be a shared constant (webgpu_constants.ts).
    backend.uploadToGPU(t.dataId);
    ownBuffer(t.dataId);
  }
  const f = (x: number): Uniform => ({ type: 'float32', data: [x] });
  const run = (stage: Stage, inputs: TensorInfo[], uniforms: Uniform[], out: tf.Variable) => {
    // The step size changes every step: the same uniform slot (and bind group) each time.
    withUniformSite(out, () => backend.runWebGPUProgram(new AdamStageProgram(stage, n), inputs, 'float32', uniforms, out));
    // A host copy from an earlier read would now be stale.
    const rec = backend.tensorMap.get(out.dataId);
    if (rec) rec.values = null;
  };
  run('mv', [g], [f(s.beta1), f(1 - s.beta1), f(s.beta2), f(1 - s.beta2)], mv);
  run('p', [mv], [f(s.stepSize), f(s.c2), f(s.eps)], p);
}
