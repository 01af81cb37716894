// resizeNearest on WebGPU (one kernel, Dawn on llvmpipe) picks exactly the pixels the gathers
// pick on cpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { resizeNearest } from '../../../src/model/nn/ops';
import { canResizeOnWebGPU } from '../../../src/model/nn/webgpu_resize';

test('resizeNearest on WebGPU equals the gathers on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const dim = fc.integer({ min: 1, max: 20 });
  const cases = fc.record({
    n: fc.integer({ min: 1, max: 2 }),
    inH: dim,
    inW: dim,
    h: dim,
    w: dim,
    c: fc.integer({ min: 1, max: 5 }),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ n, inH, inW, h, w, c }) => {
      const xs = Float32Array.from({ length: n * inH * inW * c }, (_, i) => i);
      const run = async () => {
        const y = tf.tidy(() => resizeNearest(tf.tensor4d(xs, [n, inH, inW, c]), h, w));
        const r = { shape: y.shape, values: Array.from(await y.data()) };
        y.dispose();
        return r;
      };
      await selectBackend('cpu');
      const want = await run();
      await selectBackend('webgpu');
      assert.ok(canResizeOnWebGPU());
      assert.deepEqual(await run(), want);
    }),
    { numRuns: 40 },
  );
});
