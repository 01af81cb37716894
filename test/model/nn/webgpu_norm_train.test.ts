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
import { BatchNorm2d } from '../../../src/model/nn/norms';
import { Ctx } from '../../../src/model/nn/context';
import { ParamStore } from '../../../src/model/nn/params';

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
      const got = await run((x, g, b) => {
        const r = normTrain(x, { perSample, eps: EPS, leaky, gamma: g, beta: b });
        const stats = r.moments.size / 2;
        return { y: r.y, mean: tf.slice(r.moments, 0, stats), variance: tf.slice(r.moments, stats, stats) };
      });
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      for (let i = 0; i < want.length; i++) close(got[i], want[i], names[i], i < 3 ? 2e-5 : 2e-4);
    }),
    { numRuns: 40 },
  );
});

test('runningStat: the composed exponential average, from the mean or the variance half of the moments', async () => {
  await selectBackend('webgpu');
  const running = [0.5, -1, 2, 3.25, 0];
  const mean = [1.5, 2, -0.75, 3, 9];
  const variance = [0.25, 4, 1.5, 0.125, 7];
  const { scale, m } = { scale: 10 / 9, m: 0.1 };
  for (const [which, stat] of [[0, mean], [1, variance]] as const) {
    const want = tf.tidy(() => {
      const r = tf.tensor1d(running);
      return tf.add(tf.mul(r, 1 - m), tf.mul(tf.mul(tf.tensor1d(stat), scale), m));
    });
    const w = await want.data();
    const got = runningStat(tf.tensor1d(running), tf.tensor1d([...mean, ...variance]), which, m, scale);
    close(await got.data(), w, `running ${which ? 'variance' : 'mean'}`, 1e-6);
    tf.dispose([want, got]);
  }
});

test('BatchNorm2d in train mode on WebGPU (fused) gives the output and running statistics it gives on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const shape: [number, number, number, number] = [2, 5, 3, 4];
  const xs = Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.37) * 3 + 1);
  const gs = Float32Array.from({ length: 120 }, (_, i) => Math.cos(i * 0.21));
  const bs = Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.53));
  const run = async () => {
    const bn = new BatchNorm2d('bn', 4, false);
    const params = ParamStore.initialise(bn.specs(), 3);
    const ctx = new Ctx(params, true);
    const x = tf.tensor4d(xs, shape);
    const [g, b] = [tf.tensor4d(gs, shape), tf.tensor4d(bs, shape)];
    // cpu: what spade.ts composes when trainFused does not run.
    const composed = () => tf.leakyRelu(tf.add(tf.mul(bn.forward(ctx, x), tf.add(g, 1)), b), 0.2);
    const y = bn.trainFused(ctx, x, { gamma: g, beta: b }, true) ?? composed();
    const out = [y, ...['running_mean', 'running_var', 'num_batches_tracked'].map((k) => ctx.updates.get(`bn.${k}`)!)];
    const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
    tf.dispose([x, g, b, y, ...ctx.updates.values()]);
    params.dispose();
    return values;
  };
  await selectBackend('cpu');
  const want = await run();
  await selectBackend('webgpu');
  assert.ok(canNormTrainOnWebGPU());
  const got = await run();
  ['y', 'running_mean', 'running_var', 'num_batches_tracked'].forEach((name, i) => close(got[i], want[i], name, 2e-5));
});
