import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Ctx } from '../../src/model/nn/context';
import { assertActivation, assertParam, loadCase, nhwc, ref, useBackend } from '../helpers/reference';
import { spadeLayerOf } from '../helpers/fixture_modules';

test('SPADE layer matches NVlabs (eval, train, gradients, running stats)', async () => {
  await useBackend('cpu');
  const c = loadCase('spade_layer');
  const { layer, params } = spadeLayerOf(c);
  const x = tf.variable(nhwc(ref(c, 'x')), true, 'spade_x') as tf.Variable<tf.Rank.R4>;
  const seg = nhwc(ref(c, 'label_onehot')) as tf.Tensor4D;

  const evalTaps = new Map<string, tf.Tensor>();
  const outEval = layer.forward(new Ctx(params, false, evalTaps), x, seg);
  assertActivation(outEval, ref(c, 'out_eval'), 1e-4, 'out_eval');
  for (const name of ['seg_resized', 'normalized', 'actv', 'gamma', 'beta']) {
    assertActivation(evalTaps.get(name)!, ref(c, `eval/${name}`), 1e-4, `eval/${name}`);
  }

  const trainTaps = new Map<string, tf.Tensor>();
  const ctx = new Ctx(params, true, trainTaps);
  const R = nhwc(ref(c, 'R'));
  let outTrain: tf.Tensor | undefined;
  const varList = [...params.trainableVariables(), x];
  const { grads } = tf.variableGrads(() => {
    const y = layer.forward(ctx, x, seg);
    outTrain = tf.keep(y);
    return tf.sum(tf.mul(y, R));
  }, varList);
  assertActivation(outTrain!, ref(c, 'out_train'), 1e-4, 'out_train');
  assertActivation(trainTaps.get('normalized')!, ref(c, 'train/normalized'), 1e-4, 'train/normalized');
  let checked = 0;
  for (const key of c.io.keys()) {
    if (!key.startsWith('grad/')) continue;
    const p = key.slice('grad/'.length);
    const v = p === 'input_x' ? x : params.get(p);
    const g = grads[v.name];
    assert.ok(g, `no gradient for ${p}`);
    if (p === 'input_x') assertActivation(g, ref(c, key), 1e-3, key);
    else assertParam(g, ref(c, key), 1e-3, key);
    checked++;
  }
  assert.ok(checked >= 4);
  params.applyUpdates(ctx.updates);
  for (const key of c.io.keys()) {
    if (key.startsWith('post_train/')) assertParam(params.get(key.slice('post_train/'.length)), ref(c, key), 1e-4, key);
  }
});
