/**
 * tf.sum over every axis but the last (a bias's gradient: TF.js's fused conv and Add
 * gradients sum dy over N, H and W) in one WebGPU dispatch: one workgroup per channel, reading
 * it with a stride (webgpu_moments.ts). TF.js's Sum kernel first transposes the reduced axes
 * last, a second dispatch and a copy of dy. Other sums go to TF.js's kernel unchanged.
 *
 * Installed over TF.js's webgpu Sum kernel by the trainer; SPADE_WEBGPU_CHANNEL_SUM=0 leaves
 * every sum to TF.js. Only the webgpu backend's kernel is replaced; wasm and cpu are untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ChannelReduceProgram } from './webgpu_moments';
import { registerOnFlag, runProgram } from './webgpu_program';

const FLAG = 'SPADE_WEBGPU_CHANNEL_SUM';
let installed = false;

/** Whether summing x over `axis` leaves its last axis alone and reduces every other one. */
export function isLeadingAxesSum(x: TensorInfo, axis: number | number[]): boolean {
  const rank = x.shape.length;
  if (rank < 2 || x.dtype !== 'float32') return false;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Replaces the webgpu backend's Sum kernel (once per process) while webgpu is the backend. */
export function installChannelSum(): void {
  if (installed || tf.getBackend() !== 'webgpu') return;
  registerOnFlag(FLAG);
  const original = tf.getKernel(tf.Sum, 'webgpu') as KernelConfig | undefined;
  if (!original) return;
  installed = true;
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (!tf.env().getBool(FLAG) || !isLeadingAxesSum(x, axis)) return original.kernelFunc(args);
    const channels = x.shape[x.shape.length - 1];
    const count = tf.util.sizeFromShape(x.shape) / channels;
    const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
    const program = new ChannelReduceProgram(false, 1, channels, true, shape);
    const uniforms = [{ type: 'int32' as const, data: [count] }, { type: 'int32' as const, data: [channels] }];
    return runProgram(backend, 'channel sum', program, [x], uniforms);
  };
  tf.unregisterKernel(tf.Sum, 'webgpu');
  tf.registerKernel({ ...original, kernelFunc });
}
