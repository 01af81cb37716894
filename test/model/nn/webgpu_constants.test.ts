// Shared scalar constants on WebGPU (Dawn on llvmpipe): ops that take JS numbers compute the
// same values as on cpu, a repeated number is uploaded once, and an in-place write never
// reaches a shared constant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { countsSince, gpuCounts, installGpuCounter } from '../../../src/cli/bench/gpu_profile';
import { adamInPlace } from '../../../src/model/train/webgpu_adam';

const N = 2048; // above WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD, so the ops run on the GPU

async function onBackend(name: string, f: () => tf.Tensor): Promise<Float32Array | Int32Array> {
  await tf.setBackend(name);
  const t = f();
  const v = (await t.data()) as Float32Array | Int32Array;
  t.dispose();
  return v;
}

test('scalar constants: same results as cpu, one upload per distinct value, never written in place', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  installGpuCounter();
  const x = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 3);
  const ix = Int32Array.from({ length: N }, (_, i) => i - 1000);
  const programs: Array<() => tf.Tensor> = [
    () => tf.add(tf.mul(tf.tensor1d(x), 0.1), 2.5),
    () => tf.sub(tf.div(tf.tensor1d(x), 0.1), tf.mul(tf.tensor1d(x), 2.5)),
    () => tf.maximum(tf.tensor1d(x), -1e-12),
    () => tf.mul(tf.tensor1d(ix, 'int32'), tf.scalar(3, 'int32')),
    // The same number as int32 and as float32: different bytes, two constants.
    () => tf.add(tf.tensor1d(ix, 'int32'), tf.scalar(3, 'int32')),
    () => tf.add(tf.tensor1d(x), 3),
    // Index lists are shared too: two gathers by different lists, then by the first again.
    () => tf.gather(tf.tensor1d(x), tf.tensor1d([5, 3, 3, 0], 'int32')),
    () => tf.gather(tf.tensor1d(x), tf.tensor1d([1, 2, 2, 7], 'int32')),
    () => tf.gather(tf.tensor1d(x), tf.tensor1d([5, 3, 3, 0], 'int32')),
  ];
  for (const [i, f] of programs.entries()) {
    const want = await onBackend('cpu', f);
    const got = await onBackend('webgpu', f);
    assert.deepEqual(Array.from(got), Array.from(want), `program ${i}`);
  }

  // The same number again: only the tensor's own values move.
  await tf.setBackend('webgpu');
  const before = gpuCounts();
  const y = tf.add(tf.mul(tf.tensor1d(x), 0.1), 2.5);
  const big = tf.tensor1d(x);
  const picked = tf.gather(big, tf.tensor1d([5, 3, 3, 0], 'int32'));
  await Promise.all([y.data(), picked.data()]);
  tf.dispose([y, big, picked]);
  assert.equal(countsSince(before).uploads, 2, 'the 0.1, the 2.5 and the indices were made once; x moved twice');

  // A one-value variable updated in place gets its own buffer: the shared 2.5 stays 2.5.
  const p = tf.variable(tf.scalar(2.5));
  const mv = tf.variable(tf.zeros([2]));
  adamInPlace(p, mv, tf.scalar(1), { beta1: 0.5, beta2: 0.9, stepSize: 1, c2: 1, eps: 1e-8 });
  assert.notEqual((await p.data())[0], 2.5);
  const z = tf.add(tf.zeros([N]), 2.5);
  assert.ok(Array.from(await z.data()).every((a) => a === 2.5), 'the shared constant was not overwritten');
  const zero = tf.add(tf.zeros([N]), tf.scalar(0));
  assert.ok(Array.from(await zero.data()).every((a) => a === 0), 'the shared zero was not overwritten');
});
