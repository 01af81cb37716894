import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latentSize, makeConfig, outputSize, parseNormG, pyRound, semanticNc } from '../../src/model/config';
import { parseOptTxt } from '../../src/model/opt_txt';
import { SpadeInputError } from '../../src/model/errors';
import { FIXTURES } from '../helpers/reference';

test("pyRound rounds half to even like Python's round()", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -1.5, 2.4, 2.6].map(pyRound), [0, 2, 2, 4, -2, 2, 3]);
  // sw 5, aspect 2 -> 2.5 -> 2 (JS Math.round would give 3)
  assert.deepEqual(latentSize(makeConfig({ crop_size: 160, aspect_ratio: 2 })), { sw: 5, sh: 2 });
  assert.deepEqual(outputSize(makeConfig({ crop_size: 160, aspect_ratio: 2 })), { height: 64, width: 160 });
});

test('opt.txt from the reference fixtures reads into the documented options', () => {
  const cfg = parseOptTxt(fs.readFileSync(path.join(FIXTURES, 'gen_normal_vae', 'opt.txt'), 'utf8'), 'opt.txt');
  assert.equal(cfg.label_nc, 6);
  assert.equal(cfg.contain_dontcare_label, true);
  assert.equal(cfg.use_vae, true);
  assert.equal(cfg.ngf, 1);
  assert.equal(cfg.norm_G, 'spectralspadebatch3x3');
  assert.equal(cfg.spade_hidden, 128, 'our addition defaults to NVlabs hard-coded width');
  assert.equal(semanticNc(cfg), 7);
  assert.deepEqual(parseNormG('spectralspadeinstance5x5'), { spectral: true, paramFree: 'instance', kernel: 5 });
});

test('bad options fail with one message that names the source and the option', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ label_nc: 0 }, /label_nc must be a positive integer/],
    [{ ngf: 1.5 }, /ngf must be a positive integer/],
    [{ crop_size: 64, num_upsampling_layers: 'more', aspect_ratio: 2 }, /crop_size 64 .* latent grid/],
    [{ norm_G: 'spadegroup3x3' }, /param-free norm 'group'/],
    [{ norm_G: 'instance' }, /not of the form/],
    [{ norm_D: 'spectralgroup' }, /norm_D 'spectralgroup'/],
    [{ num_upsampling_layers: 'many' }, /num_upsampling_layers must be normal, more or most/],
    [{ num_upsampling_layers: 'most', ngf: 1 }, /needs ngf ≥ 2/],
    [{ aspect_ratio: -1 }, /aspect_ratio must be a positive number/],
  ];
  for (const [partial, re] of bad) {
    assert.throws(() => makeConfig(partial as never, 'opt.txt'), (e: Error) => e instanceof SpadeInputError && e.message.startsWith('opt.txt: ') && re.test(e.message), String(re));
  }
  const texts: [string, RegExp][] = [
    ['', /no "name: value" lines/],
    ['\u0000\u0001garbage', /cannot read line/],
    ['----------------- Options ---------------\n ngf: 4\n', /no 'label_nc' line/],
    ['label_nc: six\nngf: 1\n', /label_nc must be a number, got 'six'/],
    ['label_nc: 6\nngf: 1\nuse_vae: maybe\n', /use_vae must be True or False/],
  ];
  for (const [text, re] of texts) assert.throws(() => parseOptTxt(text, 'opt.txt'), (e: Error) => e instanceof SpadeInputError && re.test(e.message), String(re));
});
