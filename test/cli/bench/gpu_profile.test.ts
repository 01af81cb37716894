// The GPU-work counter on Dawn's null backend: every count it reports is checked against a
// tiny program whose work is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { countsSince, gpuCounts, installGpuCounter } from '../../../src/cli/bench/gpu_profile';

const N = 4096;

test('counts dispatches, uploads, submits, readbacks and pipelines of known work', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=null';
  assert.equal(await selectBackend('webgpu'), 'webgpu');
  installGpuCounter();
  const run = async () => {
    const before = gpuCounts();
    // Above WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD, or TF.js computes on the CPU instead.
    const a = tf.fill([N], 2);
    const b = tf.tensor1d(new Float32Array(N).fill(1));
    const c = tf.add(a, b);
    const d = tf.exp(c);
    await d.data();
    tf.dispose([a, b, c, d]);
    return countsSince(before);
  };
  const first = await run();
  // fill runs a shader; the tensor1d's values are uploaded.
  assert.deepEqual(first.programs, { FillProgram: 1, BinaryOpProgram: 1, UnaryOpProgram: 1 });
  assert.equal(first.dispatches, 3);
  assert.equal(first.uploads, 1);
  assert.equal(first.upload_bytes, N * 4);
  assert.equal(first.readbacks, 1);
  assert.equal(first.pipelines_compiled, 3);
  // Deferred submits: the dispatches and the readback's copy go in one submit.
  assert.equal(first.submits, 1);
  const second = await run();
  assert.equal(second.pipelines_compiled, 0, 'pipelines are cached');
  assert.equal(second.dispatches, 3);
});
