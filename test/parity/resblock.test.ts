import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadCase, nhwc, ref, useBackend } from '../helpers/reference';
import { checkParity } from '../helpers/parity';
import { resblockOf } from '../helpers/fixture_modules';

test('SPADEResnetBlock (learned shortcut, spectral norm) matches NVlabs', async () => {
  await useBackend('cpu');
  const c = loadCase('resblock');
  const { block, params } = resblockOf(c);
  assert.ok(block.learnedShortcut);
  const x = tf.variable(nhwc(ref(c, 'x')), true, 'resblock_x');
  const seg = nhwc(ref(c, 'label_onehot')) as tf.Tensor4D;
  const r = checkParity(c, params, (ctx, xv) => block.forward(ctx, xv as tf.Tensor4D, seg), { x });
  assert.ok(r.worstBuffer >= 0 && r.checked > 20, `checked ${r.checked}`);
});
