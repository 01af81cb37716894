// tf.sum over every axis but the last on WebGPU (Dawn on llvmpipe), with our kernel installed,
// against tf.sum on cpu; other sums still go to TF.js's kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { installChannelSum, isLeadingAxesSum } from '../../../src/model/nn/webgpu_channel_sum';

test('isLeadingAxesSum: every axis but the last, in any order', () => {
  const x = { shape: [2, 3, 4, 5], dtype: 'float32' } as unknown as tf.TensorInfo;
  assert.ok(isLeadingAxesSum(x, [0, 1, 2]));
  assert.ok(isLeadingAxesSum(x, [2, 0, 1]));
  assert.ok(isLeadingAxesSum(x, [-2, 0, 1]));
  assert.ok(!isLeadingAxesSum(x, [0, 1]));
  assert.ok(!isLeadingAxesSum(x, [1, 2, 3]));
  assert.ok(!isLeadingAxesSum({ ...x, dtype: 'int32' } as tf.TensorInfo, [0, 1, 2]));
});

test('channel sums on WebGPU equal tf.sum on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const cases = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 2, maxLength: 4 }),
    keepDims: fc.boolean(),
    leading: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1000 }),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, keepDims, leading, seed }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const xs = Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.61) * 4);
      const axis = leading ? shape.slice(0, -1).map((_, i) => i) : [shape.length - 1];
      const run = async () => {
        const y = tf.tidy(() => tf.sum(tf.tensor(xs, shape), axis, keepDims));
        const r = { shape: y.shape, values: Array.from(await y.data()) };
        y.dispose();
        return r;
      };
      await selectBackend('cpu');
      const want = await run();
      await selectBackend('webgpu');
      installChannelSum();
      const got = await run();
      assert.deepEqual(got.shape, want.shape);
      // float32 rounding of a sum of `count` terms of up to 4 in magnitude, added in another order.
      const tol = 1e-6 * 4 * (n / want.values.length) + 1e-6;
      got.values.forEach((v, i) => assert.ok(Math.abs(v - want.values[i]) <= tol, `[${i}] ${v} vs ${want.values[i]}`));
    }),
    { numRuns: 40 },
  );
});
