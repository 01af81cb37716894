// The one-dispatch, detached L2 normalize on WebGPU (Dawn on llvmpipe) against the composed ops
// spectral norm uses elsewhere, computed on cpu; and no gradient flows through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { canNormalizeOnWebGPU, normalizeDetached } from '../../../src/model/nn/webgpu_normalize';

const EPS = 1e-12;

test('normalizeDetached matches x / max(||x||, eps) on cpu, with no gradient', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canNormalizeOnWebGPU());
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 5000 }),
    seed: fc.integer(),
    scale: fc.constantFrom(1e-14, 1e-3, 1, 1e4),
    zero: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ n, seed, scale, zero }) => {
      const x = zero ? new Float32Array(n) : Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.91) * scale);
      await tf.setBackend('cpu');
      const want = tf.tidy(() => {
        const t = tf.tensor1d(x);
        return tf.div(t, tf.maximum(tf.norm(t), EPS)).dataSync().slice();
      });
      await tf.setBackend('webgpu');
      const t = tf.tensor1d(x);
      const got = normalizeDetached(t, EPS);
      const g = await got.data();
      for (let i = 0; i < n; i++) assert.ok(Math.abs(g[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `n ${n} [${i}]: ${g[i]} vs ${want[i]}`);
      tf.dispose([t, got]);
    }),
    { numRuns: 30 },
  );
  const x = tf.tensor1d([3, -4, 12]);
  // Off the tape: only the sum's own gradient reaches x.
  const dx = tf.grad((t: tf.Tensor) => tf.add(tf.sum(t), tf.sum(tf.mul(normalizeDetached(t, EPS), tf.tensor1d([1, 2, 3])))))(x);
  assert.deepEqual(Array.from(await dx.data()), [1, 1, 1]);
});
