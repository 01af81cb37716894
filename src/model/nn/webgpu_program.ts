/**
 * Running a WGSL program of our own on tfjs-backend-webgpu: the one method of its backend that
 * our kernels (fused SPADE modulation, normalize, channel moments) call, which its public types
 * do not expose.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type Uniforms = Array<{ type: 'float32' | 'int32'; data: number[] }>;

interface ProgramRunner {
  runWebGPUProgram(program: WebGPUProgram, inputs: TensorInfo[], dtype: 'float32' | 'int32', uniforms?: Uniforms): TensorInfo;
}

/** Whether `backend` can run our programs (tfjs-backend-webgpu's backend). */
export function canRunPrograms(backend: KernelBackend | object): boolean {
  return typeof (backend as Partial<ProgramRunner>).runWebGPUProgram === 'function';
}

/**
 * program's output on `backend` (float32, or int32 for packed data); `kernel` names the caller
 * when the backend is not webgpu.
 */
export function runProgram(
  backend: object,
  kernel: string,
  program: WebGPUProgram,
  inputs: TensorInfo[],
  uniforms?: Uniforms,
  dtype: 'float32' | 'int32' = 'float32',
): TensorInfo {
  const runner = backend as Partial<ProgramRunner>;
  if (typeof runner.runWebGPUProgram !== 'function') throw new Error(`${kernel} runs only on tfjs-backend-webgpu`);
  return runner.runWebGPUProgram(program, inputs, dtype, uniforms);
}

/**
 * A kernel's tensor seen in another shape of the same size, as TF.js's webgpu Reshape does it
 * (same data, new shape), but inside our kernel: a tf.reshape around it is a kernel of its own,
 * with the engine's bookkeeping, for nothing our flat-indexed programs need. For a kernel's
 * inputs, and for its output (whose one reference it hands over).
 */
export function viewAs(t: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(t.shape)) throw new Error(`internal: view ${t.shape} as ${shape}`);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/**
 * A program with one thread per output value, 128 to a workgroup; subclasses give its inputs,
 * uniforms, key and WGSL (a \`main(index)\` that checks \`index < uniforms.size\`).
 */
export abstract class ElementwiseProgram implements WebGPUProgram {
  abstract readonly variableNames: string[];
  abstract readonly uniforms: string;
  abstract shaderKey: string;
  readonly workgroupSize: [number, number, number] = [128, 1, 1];
  readonly size = true;
  readonly dispatchLayout = { x: [0] };
  readonly outputShape: number[];
  dispatch: [number, number, number];

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(shape) / 128), 1, 1];
  }

  abstract getUserCode(): string;
}

/**
 * WGSL: adds up each thread's \`s\` across a workgroup of \`threads\` (a power of two) into
 * partial[0], a tree of halving strides. The program declares \`partial\` and \`lid\`.
 */
export function workgroupSum(threads: number): string {
  return `partial[lid] = s;
        workgroupBarrier();
        for (var stride = ${threads / 2}; stride > 0; stride = stride / 2) {
          if (lid < stride) {
            partial[lid] = partial[lid] + partial[lid + stride];
          }
          workgroupBarrier();
        }`;
}

/**
 * An on/off flag for one of our WebGPU paths: on by default; in Node, FLAG=0 in the environment
 * turns it off (the benchmark's A/B rows).
 */
export function registerOnFlag(flag: string): void {
  tf.env().registerFlag(flag, () => (typeof process !== 'undefined' ? process.env?.[flag] !== '0' : true));
}

/** An off-by-default flag: in Node, FLAG=1 in the environment turns it on. */
export function registerOffFlag(flag: string): void {
  tf.env().registerFlag(flag, () => typeof process !== 'undefined' && process.env?.[flag] === '1');
}

/**
 * Kernels of ours for the webgpu backend, registered on first use. The returned function says
 * whether they run here: the webgpu backend is active and `flag` is on.
 */
export function webgpuKernels(flag: string, kernels: Record<string, KernelFunc>): () => boolean {
  registerOnFlag(flag);
  let registered = false;
  return () => {
    if (tf.getBackend() !== 'webgpu' || !canRunPrograms(tf.backend()) || !tf.env().getBool(flag)) return false;
    if (!registered) {
      for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
        if (!tf.getKernel(kernelName, 'webgpu')) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
      }
      registered = true;
    }
    return true;
  };
}

const replaced = new Map<string, KernelFunc>();

/**
 * Replaces TF.js's own webgpu kernel `kernelName` by `make(its kernel)`, which falls back to it
 * where ours does not apply; idempotent. `flag` (on by default, FLAG=0 in Node turns it off;
 * with defaultOn false, off unless FLAG=1) is read on every call, so the A/B needs no
 * re-registration.
 */
export function replaceWebgpuKernel(
  flag: string,
  kernelName: string,
  make: (original: KernelFunc, enabled: () => boolean) => KernelFunc,
  defaultOn = true,
): void {
  if (defaultOn) registerOnFlag(flag);
  else registerOffFlag(flag);
  const current = tf.getKernel(kernelName, 'webgpu');
  if (!current || current.kernelFunc === replaced.get(kernelName)) return;
  const kernelFunc = make(current.kernelFunc, () => tf.env().getBool(flag));
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc, setupFunc: current.setupFunc, disposeFunc: current.disposeFunc });
  replaced.set(kernelName, kernelFunc);
}
