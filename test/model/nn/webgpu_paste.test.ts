// The one-dispatch paste on WebGPU (Dawn's software adapter) against the same paste on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { canPasteOnWebGPU, pasteOnWebGPU } from '../../../src/model/nn/webgpu_paste';
import { mulberry32 } from '../../../src/model/random';
import { useBackend } from '../../helpers/reference';

test('paste on WebGPU copies the patch over the box and full elsewhere, exactly', async () => {
  await useBackend('webgpu');
  assert.ok(canPasteOnWebGPU(), 'the paste kernel runs on webgpu');
  const rnd = mulberry32(5);
  for (const [n, h, w, c] of [[1, 9, 13, 3], [2, 16, 16, 8], [1, 40, 24, 5]]) {
    for (let trial = 0; trial < 6; trial++) {
      const y0 = Math.floor(rnd() * h);
      const x0 = Math.floor(rnd() * w);
      const box = { y0, x0, y1: y0 + 1 + Math.floor(rnd() * (h - y0)), x1: x0 + 1 + Math.floor(rnd() * (w - x0)) };
      const bh = box.y1 - box.y0;
      const bw = box.x1 - box.x0;
      const full = Float32Array.from({ length: n * h * w * c }, () => rnd());
      const patch = Float32Array.from({ length: n * bh * bw * c }, () => -rnd());
      const want = full.slice();
      for (let k = 0; k < n; k++)
        for (let y = 0; y < bh; y++)
          for (let x = 0; x < bw; x++) {
            const to = ((k * h + y + y0) * w + x + x0) * c;
            const from = ((k * bh + y) * bw + x) * c;
            want.set(patch.subarray(from, from + c), to);
          }
      const ft = tf.tensor4d(full, [n, h, w, c]);
      const pt = tf.tensor4d(patch, [n, bh, bw, c]);
      const before = tf.memory().numTensors;
      const out = pasteOnWebGPU(ft, pt, box);
      assert.equal(tf.memory().numTensors, before + 1);
      assert.deepEqual(out.shape, [n, h, w, c]);
      assert.deepEqual(await out.data(), want, `${[n, h, w, c]} box ${JSON.stringify(box)}`);
      tf.dispose([ft, pt, out]);
    }
  }
  const full = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  assert.throws(() => pasteOnWebGPU(full, tf.zeros([1, 2, 2, 2]), { y0: 3, y1: 5, x0: 0, x1: 2 }), /does not fit/);
  assert.throws(() => pasteOnWebGPU(full, tf.zeros([1, 2, 3, 2]), { y0: 0, y1: 2, x0: 0, x1: 2 }), /does not fit/);
});
