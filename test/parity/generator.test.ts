import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SPADEGenerator } from '../../src/model/networks/generator';
import { ParamStore } from '../../src/model/nn/params';
import { parseOptTxt } from '../../src/model/opt_txt';
import { semanticInput } from '../../src/model/preprocess';
import { assertActivation, loadCase, netWeights, nhwc, ref, useBackend } from '../helpers/reference';
import { checkParity } from '../helpers/parity';

for (const name of ['gen_normal_vae', 'gen_more_noinst_novae']) {
  test(`SPADEGenerator ${name} matches NVlabs (eval, train, per-block, gradients, buffers)`, async () => {
    await useBackend('cpu');
    const c = loadCase(name);
    const cfg = parseOptTxt(fs.readFileSync(path.join(c.dir, 'opt.txt'), 'utf8'), 'opt.txt');
    const G = new SPADEGenerator(cfg);
    const params = ParamStore.fromHost(G.specs(), netWeights(c, 'G'), name);

    const ids = ref(c, 'label_ids');
    const [n, h, w] = ids.shape;
    const seg = semanticInput(cfg, { ids: Int32Array.from(ids.data), n, h, w });
    assertActivation(seg, ref(c, 'label_onehot'), 0, 'one-hot');
    const z = cfg.use_vae ? (nhwc(ref(c, 'z')) as tf.Tensor2D) : undefined;

    const r = checkParity(c, params, (ctx) => G.forward(ctx, seg, z), { bufferPrefix: 'G.' });
    assert.ok(r.checked > 30, `checked ${r.checked}`);
  });
}
