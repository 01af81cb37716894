// Style encoding parity: SpadeModel.encode and `spade encode` against the NVlabs reference
// encoder (gen_normal_vae), and a held-out encoder configuration against PyTorch
// (test/fixtures/style_heldout, made by bench/torch_spade.py; torch is not needed to run this).
// Then `spade synth --style_json` and the command's bad-input paths.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy, writeNpy } from '../../src/model/io/npy';
import { encodeLabelMap } from '../../src/model/io/label_png';
import { readCheckpoint } from '../../src/model/checkpoint/spade_checkpoint';
import { parseStyleFile, serializeStyleFile, newStyleFile, styleCode } from '../../src/model/io/style_file';
import { SpadeModel } from '../../src/model/model';
import { PYTHON, torchStatus } from '../../src/cli/bench/torch_runner';
import { FIXTURES, loadCase, ref, relErrArrays as relErr, useBackend } from '../helpers/reference';
import { runSpade } from '../helpers/cli';
import { writePerturbedCheckpoint } from '../helpers/perturbed_checkpoint';
import { ROOT, TEST_DIR } from '../helpers/paths';

const spade = (...args: string[]) => runSpade(args, 180_000);
const VAE = path.join(FIXTURES, 'gen_normal_vae');
const HELDOUT = path.join(TEST_DIR, 'fixtures', 'style_heldout');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-encode-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const c = loadCase('gen_normal_vae');
// The fixture's batch holds two images; the first one's code.
const refMu = ref(c, 'E/mu').data.slice(0, 256);
const refLogvar = ref(c, 'E/logvar').data.slice(0, 256);

/** The first reference image, (N, 3, H, W)[0], in our .npy layout (H, W, 3). */
function referenceImageHwc(): { h: number; w: number; data: Float32Array } {
  const img = ref(c, 'image');
  const [, , h, w] = img.shape;
  const data = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) for (let ch = 0; ch < 3; ch++) data[i * 3 + ch] = img.data[ch * h * w + i];
  return { h, w, data };
}

let vaeCheckpoint = '';
test('spade convert bundles the reference G and E', () => {
  vaeCheckpoint = path.join(tmp, 'vae.safetensors');
  const r = spade('convert', path.join(VAE, 'G.pth'), '--opt', path.join(VAE, 'opt.txt'), '--encoder', path.join(VAE, 'E.pth'), '-o', vaeCheckpoint);
  assert.equal(r.code, 0, r.stderr);
});

test('SpadeModel.encode matches NVlabs mu/logvar within 1e-4 and survives the style file exactly', async () => {
  await useBackend('cpu');
  const model = SpadeModel.fromCheckpoint(readCheckpoint(new Uint8Array(fs.readFileSync(vaeCheckpoint)), 'vae'), 'vae');
  const { h, w, data } = referenceImageHwc();
  const { mu, logvar } = model.encode(tf.tensor4d(data, [1, h, w, 3]));
  const [m, lv] = [mu.dataSync(), logvar.dataSync()];
  assert.ok(relErr(m, refMu) <= 1e-4, `mu: ${relErr(m, refMu)}`);
  assert.ok(relErr(lv, refLogvar) <= 1e-4, `logvar: ${relErr(lv, refLogvar)}`);
  const text = serializeStyleFile(newStyleFile(model.config, model.labelSet, 'vae', [styleCode('ref', 'image.npy', m, lv)]));
  const back = parseStyleFile(text, 'x').styles[0];
  assert.deepEqual(Float32Array.from(back.mu), Float32Array.from(m));
  assert.deepEqual(Float32Array.from(back.logvar), Float32Array.from(lv));
  model.dispose();
});

test('spade encode with a .npy image matches NVlabs mu/logvar within 1e-4', (t) => {
  const { h, w, data } = referenceImageHwc();
  const img = path.join(tmp, 'ref_image.npy');
  fs.writeFileSync(img, writeNpy([h, w, 3], data));
  const out = path.join(tmp, 'ref.spade-style.json');
  const r = spade('encode', '--checkpoint', vaeCheckpoint, '--image', img, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*ref\.spade-style\.json \(style 'ref_image', z_dim 256/);
  const f = parseStyleFile(fs.readFileSync(out, 'utf8'), out);
  assert.equal(f.styles.length, 1);
  assert.equal(f.styles[0].source, 'ref_image.npy');
  assert.equal(f.checkpoint.name, 'vae.safetensors');
  t.diagnostic(`mu ${relErr(f.styles[0].mu, refMu).toExponential(2)}, logvar ${relErr(f.styles[0].logvar, refLogvar).toExponential(2)}`);
  assert.ok(relErr(f.styles[0].mu, refMu) <= 1e-4, `mu: ${relErr(f.styles[0].mu, refMu)}`);
  assert.ok(relErr(f.styles[0].logvar, refLogvar) <= 1e-4, `logvar: ${relErr(f.styles[0].logvar, refLogvar)}`);
});

test('held-out encoder (spectral batch norm, ngf 3, z_dim 24, 300x40 image) matches PyTorch through the CLI', (t) => {
  const want = JSON.parse(fs.readFileSync(path.join(HELDOUT, 'expected.json'), 'utf8')) as { mu: number[]; logvar: number[] };
  const out = path.join(tmp, 'heldout.spade-style.json');
  const r = spade('encode', '--checkpoint', path.join(HELDOUT, 'checkpoint.safetensors'), '--image', path.join(HELDOUT, 'image.npy'), '--name', 'held out', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const s = parseStyleFile(fs.readFileSync(out, 'utf8'), out).styles[0];
  assert.equal(s.name, 'held out');
  t.diagnostic(`mu ${relErr(s.mu, want.mu).toExponential(2)}, logvar ${relErr(s.logvar, want.logvar).toExponential(2)}`);
  assert.ok(relErr(s.mu, want.mu) <= 1e-4, `mu: ${relErr(s.mu, want.mu)}`);
  assert.ok(relErr(s.logvar, want.logvar) <= 1e-4, `logvar: ${relErr(s.logvar, want.logvar)}`);
  // The case is not degenerate: the code has spread, and logvar is not a constant.
  assert.ok(Math.max(...want.mu) - Math.min(...want.mu) > 0.1 && Math.max(...want.logvar) - Math.min(...want.logvar) > 0.1);
});

const torch = torchStatus();
test('a fresh encoder configuration (plain instance norm, no spectral norm) agrees with PyTorch when it is installed', async (t) => {
  if (!torch.ok) return t.diagnostic(`PyTorch comparison not run: ${torch.reason}`);
  await useBackend('cpu');
  const ck = path.join(tmp, 'fresh.safetensors');
  await writePerturbedCheckpoint(ck, { label_nc: 3, no_instance: true, ngf: 2, spade_hidden: 8, crop_size: 32, use_vae: true, z_dim: 9, norm_E: 'instance' }, 5);
  const img = path.join(tmp, 'fresh.npy');
  fs.writeFileSync(
    img,
    writeNpy(
      [256, 256, 3],
      Float32Array.from({ length: 256 * 256 * 3 }, (_, i) => Math.cos(i * 0.013) * 0.8),
    ),
  );
  const out = path.join(tmp, 'fresh.spade-style.json');
  const r = spade('encode', '--checkpoint', ck, '--image', img, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const p = spawnSync(PYTHON, [path.join(ROOT, 'bench', 'torch_spade.py'), 'encode', '--checkpoint', ck, '--image', img], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(p.status, 0, p.stderr);
  const want = JSON.parse(p.stdout.trim().split('\n').pop()!) as { mu: number[]; logvar: number[] };
  const s = parseStyleFile(fs.readFileSync(out, 'utf8'), out).styles[0];
  t.diagnostic(`mu ${relErr(s.mu, want.mu).toExponential(2)}, logvar ${relErr(s.logvar, want.logvar).toExponential(2)}`);
  assert.ok(relErr(s.mu, want.mu) <= 1e-4 && relErr(s.logvar, want.logvar) <= 1e-4);
});

test('spade synth --style_json paints with mu: the same pixels as --z mu.npy; several styles need --style_name', () => {
  const ids = ref(c, 'label_ids');
  const [, h, w] = ids.shape;
  const label = path.join(tmp, 'ids.png');
  fs.writeFileSync(label, encodeLabelMap({ width: w, height: h, ids: Int32Array.from(ids.data.subarray(0, h * w)), encoding: { kind: 'gray', bitDepth: 8 } }));
  const styleFile = path.join(tmp, 'ref.spade-style.json');
  const f = parseStyleFile(fs.readFileSync(styleFile, 'utf8'), styleFile);
  const z = path.join(tmp, 'mu.npy');
  fs.writeFileSync(z, writeNpy([256], Float32Array.from(f.styles[0].mu)));
  const viaJson = path.join(tmp, 'json.npy');
  const viaZ = path.join(tmp, 'z.npy');
  assert.equal(spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--style_json', styleFile, '-o', viaJson).code, 0);
  assert.equal(spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--z', z, '-o', viaZ).code, 0);
  const a = readNpy(new Uint8Array(fs.readFileSync(viaJson)), viaJson).data;
  assert.deepEqual(a, readNpy(new Uint8Array(fs.readFileSync(viaZ)), viaZ).data);

  // Two styles: the second is -mu; picked by name it gives another picture.
  const two = { ...f, styles: [f.styles[0], { ...f.styles[0], name: 'negated', mu: f.styles[0].mu.map((v) => -v) }] };
  const twoFile = path.join(tmp, 'two.spade-style.json');
  fs.writeFileSync(twoFile, serializeStyleFile(two));
  const r = spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--style_json', twoFile, '-o', viaJson);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /two\.spade-style\.json: holds 2 styles: pick one with --style_name \("ref_image", "negated"\)/);
  assert.equal(spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--style_json', twoFile, '--style_name', 'negated', '-o', viaJson).code, 0);
  const b = readNpy(new Uint8Array(fs.readFileSync(viaJson)), viaJson).data;
  assert.ok(b.some((v, i) => Math.abs(v - a[i]) > 1e-3), 'another code, another picture');

  // A file from a model of another shape: refused when z_dim differs.
  const held = path.join(tmp, 'heldout.spade-style.json');
  const r2 = spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--style_json', held, '-o', viaJson);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /heldout\.spade-style\.json: z_dim: the codes have 24 values but the model needs 256/);
  const r3 = spade('synth', '--checkpoint', vaeCheckpoint, '--label', label, '--style_json', held, '--seed', '3', '-o', viaJson);
  assert.match(r3.stderr, /give only one of --z, --seed, --style and --style_json/);
});

test('spade encode: bad input exits 2 with one line naming the file', () => {
  const out = path.join(tmp, 'bad.spade-style.json');
  const img = path.join(tmp, 'ref_image.npy');
  const check = (r: ReturnType<typeof spade>, file: string, re: RegExp) => {
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(file), lines[0]);
    assert.match(lines[0], re);
  };
  // A generator-only checkpoint: says how to get an encoder.
  check(spade('encode', '--checkpoint', path.join(VAE, 'G.pth'), '--opt', path.join(VAE, 'opt.txt'), '--image', img, '-o', out), 'G.pth', /no style encoder \(E\): train or fine-tune with --use_vae/);
  check(spade('encode', '--checkpoint', vaeCheckpoint, '--image', path.join(tmp, 'missing.png'), '-o', out), 'missing.png', /style image not found/);
  const wrong = path.join(tmp, 'wrong.npy');
  fs.writeFileSync(wrong, writeNpy([4, 4, 3], new Float32Array(48).fill(3)));
  check(spade('encode', '--checkpoint', vaeCheckpoint, '--image', wrong, '-o', out), 'wrong.npy', /values must lie in \[-1, 1\]/);
  check(spade('encode', '--checkpoint', vaeCheckpoint, '--image', img, '-o', path.join(tmp, 'x.txt')), 'x.txt', /must end in \.json/);
  check(spade('encode', '--checkpoint', vaeCheckpoint, '--image', img, '-o', path.join(tmp, 'nodir', 'x.json')), 'nodir', /output folder does not exist/);
  assert.ok(!fs.existsSync(out), 'nothing written');
  const bad = path.join(tmp, 'bad-field.spade-style.json');
  fs.writeFileSync(bad, fs.readFileSync(path.join(tmp, 'ref.spade-style.json'), 'utf8').replace('"z_dim": 256', '"z_dim": -1'));
  check(spade('synth', '--checkpoint', vaeCheckpoint, '--label', path.join(tmp, 'ids.png'), '--style_json', bad, '-o', path.join(tmp, 'o.png')), 'bad-field.spade-style.json', /z_dim: expected a positive integer/);
});

test('spade encode without --checkpoint uses the bundled model', () => {
  const png = path.join(tmp, 'ref_image.npy');
  const out = path.join(tmp, 'bundled.spade-style.json');
  const r = spade('encode', '--image', png, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const f = parseStyleFile(fs.readFileSync(out, 'utf8'), out);
  assert.equal(f.checkpoint.name, 'default.safetensors', 'the shipped default model');
  assert.equal(f.checkpoint.label_set, 'landscapes');
  assert.equal(f.styles[0].mu.length, f.z_dim);
});
