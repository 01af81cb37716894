// A preview's label batch: larger maps shrunk to the output (nearest, like resizeNearest on the
// one-hot map), smaller ones kept, instances only for models that want them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { makeConfig } from '../../../src/model/config';
import { previewBatch } from '../../../src/model/live/preview_batch';
import { resizeNearest } from '../../../src/model/nn/ops';
import { SpadeInputError } from '../../../src/model/errors';
import { mulberry32 } from '../../../src/model/random';
import { useBackend } from '../../helpers/reference';

// Output 32 x 64 (aspect 2).
const cfg = makeConfig({ label_nc: 5, no_instance: true, ngf: 2, spade_hidden: 8, crop_size: 64, aspect_ratio: 2 });

function randomIds(n: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  return Int32Array.from({ length: n }, () => Math.floor(rnd() * 5));
}

test('a larger map shrinks to the output size as the generator\'s nearest resize would', async () => {
  await useBackend('cpu');
  for (const [w, h] of [[128, 64], [200, 77], [65, 33]]) {
    const ids = randomIds(w * h, w);
    const b = previewBatch(cfg, ids, w, h);
    assert.deepEqual([b.n, b.h, b.w], [1, 32, 64]);
    const want = tf.tidy(() => resizeNearest(tf.tensor4d(Float32Array.from(ids), [1, h, w, 1]), 32, 64).dataSync());
    assert.deepEqual(Array.from(b.ids), Array.from(want), `${w}x${h}`);
    assert.equal(b.instances, undefined);
  }
});

test('a map no larger than the output is kept; instance models get the class map as instances', () => {
  const ids = randomIds(40 * 20, 3);
  const b = previewBatch(makeConfig({ ...cfg, no_instance: false }), ids, 40, 20);
  assert.equal(b.ids, ids);
  assert.equal(b.instances, ids);
  assert.deepEqual([b.h, b.w], [20, 40]);
});

test('ids that do not fill the map are refused', () => {
  assert.throws(() => previewBatch(cfg, new Int32Array(10), 4, 4), (e: Error) => e instanceof SpadeInputError && /10 ids for 4x4/.test(e.message));
});
