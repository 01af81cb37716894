// Train-mode norm (+ SPADE modulation, + LeakyReLU) on WebGPU (Dawn on llvmpipe) against the
// composed ops on cpu: values and the gradients for x, gamma and beta; and BatchNorm's running
// statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { canNormTrainOnWebGPU, normTrain, runningStat } from '../../../src/model/nn/webgpu_norm_train';

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-5) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`);
  }
}

const EPS = 1e-5;

/** norms.ts's and spade.ts's composed ops. */
function composed(x: tf.Tensor4D, perSample: boolean, leaky: boolean, gamma?: tf.Tensor, beta?: tf.Tensor) {
  const { mean, variance } = perSample ? tf.moments(x, [1, 2], true) : tf.moments(x, [0, 1, 2]);
  let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
  if (gamma && beta) y = tf.add(tf.mul(y, tf.add(gamma, 1)), beta);
  return { y: leaky ? tf.leakyRelu(y, 0.2) : y, mean, variance };
}

test('normTrain: the composed ops on cpu, values and gradients, batch and instance, with and without modulation and LeakyReLU', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canNormTrainOnWebGPU());
  const cases = fc.record({
    shape: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 7 }),
    ),
    perSample: fc.boolean(),
    modulated: fc.boolean(),
    leaky: fc.boolean(),
    seed: fc.integer(),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, perSample, modulated, leaky, seed }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (size / shape[3] / (perSample ? shape[0] : 1) < 2) return;
      const data = (k: number) =>
        Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 0.1 + i * 0.77 + k) * 2 + 0.3 * k);
      type Norm = (x: tf.Tensor4D, g?: tf.Tensor4D, b?: tf.Tensor4D) => { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor };
      const run = async (f: Norm) => {
        const out = tf.tidy(() => {
          const x = tf.tensor4d(data(0), shape);
          const g = modulated ? tf.tensor4d(data(1), shape) : undefined;
          const b = modulated ? tf.tensor4d(data(2), shape) : undefined;
          const r = f(x, g, b);
          const weights = tf.tensor4d(data(3), shape);
          const loss = (...xs: tf.Tensor[]) =>
            tf.sum(tf.mul(f(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D, xs[2] as tf.Tensor4D).y, weights));
          const grads = tf.grads(loss)(modulated ? [x, g!, b!] : [x]);
          return [r.y, tf.reshape(r.mean, [-1]), tf.reshape(r.variance, [-1]), ...grads];
        });
        const values = await Promise.all(out.map((t) => t.data()));
        tf.dispose(out);
        return values;
      };
      await tf.setBackend('cpu');
      const want = await run((x, g, b) => composed(x, perSample, leaky, g, b));
      await tf.setBackend('webgpu');
      const got = await run((x, g, b) => normTrain(x, { perSample, eps: EPS, leaky, gamma: g, beta: b }));
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      for (let i = 0; i < want.length; i++) close(got[i], want[i], names[i], i < 3 ? 2e-5 : 2e-4);
    }),
    { numRuns: 40 },
  );
});

test('runningStat: the composed exponential average', async () => {
  await selectBackend('webgpu');
  const running = [0.5, -1, 2, 3.25, 0];
  const stat = [1.5, 2, -0.75, 3, 9];
  const { scale, m } = { scale: 10 / 9, m: 0.1 };
  const want = tf.tidy(() => {
    const r = tf.tensor1d(running);
    return tf.add(tf.mul(r, 1 - m), tf.mul(tf.mul(tf.tensor1d(stat), scale), m));
  });
  const w = await want.data();
  const got = runningStat(tf.tensor1d(running), tf.tensor1d(stat), m, scale);
  close(await got.data(), w, 'running', 1e-6);
  tf.dispose([want, got]);
});
