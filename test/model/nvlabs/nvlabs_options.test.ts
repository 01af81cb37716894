// opt.txt in the form NVlabs' save_options writes it, readable by our opt.txt reader, and the
// train.py flags that reproduce it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeConfig } from '../../../src/model/config';
import { formatOptTxt, nvlabsOptionValues, trainFlags } from '../../../src/model/nvlabs/nvlabs_options';
import { parseOptTxt } from '../../../src/model/opt_txt';

const cfg = makeConfig({
  label_nc: 11,
  contain_dontcare_label: true,
  no_instance: true,
  ngf: 16,
  ndf: 32,
  use_vae: true,
  aspect_ratio: 2,
  lambda_kld: 0.00001,
});
const training = {
  batch: 4, lr: 0.0001, beta1: 0, beta2: 0.9, no_TTUR: false, niter: 7, niter_decay: 3, preprocess_mode: 'resize_and_crop', load_size: 286, no_flip: false,
  dataset: { dataset_mode: 'custom', label_dir: '/data/my run/labels', image_dir: '/data/my run/images' },
};

test('every line is `{:>25}: {:<30}` with [default: …] where the value differs, sorted by name', () => {
  const text = formatOptTxt(nvlabsOptionValues(cfg, 'landscape', training));
  const lines = text.trimEnd().split('\n');
  const keys = lines.map((l) => l.split(':')[0].trim());
  assert.deepEqual(keys, [...keys].sort());
  for (const l of lines) assert.match(l, /^ *[A-Za-z_][A-Za-z0-9_]*: .*/);
  assert.ok(lines.every((l) => l.indexOf(':') === 25), 'names right-aligned to 25 columns');
  assert.ok(lines.includes(`${'ngf'.padStart(25)}: ${'16'.padEnd(30)}\t[default: 64]`));
  assert.ok(lines.includes(`${'aspect_ratio'.padStart(25)}: ${'2.0'.padEnd(30)}\t[default: 1.0]`), 'Python floats keep their point');
  assert.ok(lines.includes(`${'lambda_kld'.padStart(25)}: ${'1e-05'.padEnd(30)}\t[default: 0.05]`), 'and Python\'s exponent form');
  assert.ok(lines.includes(`${'beta1'.padStart(25)}: ${'0.0'.padEnd(30)}`), 'a default has no comment');
  assert.ok(lines.includes(`${'image_dir'.padStart(25)}: ${'/data/my run/images'.padEnd(30)}\t[default: None]`));
});

test('our opt.txt reader gets the model back from it', () => {
  assert.deepEqual(parseOptTxt(formatOptTxt(nvlabsOptionValues(cfg, 'x', training)), 'opt.txt'), cfg);
  assert.deepEqual(parseOptTxt(formatOptTxt(nvlabsOptionValues(cfg, 'x')), 'opt.txt'), cfg);
});

test('the train.py flags name every option that differs from NVlabs\' default, quoted for a shell', () => {
  const values = nvlabsOptionValues(cfg, 'landscape', training);
  const flags = trainFlags(values, { gpu_ids: '0,1,2,3', batchSize: 32 });
  const joined = flags.join(' ');
  for (const f of ['--name landscape', '--label_nc 11', '--contain_dontcare_label', '--no_instance', '--use_vae', '--ngf 16', '--ndf 32',
    '--aspect_ratio 2.0', '--lr 0.0001', '--niter 7', '--niter_decay 3', '--batchSize 32', '--gpu_ids 0,1,2,3', '--continue_train', '--no_vgg_loss',
    "--label_dir '/data/my run/labels'", '--dataset_mode custom']) {
    assert.ok(joined.includes(f), `${f} in: ${joined}`);
  }
  assert.doesNotMatch(joined, /--isTrain|--beta1|--batchSize 4|--crop_size/, 'no defaults, no overridden values, nothing train.py does not take');
});
