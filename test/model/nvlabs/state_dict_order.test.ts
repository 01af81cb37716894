// Our parameter specs, put in PyTorch's state-dict order, list the keys exactly as NVlabs'
// own saved G, D and E do (the reference fixtures were saved by NVlabs' networks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPth } from '../../../src/model/checkpoint/pth';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { parseOptTxt } from '../../../src/model/opt_txt';
import { SPADEGenerator } from '../../../src/model/networks/generator';
import { ConvEncoder } from '../../../src/model/networks/encoder';
import { MultiscaleDiscriminator } from '../../../src/model/networks/discriminator';
import { torchStateDictOrder } from '../../../src/model/nvlabs/state_dict_order';
import { FIXTURES } from '../../helpers/reference';

function specOrder(keys: readonly string[]): string[] {
  const tensors: NamedTensors = new Map(keys.map((k) => [k, { shape: [1], data: new Float32Array(1), sourceDtype: 'F32' }]));
  return [...torchStateDictOrder(tensors).keys()];
}

for (const [fixture, nets] of [['gen_normal_vae', ['G', 'D', 'E']], ['gen_more_noinst_novae', ['G']]] as const) {
  test(`G, D, E keys in NVlabs' order (${fixture})`, () => {
    const dir = path.join(FIXTURES, fixture);
    const cfg = parseOptTxt(fs.readFileSync(path.join(dir, 'opt.txt'), 'utf8'), 'opt.txt');
    const builders = {
      G: () => new SPADEGenerator(cfg),
      D: () => new MultiscaleDiscriminator(cfg),
      E: () => new ConvEncoder(cfg),
    };
    for (const net of nets) {
      const theirs = [...readPth(new Uint8Array(fs.readFileSync(path.join(dir, `${net}.pth`))), `${net}.pth`).keys()];
      const ours = builders[net]().specs().map((s) => s.key);
      // G's spectral convs have biases: its specs alone are not in PyTorch's order, so this can fail.
      if (net === 'G') assert.notDeepEqual(ours, theirs);
      assert.deepEqual(specOrder(ours), theirs, net);
    }
  });
}
