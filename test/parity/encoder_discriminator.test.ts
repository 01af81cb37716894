import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConvEncoder, reparameterize } from '../../src/model/networks/encoder';
import { MultiscaleDiscriminator, downsample } from '../../src/model/networks/discriminator';
import { featureMatchingLoss, ganLoss, kldLoss } from '../../src/model/losses';
import { ParamStore } from '../../src/model/nn/params';
import { Ctx } from '../../src/model/nn/context';
import { parseOptTxt } from '../../src/model/opt_txt';
import { assertActivation, assertParam, loadCase, netWeights, nhwc, ref, relErr, useBackend } from '../helpers/reference';

const c = loadCase('gen_normal_vae');
const cfg = parseOptTxt(fs.readFileSync(path.join(c.dir, 'opt.txt'), 'utf8'), 'opt.txt');

test('ConvEncoder matches NVlabs: bilinear resize, every layer, mu/logvar (eval and train), reparameterization', async () => {
  await useBackend('cpu');
  const E = new ConvEncoder(cfg);
  const params = ParamStore.fromHost(E.specs(), netWeights(c, 'E'), 'E');
  const image = nhwc(ref(c, 'image')) as tf.Tensor4D;
  const taps = new Map<string, tf.Tensor>();
  const { mu, logvar } = E.forward(new Ctx(params, false, taps), image);
  assertActivation(mu, ref(c, 'E/mu'), 1e-4, 'E/mu');
  assertActivation(logvar, ref(c, 'E/logvar'), 1e-4, 'E/logvar');
  const resized = taps.get('input_resized')!;
  assertActivation(tf.slice(resized, [0, 0, 0, 0], [-1, 16, 16, -1]), ref(c, 'E/eval/input_resized_tl'), 1e-4, 'resize top-left');
  assertActivation(tf.slice(resized, [0, 240, 240, 0], [-1, 16, 16, -1]), ref(c, 'E/eval/input_resized_br'), 1e-4, 'resize bottom-right');
  for (let i = 1; i <= 6; i++) assertActivation(taps.get(`layer${i}`)!, ref(c, `E/eval/layer${i}`), 1e-4, `E/eval/layer${i}`);
  const z = reparameterize(mu, logvar, nhwc(ref(c, 'E/eps')) as tf.Tensor2D);
  assertActivation(z, ref(c, 'E/z_reparam'), 1e-4, 'E/z_reparam');
  assert.ok(Math.abs(kldLoss(mu, logvar).dataSync()[0] - ref(c, 'loss/KLD').data[0]) <= 1e-4 * Math.abs(ref(c, 'loss/KLD').data[0]), 'KLD');

  const train = E.forward(new Ctx(params, true), image);
  assertActivation(train.mu, ref(c, 'E/mu_train'), 1e-4, 'E/mu_train');
  assertActivation(train.logvar, ref(c, 'E/logvar_train'), 1e-4, 'E/logvar_train');
});

test('MultiscaleDiscriminator matches NVlabs: features per scale, avg-pool, train outputs, losses, gradients', async () => {
  await useBackend('cpu');
  const D = new MultiscaleDiscriminator(cfg);
  const params = ParamStore.fromHost(D.specs(), netWeights(c, 'D'), 'D');
  const sem = nhwc(ref(c, 'label_onehot'));
  const fake = tf.concat([sem, nhwc(ref(c, 'out_eval'))], 3);
  const real = tf.concat([sem, nhwc(ref(c, 'image'))], 3);
  const input = tf.concat([fake, real], 0) as tf.Tensor4D;

  assertActivation(tf.slice(downsample(input), [0, 0, 0, 0], [-1, 8, 8, -1]), ref(c, 'D/eval/scale1_input_crop'), 1e-4, 'scale1 input');
  const out = D.forward(new Ctx(params, false), input);
  out.forEach((scale, i) => scale.forEach((t, j) => assertActivation(t, ref(c, `D/eval/scale${i}/layer${j}`), 1e-4, `D scale${i} layer${j}`)));

  const half = (p: tf.Tensor4D[][], which: 0 | 1) => p.map((s) => s.map((t) => tf.split(t, 2, 0)[which]));
  const predFake = half(out, 0);
  const predReal = half(out, 1);
  const scalar = (name: string) => ref(c, name);
  const losses: [string, tf.Scalar][] = [
    ['loss/G_hinge', ganLoss(predFake, true, false)],
    ['loss/D_fake', ganLoss(predFake, false, true)],
    ['loss/D_real', ganLoss(predReal, true, true)],
    ['loss/GAN_feat', featureMatchingLoss(predFake, predReal, cfg.lambda_feat)],
  ];
  for (const [name, v] of losses) assert.ok(relErr(v.dataSync(), scalar(name)) <= 1e-4, `${name}: ${v.dataSync()[0]} vs ${scalar(name).data[0]}`);

  const ctx = new Ctx(params, true);
  let trainOut: tf.Tensor4D[][] = [];
  const { value, grads } = tf.variableGrads(() => {
    const p = D.forward(ctx, input);
    trainOut = p.map((s) => [tf.keep(s[s.length - 1])]);
    return tf.add(ganLoss(half(p, 0), false, true), ganLoss(half(p, 1), true, true)) as tf.Scalar;
  }, params.trainableVariables());
  assert.ok(relErr(value.dataSync(), scalar('loss/D_train_total')) <= 1e-4, 'D_train_total');
  trainOut.forEach((s, i) => assertActivation(s[0], ref(c, `D/train/scale${i}/out`), 1e-4, `D/train/scale${i}/out`));
  let n = 0;
  for (const key of c.io.keys()) {
    if (!key.startsWith('D_grad/')) continue;
    assertParam(grads[params.get(key.slice('D_grad/'.length)).name], ref(c, key), 1e-3, key);
    n++;
  }
  assert.equal(n, 3);
  const kldW = tf.mul(kldLoss(nhwc(ref(c, 'E/mu')), nhwc(ref(c, 'E/logvar'))), cfg.lambda_kld);
  assert.ok(relErr(kldW.dataSync(), scalar('loss/KLD_weighted')) <= 1e-4, 'KLD_weighted');
});
