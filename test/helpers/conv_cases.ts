/** Random conv shapes for the WebGPU conv kernels' property tests (forward and backprop), and a tolerance check. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];
export type ConvPad = 'same' | 'valid' | number;

export interface ConvCase {
  xShape: Shape4;
  filterShape: Shape4;
  dyShape: Shape4;
  stride: number;
  pad: ConvPad;
  seed: number;
}

/** The case for input xShape, a k x k kernel to co channels; null where the output would be empty. */
export function convCase(xShape: Shape4, k: number, co: number, stride: number, pad: ConvPad, seed: number): ConvCase | null {
  if (pad === 'valid' && (xShape[1] < k || xShape[2] < k)) return null;
  const filterShape: Shape4 = [k, k, xShape[3], co];
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad);
  if (info.outHeight <= 0 || info.outWidth <= 0) return null;
  return { xShape, filterShape, dyShape: info.outShape as Shape4, stride, pad, seed };
}

export function convCases(): fc.Arbitrary<ConvCase | null> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 19 }),
      w: fc.integer({ min: 1, max: 19 }),
      ci: fc.integer({ min: 1, max: 11 }),
      co: fc.integer({ min: 1, max: 11 }),
      k: fc.constantFrom(1, 3, 4),
      stride: fc.constantFrom(1, 2),
      pad: fc.oneof(fc.constantFrom<ConvPad>('same', 'valid'), fc.integer({ min: 0, max: 2 })),
      seed: fc.integer({ min: 0, max: 1000 }),
    })
    .map(({ n, h, w, ci, co, k, stride, pad, seed }) => convCase([n, h, w, ci], k, co, stride, pad, seed));
}

/** Deterministic values in [-1.5, 1.5] for a tensor of `shape`. */
export function values(shape: number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 1.3 + i * 0.618) * 1.5);
}

/** Element by element, within float32 noise of a sum: relative to the largest value expected. */
export function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * scale, `${what}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`);
  }
}
