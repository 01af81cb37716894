// syncMoments with a single replica: the values and gradients of tf.moments over the batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { syncMoments, type CrossReplica } from '../../../src/model/nn/sync_moments';
import { seededNormal } from '../../../src/model/random';

const alone: CrossReplica = { rank: 0, size: 1, sum: (v) => v.slice() };

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('one replica: mean, biased variance, count and the gradient of a loss through them match tf.moments', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor4d(seededNormal(2 * 3 * 4 * 5, 9).map((v, i) => v * (1 + (i % 5)) + (i % 5)), [2, 3, 4, 5]);
  const weights = tf.tensor1d([0.3, -1, 2, 0.5, 1.5]);
  // A loss that uses both statistics and x itself, as a batch norm does.
  const loss = (moments: (t: tf.Tensor4D) => { mean: tf.Tensor; variance: tf.Tensor }) => (t: tf.Tensor) => {
    const { mean, variance } = moments(t as tf.Tensor4D);
    const y = tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    return tf.sum(tf.mul(tf.square(y), tf.mul(weights, tf.sin(t))));
  };
  const ours = syncMoments(x, alone);
  const ref = tf.moments(x, [0, 1, 2]);
  assert.equal(ours.count, 24);
  close(ours.mean.dataSync(), ref.mean.dataSync(), 1e-5, 'mean');
  close(ours.variance.dataSync(), ref.variance.dataSync(), 1e-4, 'variance');
  const g = tf.grad(loss((t) => syncMoments(t, alone)))(x).dataSync();
  const gRef = tf.grad(loss((t) => tf.moments(t, [0, 1, 2])))(x).dataSync();
  const scale = Math.max(...Array.from(gRef, Math.abs));
  assert.ok(scale > 0.1);
  close(g, gRef, 1e-4 * scale, 'gradient');
});
