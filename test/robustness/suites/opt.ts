/**
 * `opt.txt` and model options against a real checkpoint: fast-check writes garbage text, opt.txt
 * files with one option changed to a wrong type or an absurd value, and options that parse but
 * contradict the checkpoint's shapes; each goes through parseOptTxt, then SpadeModel.fromCheckpoint
 * on the reference generator. Also our own checkpoint format with the config in its metadata.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseOptTxt } from '../../../src/model/opt_txt';
import { readPth } from '../../../src/model/checkpoint/pth';
import { normalizeSpectralKeys, readCheckpoint, writeCheckpoint, type SpadeCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { labelSetFor } from '../../../src/model/io/label_sets';
import { SpadeModel } from '../../../src/model/model';
import { finish, input, runCase } from '../cases';

void tf.setBackend('cpu'); // the only backend imported here; it initialises synchronously
const OPT = 'fuzz_opt.txt';
const opts = { numRuns: input.numRuns, seed: input.seed, endOnFailure: true };
const REF = path.join(__dirname, '..', '..', 'fixtures', 'spade-reference', 'gen_normal_vae');
const HELDOUT = path.join(__dirname, '..', '..', 'fixtures', 'heldout');
const baseText = fs.readFileSync(path.join(REF, 'opt.txt'), 'utf8');
const G = normalizeSpectralKeys(readPth(new Uint8Array(fs.readFileSync(path.join(REF, 'G.pth'))), 'G.pth'), 'G.pth');

/** opt.txt -> config -> the reference G loaded under it (disposed at once). */
function load(text: string, name: string): void {
  const config = parseOptTxt(text, name);
  const ck: SpadeCheckpoint = {
    config,
    labelSet: labelSetFor(config.label_nc, config.contain_dontcare_label),
    nets: { G },
    extra: new Map(),
    info: {},
  };
  SpadeModel.fromCheckpoint(ck, name).dispose();
}

runCase('the reference opt.txt loads its checkpoint', OPT, () => load(baseText, OPT));

// 1. Garbage.
fc.check(
  fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => new TextDecoder('latin1').decode(b)), fc.array(fc.stringMatching(/^[a-z_]{1,12}: ?[A-Za-z0-9.\-]{0,8}$/), { maxLength: 8 }).map((l) => l.join('\n'))), (text) => {
    return runCase(`text ${JSON.stringify(text.slice(0, 80))}`, OPT, () => load(text, OPT));
  }),
  opts,
);

// 2. One option changed.
const KEYS = ['label_nc', 'ngf', 'z_dim', 'crop_size', 'aspect_ratio', 'num_upsampling_layers', 'use_vae', 'no_instance', 'contain_dontcare_label', 'norm_G', 'norm_E', 'output_nc', 'n_layers_D', 'num_D', 'spade_hidden', 'ndf', 'lambda_feat'];
const VALUES = ['0', '-1', '1', '2', '3', '7', '64', '1e9', '99999999999999999999', 'NaN', 'Infinity', '1.5', '', 'None', 'True', 'False', 'true', 'maybe', 'most', 'more', 'normal', 'spectralspadeinstance5x5', 'spectralspadesyncbatch3x3', 'spadebatch3x3', 'spectralinstance', 'x'.repeat(300), '__import__("os")', '[default: 3]'];
fc.check(
  fc.property(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), fc.boolean(), (key, value, drop) => {
    const re = new RegExp(`^(\\s*${key}:).*$`, 'm');
    const text = drop ? baseText.replace(re, '') : re.test(baseText) ? baseText.replace(re, `$1 ${value}`) : baseText.replace('-- End', `${key}: ${value}\n-- End`);
    return runCase(`${key} ${drop ? 'removed' : `= ${JSON.stringify(value.slice(0, 30))}`}`, OPT, () => load(text, OPT));
  }),
  opts,
);

// 3. Our format: the same config lies inside a safetensors file's metadata.
const ours = writeCheckpoint({ config: parseOptTxt(baseText, 'opt.txt'), labelSet: labelSetFor(6, true), nets: { G }, extra: new Map(), info: {} });
const ST = 'fuzz.safetensors';
fc.check(
  fc.property(
    fc.constantFrom(...KEYS),
    fc.oneof(fc.integer({ min: -2, max: 300 }), fc.double(), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null)),
    (key, value) => {
      const n = Number(new DataView(ours.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(ours.subarray(8, 8 + n))) as { __metadata__: Record<string, string> };
      const config = JSON.parse(header.__metadata__.config) as Record<string, unknown>;
      config[key] = value;
      header.__metadata__.config = JSON.stringify(config);
      const json = new TextEncoder().encode(JSON.stringify(header));
      const bytes = new Uint8Array(8 + json.length + ours.length - 8 - n);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
      bytes.set(json, 8);
      bytes.set(ours.subarray(8 + n), 8 + json.length);
      return runCase(`metadata.config.${key} = ${JSON.stringify(value)}`, ST, () =>
        SpadeModel.fromCheckpoint(readCheckpoint(bytes, ST), ST).dispose(),
      );
    },
  ),
  opts,
);

// 4. The hand-made corpus, against test/fixtures/heldout/G_legacy.pth.
const heldout = normalizeSpectralKeys(readPth(new Uint8Array(fs.readFileSync(path.join(HELDOUT, 'G_legacy.pth'))), 'G_legacy.pth'), 'G_legacy.pth');
const CORPUS = path.join(__dirname, '..', '..', 'fixtures', 'bad', 'opt');
export const OPT_CORPUS: Record<string, RegExp> = {
  'garbage.txt': /not an NVlabs opt\.txt/,
  'not_options.txt': /not an NVlabs opt\.txt: cannot read line 'hello world'/,
  'missing_label_nc.txt': /opt\.txt has no 'label_nc' line/,
  'bad_bool.txt': /use_vae must be True or False, got 'maybe'/,
  'bad_number.txt': /ngf must be a number, got 'lots'/,
  'zero_crop.txt': /crop_size must be a positive integer, got 0/,
  'bad_norm.txt': /norm_G 'spectralfancy3x3' is not of the form/,
  'contradicts_label_nc.txt': /checkpoint does not match the model options .*has shape \[\d+,7,5,5\] but the options imply \[\d+,11,5,5\]/,
  'contradicts_ngf.txt': /checkpoint does not match the model options .*has shape/,
  'contradicts_kernel.txt': /checkpoint does not match the model options .*has shape \[[\d,]+,5,5\] but the options imply \[[\d,]+,3,3\]/,
};
for (const [name, want] of Object.entries(OPT_CORPUS)) {
  const text = new TextDecoder('latin1').decode(fs.readFileSync(path.join(CORPUS, name)));
  runCase(`corpus ${name}`, name, () => {
    const config = parseOptTxt(text, name);
    const ck: SpadeCheckpoint = {
      config,
      labelSet: labelSetFor(config.label_nc, config.contain_dontcare_label),
      nets: { G: heldout },
      extra: new Map(),
      info: {},
    };
    SpadeModel.fromCheckpoint(ck, name).dispose();
  }, want);
}

finish();
