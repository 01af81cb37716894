/**
 * Our WebGPU conv backprop kernels (src/model/nn/webgpu_conv_backprop_*.ts) against TF.js 4.22's
 * own on a few SPADE-sized shapes: Conv2DBackpropFilter (TF.js: one thread per weight) and
 * Conv2DBackpropInput (TF.js: the untiled default, and its matmul program, which
 * WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false selects). Printed, never asserted: wall ms from the
 * kernel call until a one-value slice of its output is read back, median of --reps after a
 * warm-up (which compiles the shaders).
 *
 *   SPADE_DAWN_FLAGS=backend=opengles node --import tsx bench/webgpu_conv_backprop.ts [--reps 5]
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend, webgpuAdapterInfo } from '../src/cli/backend';
import { registerWebGPUConvBackpropFilter } from '../src/model/nn/webgpu_conv_backprop_filter';
import { conv2dBackpropInputGemm, registerWebGPUConvBackpropInput } from '../src/model/nn/webgpu_conv_backprop_input';
import { seededNormal } from '../src/model/random';

const args = process.argv.slice(2);
const REPS = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;

type Shape4 = [number, number, number, number];
const SHAPES: Array<{ name: string; x: Shape4; filter: Shape4; stride: number; pad: number }> = [
  { name: '256²×32→32 3x3', x: [1, 256, 256, 32], filter: [3, 3, 32, 32], stride: 1, pad: 1 },
  { name: '64²×128→128 3x3', x: [1, 64, 64, 128], filter: [3, 3, 128, 128], stride: 1, pad: 1 },
  { name: '16²×256→256 3x3', x: [1, 16, 16, 256], filter: [3, 3, 256, 256], stride: 1, pad: 1 },
  { name: 'D 128²×39→64 4x4 s2, batch 2', x: [2, 128, 128, 39], filter: [4, 4, 39, 64], stride: 2, pad: 2 },
  { name: 'toy SPADE 64²×8→4 3x3', x: [1, 64, 64, 8], filter: [3, 3, 8, 4], stride: 1, pad: 1 },
  { name: 'toy D 64²×7→8 4x4 s2', x: [1, 64, 64, 7], filter: [4, 4, 7, 8], stride: 2, pad: 2 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(f: () => tf.Tensor): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const out = f();
    const corner = tf.slice(out, [0, 0, 0, 0], [1, 1, 1, 1]);
    await corner.data();
    const ms = performance.now() - t0;
    tf.dispose([out, corner]);
    return ms;
  };
  await once();
  const runs: number[] = [];
  for (let i = 0; i < REPS; i++) runs.push(await once());
  return median(runs);
}

/** Runs `f` with the environment flags set to `flags`, restoring them after. */
async function withFlags<T>(flags: Record<string, boolean>, f: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(flags).map((k) => [k, tf.env().getBool(k)]));
  for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(before)) tf.env().set(k, v);
  }
}

async function main(): Promise<void> {
  await selectBackend('webgpu');
  registerWebGPUConvBackpropFilter();
  registerWebGPUConvBackpropInput();
  console.log(`adapter: ${webgpuAdapterInfo()?.description ?? '?'}; wall ms, median of ${REPS}`);
  console.log('| layer | dW TF.js | dW ours | dX TF.js (naive, default) | dX TF.js (matmul) | dX our GEMM |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const off = { SPADE_WEBGPU_CONV_BACKPROP_FILTER: false, SPADE_WEBGPU_CONV_BACKPROP_INPUT: false };
  const on = { SPADE_WEBGPU_CONV_BACKPROP_FILTER: true, SPADE_WEBGPU_CONV_BACKPROP_INPUT: true };
  for (const s of SHAPES) {
    const pad: [[0, 0], [number, number], [number, number], [0, 0]] = [[0, 0], [s.pad, s.pad], [s.pad, s.pad], [0, 0]];
    const info = tf.backend_util.computeConv2DInfo(s.x, s.filter, s.stride, 1, pad);
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(seededNormal(size(s.x), 1), s.x);
    const w = tf.tensor4d(seededNormal(size(s.filter), 2), s.filter);
    const dy = tf.tensor4d(seededNormal(size(info.outShape), 3), info.outShape);
    const attrs = { strides: s.stride, pad, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
    const dW = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: s.filter }) as tf.Tensor;
    const dX = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: s.x }) as tf.Tensor;
    // Our GEMM itself: the registered dX kernel uses it at stride 1 only.
    const dXGemm = () => {
      const a = { ...attrs, inputShape: s.x } as unknown as Conv2DBackpropInputAttrs;
      return tf.engine().makeTensorFromTensorInfo(conv2dBackpropInputGemm(tf.backend(), dy, w, a)!);
    };
    const row = [
      await withFlags(off, () => timeIt(dW)),
      await withFlags(on, () => timeIt(dW)),
      await withFlags(off, () => timeIt(dX)),
      await withFlags({ ...off, WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false }, () => timeIt(dX)),
      await timeIt(dXGemm),
    ];
    console.log(`| ${s.name} | ${row.map((ms) => ms.toFixed(ms >= 100 ? 0 : 1)).join(' | ')} |`);
    tf.dispose([x, w, dy]);
  }
}

void main();
