// Channel moments on WebGPU (Dawn on llvmpipe) against tf.moments on cpu: values and gradients,
// for batch norm's statistics (over N, H, W) and instance norm's (over H, W per sample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { canComputeMomentsOnWebGPU, channelMoments, packedMomentsDetached } from '../../../src/model/nn/webgpu_moments';

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-5) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`);
}

test('channelMoments: tf.moments values and gradients, per batch and per sample', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canComputeMomentsOnWebGPU());
  const cases = fc.record({
    shape: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 9 }),
    ),
    perSample: fc.boolean(),
    seed: fc.integer(),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, perSample, seed }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (!perSample && size / shape[3] < 2) return;
      const x = Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 0.1 + i * 0.77) * 2 + 0.5);
      const a = (k: number) =>
        Float32Array.from({ length: perSample ? shape[0] * shape[3] : shape[3] }, (_, i) => Math.cos(i * 1.7 + k));
      // WebGPU in Node reads back only asynchronously.
      const run = async (f: (t: tf.Tensor4D) => { mean: tf.Tensor; variance: tf.Tensor }) => {
        const out = tf.tidy(() => {
          const t = tf.tensor4d(x, shape);
          const { mean, variance } = f(t);
          const loss = (u: tf.Tensor) => {
            const m = f(u as tf.Tensor4D);
            return tf.add(tf.sum(tf.mul(tf.reshape(m.mean, [-1]), a(1))), tf.sum(tf.mul(tf.reshape(m.variance, [-1]), a(2))));
          };
          return [mean, variance, tf.grad(loss)(t)];
        });
        const values = await Promise.all(out.map((r) => r.data()));
        tf.dispose(out);
        return values;
      };
      await tf.setBackend('cpu');
      const want = await run((t) => (perSample ? tf.moments(t, [1, 2], true) : tf.moments(t, [0, 1, 2])));
      await tf.setBackend('webgpu');
      const got = await run((t) => channelMoments(t, perSample));
      close(got[0], want[0], 'mean');
      close(got[1], want[1], 'variance');
      close(got[2], want[2], 'dx', 1e-4);
    }),
    { numRuns: 30 },
  );
});

test('packedMomentsDetached: the same means and variances as channelMoments, packed, in one dispatch', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canComputeMomentsOnWebGPU());
  const cases = fc.record({
    shape: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 9 }),
    ),
    perSample: fc.boolean(),
    seed: fc.integer(),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, perSample, seed }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor4d(Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 0.1 + i * 0.77) * 2 + 0.5), shape);
      const two = channelMoments(x, perSample);
      const packed = packedMomentsDetached(x, perSample);
      const want = [...(await two.mean.data()), ...(await two.variance.data())];
      // The same arithmetic in the same order: equal bit for bit.
      assert.deepEqual(Array.from(await packed.data()), want);
      tf.dispose([x, two.mean, two.variance, packed]);
    }),
    { numRuns: 30 },
  );
});
