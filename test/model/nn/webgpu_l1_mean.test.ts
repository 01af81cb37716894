// mean(|a - target|) on WebGPU (one op, Dawn on llvmpipe) against the composed ops on cpu, with
// the target detached: the value and the gradient for a.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { canL1MeanOnWebGPU, l1MeanToConstant } from '../../../src/model/nn/webgpu_l1_mean';

test('l1MeanToConstant: mean(abs(a - target)) on cpu, value and gradient', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const cases = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    dy: fc.double({ min: -3, max: 3, noNaN: true }),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, seed, dy }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const as = Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.7) * 2);
      // Some equal values: |0|'s gradient must be TF.js's (-1).
      const bs = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? as[i] : Math.cos(seed + i * 1.1)));
      const run = async (f: (a: tf.Tensor, b: tf.Tensor) => tf.Scalar) => {
        const out = tf.tidy(() => {
          const a = tf.tensor(as, shape);
          const b = tf.tensor(bs, shape);
          return [f(a, b), tf.grad((t: tf.Tensor) => f(t, b))(a, tf.scalar(dy))];
        });
        const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
        tf.dispose(out);
        return values;
      };
      await selectBackend('cpu');
      const want = await run((a, b) => tf.mean(tf.abs(tf.sub(a, b))));
      await selectBackend('webgpu');
      assert.ok(canL1MeanOnWebGPU());
      const got = await run(l1MeanToConstant);
      assert.ok(Math.abs(got[0][0] - want[0][0]) <= 1e-5 * Math.max(1, Math.abs(want[0][0])), `value ${got[0][0]} vs ${want[0][0]}`);
      assert.deepEqual(got[1], want[1], 'gradient');
    }),
    { numRuns: 30 },
  );
});
