// The Sum and Mean gradients registered for WebGPU give, on WebGPU (Dawn on llvmpipe), exactly
// what TF.js's own formula (dy times ones(x.shape), then / n for Mean) gives there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { registerWebGPUGradients } from '../../../src/model/nn/webgpu_gradients';

test('Sum and Mean gradients equal TF.js formula bit for bit', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  registerWebGPUGradients();
  const cases = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    keepDims: fc.boolean(),
    mean: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, pick, keepDims, mean }) => {
      const axes = shape.map((_, i) => i).filter((i) => pick[i]);
      const axis = axes.length ? axes : [0];
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7)), shape);
      const reduce = (t: tf.Tensor) => (mean ? tf.mean(t, axis, keepDims) : tf.sum(t, axis, keepDims));
      const y = reduce(x);
      const dy = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.cos(i * 1.3) * 3), y.shape);
      const got = tf.grad(reduce)(x, dy);
      const kept = shape.map((d, i) => (axis.includes(i) ? 1 : d));
      const times = tf.mul(tf.reshape(dy, kept), tf.ones(shape));
      const want = mean ? tf.div(times, n / y.size) : times;
      assert.deepEqual(got.shape, shape);
      assert.deepEqual(Array.from(await got.data()), Array.from(await want.data()));
      tf.dispose([x, y, dy, got, times, want]);
    }),
    { numRuns: 40 },
  );
});

test('ReLU, LeakyReLU, Abs and whole-tensor Mean gradients: one kernel each on WebGPU, the values TF.js gives on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const cases = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  });
  const grads = (xs: Float32Array, dys: Float32Array, shape: number[]) =>
    tf.tidy(() => {
      const x = tf.tensor(xs, shape);
      const dy = tf.tensor(dys, shape);
      const meanDy = tf.scalar(dys[0]);
      return [
        tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy),
        tf.grad((t: tf.Tensor) => tf.leakyRelu(t, 0.2))(x, dy),
        tf.grad((t: tf.Tensor) => tf.abs(t))(x, dy),
        tf.grad((t: tf.Tensor) => tf.mean(t))(x, meanDy),
      ];
    });
  await fc.assert(
    fc.asyncProperty(cases, async ({ shape, seed }) => {
      const n = shape.reduce((a, b) => a * b, 1);
      // Zeros included: the kernels must treat x == 0 as TF.js does.
      const xs = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : Math.sin(seed + i * 0.7) * 3));
      const dys = Float32Array.from({ length: n }, (_, i) => Math.cos(seed + i * 1.3) * 2);
      await selectBackend('cpu');
      const want = await Promise.all(grads(xs, dys, shape).map(async (t) => Array.from(await t.data())));
      await selectBackend('webgpu');
      registerWebGPUGradients();
      const got = await Promise.all(grads(xs, dys, shape).map(async (t) => Array.from(await t.data())));
      ['relu', 'leakyRelu', 'abs', 'mean'].forEach((name, k) => assert.deepEqual(got[k], want[k], name));
    }),
    { numRuns: 30 },
  );
});
