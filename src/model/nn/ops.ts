/**
 * Small tensor helpers that pin down PyTorch semantics where TF.js differs.
 * Activations are NHWC throughout.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered separately from tfjs-core's ops; training needs them everywhere.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { canResizeOnWebGPU, resizeByIndices } from './webgpu_resize';

/** Identity forward, zero gradient: PyTorch's `.detach()` / no_grad for a value. */
const stopGradientOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor) };
});
export function stopGradient<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() === 'webgpu') return offTape(() => tf.clone(x));
  return stopGradientOp(x) as T;
}

/**
 * Runs f as if nested in another kernel, so the gradient tape does not record it: its result
 * is a constant to the backward pass, which then computes nothing for it (a customGrad with a
 * zero gradient still sends zeros back through everything upstream). Used on WebGPU, where each
 * of those dispatches is host time; elsewhere the customGrad above keeps the ops checked
 * against NVlabs' trainer.
 */
export function offTape<T>(f: () => T): T {
  const state = (tf.engine() as unknown as { state: { kernelDepth: number } }).state;
  state.kernelDepth++;
  try {
    return f();
  } finally {
    state.kernelDepth--;
  }
}

/** Zero padding per side of an NHWC tensor: (top, bottom) and (left, right). */
export type ExplicitPadding = [[0, 0], [number, number], [number, number], [0, 0]];
/** The same number of pixels on every side, or explicit per-side padding. */
export type ConvPadding = number | ExplicitPadding;

/**
 * nn.Conv2d, with `pad` zero pixels on each side (not TF's 'same', which pads asymmetrically) or
 * explicit per-side padding, and optionally the ReLU that follows it.
 *
 * `fused`: bias and ReLU inside the conv kernel (tf.fused.conv2d). One kernel instead of up to
 * three: XNNPACK on wasm adds the bias in its accumulators (256² convs took 28-52 % less time
 * than conv + add + relu in a micro-benchmark; README, Live painting), and on WebGPU/WebGL it
 * saves two dispatches and two passes over the output. The sum is rounded differently (float32
 * noise), so eval mode fuses everywhere and train mode only on WebGPU: elsewhere its gradients
 * stay the ones checked against NVlabs' trainer.
 */
export function conv2d(
  x: tf.Tensor4D,
  kernelHWIO: tf.Tensor,
  stride: number,
  pad: ConvPadding,
  bias?: tf.Tensor,
  opts: { relu?: boolean; fused?: boolean } = {},
): tf.Tensor4D {
  const padding: ExplicitPadding | 'valid' =
    typeof pad !== 'number'
      ? pad
      : pad === 0
        ? 'valid'
        : [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ];
  const filter = kernelHWIO as tf.Tensor4D;
  // On WebGPU train mode fuses too: each dispatch saved there is host time (issue 16); the
  // parity-checked gradients are those of cpu and wasm, which stay unfused.
  if (opts.fused || (bias && tf.getBackend() === 'webgpu'))
    return tf.fused.conv2d({ x, filter, strides: stride, pad: padding, bias, activation: opts.relu ? 'relu' : 'linear' });
  let y = tf.conv2d(x, filter, stride, padding);
  if (bias) y = tf.add(y, bias);
  return opts.relu ? tf.relu(y) : y;
}

export function leakyRelu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.leakyRelu(x, 0.2);
}

/**
 * Source indices of PyTorch's legacy `F.interpolate(mode='nearest')`:
 * src = min(floor(dst * (in/out)), in-1), computed in float32 as ATen does, so that
 * float rounding picks the same pixel on every backend.
 */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const scale = Math.fround(inSize / outSize);
  const idx = new Int32Array(outSize);
  for (let d = 0; d < outSize; d++) idx[d] = Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  return idx;
}

/** `F.interpolate(x, size=(h, w), mode='nearest')` as gathers: exact on every backend. */
export function resizeNearest(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [, inH, inW] = x.shape;
  if (inH === h && inW === w) return x;
  return tf.tidy(() => {
    const rowIds = tf.tensor1d(nearestIndices(inH, h), 'int32');
    const colIds = tf.tensor1d(nearestIndices(inW, w), 'int32');
    // WebGPU: both axes in one dispatch, for the label map (webgpu_resize.ts, which has no gradient).
    if (x.dtype === 'float32' && canResizeOnWebGPU()) return resizeByIndices(x, rowIds, colIds);
    return tf.gather(tf.gather(x, rowIds, 1), colIds, 2) as tf.Tensor4D;
  });
}

/**
 * nn.Upsample(scale_factor=2): nearest-neighbour pixel duplication.
 * The gradient is the sum over each 2x2 block. It is given here because TF.js 4.22's own
 * ResizeNearestNeighborGrad (cpu) returns wrong values for this case (checked against the
 * reference gradients and against a gather-based upsample).
 */
const upsample2xOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  const [, h, w] = x.shape;
  return {
    value: tf.image.resizeNearestNeighbor(x, [h * 2, w * 2], false, false),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid'), 4),
  };
});
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return upsample2xOp(x) as tf.Tensor4D;
}

/** NHWC -> NCHW flatten, as PyTorch's `x.view(N, -1)` reads an NCHW tensor. */
export function flattenNCHW(x: tf.Tensor4D): tf.Tensor2D {
  return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]);
}

/** `x @ W + b` with W stored (in, out). */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  const y = tf.matMul(x, w as tf.Tensor2D) as tf.Tensor2D;
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}
