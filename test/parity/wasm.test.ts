// Forward passes on the wasm backend (what the CLI uses by default) against the reference.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SPADEGenerator } from '../../src/model/networks/generator';
import { ConvEncoder } from '../../src/model/networks/encoder';
import { MultiscaleDiscriminator } from '../../src/model/networks/discriminator';
import { ParamStore } from '../../src/model/nn/params';
import { Ctx } from '../../src/model/nn/context';
import { parseOptTxt } from '../../src/model/opt_txt';
import { semanticInput } from '../../src/model/preprocess';
import { assertActivation, loadCase, netWeights, nhwc, ref, useBackend } from '../helpers/reference';
import { checkParity } from '../helpers/parity';
import { resblockOf } from '../helpers/fixture_modules';

test('wasm: SPADEResnetBlock eval forward and taps', async () => {
  await useBackend('wasm');
  const c = loadCase('resblock');
  const { block, params } = resblockOf(c);
  const seg = nhwc(ref(c, 'label_onehot')) as tf.Tensor4D;
  checkParity(c, params, (ctx) => block.forward(ctx, nhwc(ref(c, 'x')) as tf.Tensor4D, seg), { evalOnly: true });
});

for (const name of ['gen_normal_vae', 'gen_more_noinst_novae']) {
  test(`wasm: generator ${name} eval forward and per-block outputs`, async () => {
    await useBackend('wasm');
    const c = loadCase(name);
    const cfg = parseOptTxt(fs.readFileSync(path.join(c.dir, 'opt.txt'), 'utf8'), 'opt.txt');
    const G = new SPADEGenerator(cfg);
    const params = ParamStore.fromHost(G.specs(), netWeights(c, 'G'), name);
    const ids = ref(c, 'label_ids');
    const seg = semanticInput(cfg, { ids: Int32Array.from(ids.data), n: ids.shape[0], h: ids.shape[1], w: ids.shape[2] });
    const z = cfg.use_vae ? (nhwc(ref(c, 'z')) as tf.Tensor2D) : undefined;
    checkParity(c, params, (ctx) => G.forward(ctx, seg, z), { evalOnly: true });
  });
}

test('wasm: encoder mu/logvar and discriminator features', async () => {
  await useBackend('wasm');
  const c = loadCase('gen_normal_vae');
  const cfg = parseOptTxt(fs.readFileSync(path.join(c.dir, 'opt.txt'), 'utf8'), 'opt.txt');
  const E = new ConvEncoder(cfg);
  const pe = ParamStore.fromHost(E.specs(), netWeights(c, 'E'), 'E');
  const { mu, logvar } = E.forward(new Ctx(pe, false), nhwc(ref(c, 'image')) as tf.Tensor4D);
  assertActivation(mu, ref(c, 'E/mu'), 1e-4, 'E/mu');
  assertActivation(logvar, ref(c, 'E/logvar'), 1e-4, 'E/logvar');
  const D = new MultiscaleDiscriminator(cfg);
  const pd = ParamStore.fromHost(D.specs(), netWeights(c, 'D'), 'D');
  const sem = nhwc(ref(c, 'label_onehot'));
  const input = tf.concat([tf.concat([sem, nhwc(ref(c, 'out_eval'))], 3), tf.concat([sem, nhwc(ref(c, 'image'))], 3)], 0) as tf.Tensor4D;
  D.forward(new Ctx(pd, false), input).forEach((s, i) => s.forEach((t, j) => assertActivation(t, ref(c, `D/eval/scale${i}/layer${j}`), 1e-4, `D ${i}/${j}`)));
});
