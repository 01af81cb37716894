import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { SPADEResnetBlock } from '../src/model/networks/resblock';
import { ParamStore } from '../src/model/nn/params';
import { parseNormG } from '../src/model/config';
import { loadCase, netWeights, nhwc, ref, useBackend } from './helpers/reference';
import { checkParity } from './helpers/parity';

test('SPADEResnetBlock (learned shortcut, spectral norm) matches NVlabs', async () => {
  await useBackend('cpu');
  const c = loadCase('resblock');
  const o = c.json.options as { fin: number; fout: number; norm_G: string; semantic_nc: number };
  const block = new SPADEResnetBlock('', o.fin, o.fout, parseNormG(o.norm_G), o.semantic_nc, 128);
  assert.ok(block.learnedShortcut);
  const params = ParamStore.fromHost(block.specs(), netWeights(c, 'block'), 'resblock');
  const x = tf.variable(nhwc(ref(c, 'x')), true, 'resblock_x');
  const seg = nhwc(ref(c, 'label_onehot')) as tf.Tensor4D;
  const r = checkParity(c, params, (ctx, xv) => block.forward(ctx, xv as tf.Tensor4D, seg), { x });
  assert.ok(r.worstBuffer >= 0 && r.checked > 20, `checked ${r.checked}`);
});
