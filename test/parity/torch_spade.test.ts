// bench/torch_spade.py, our PyTorch measuring stick, against the NVlabs fixtures and against
// our own TF.js model on the same checkpoint. PyTorch is not a dependency: where
// /usr/bin/python3 has no torch, the PyTorch side is reported as a diagnostic and only the
// TF.js side is checked.
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
import { SpadeModel } from '../../src/model/model';
import { seededNormal } from '../../src/model/random';
import { trainStepper } from '../../src/cli/bench/train_step';
import { PYTHON, torchStatus } from '../../src/cli/bench/torch_runner';
import { FIXTURES, relErrArrays as relErr, useBackend } from '../helpers/reference';
import { writePerturbedCheckpoint } from '../helpers/perturbed_checkpoint';
import { ROOT } from '../helpers/paths';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const SCRIPT = path.join(ROOT, 'bench', 'torch_spade.py');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-torch-'));
const torch = torchStatus();
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function python(args: string[]): { code: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000 });
  let json: Record<string, unknown> = {};
  if (r.status === 0) json = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  return { code: r.status, json, stderr: r.stderr };
}

test('torch_spade.py reproduces the NVlabs reference fixtures (eval, train, gradients, buffers, E, D, losses)', (t) => {
  if (!torch.ok) return t.diagnostic(`PyTorch comparison not run: ${torch.reason}`);
  const r = python(['verify', '--fixtures', FIXTURES]);
  assert.equal(r.code, 0, r.stderr);
  t.diagnostic(`checked ${r.json.checked} tensors; worst relative error ${r.json.worst} (${r.json.worst_name})`);
  assert.ok((r.json.checked as number) > 150);
});

// Two generators that cover the code paths: VAE z + instance norm + dontcare (5x5 SPADE kernels),
// and segmap input + batch norm + instance edges + 'more' upsampling + aspect ratio 2.
const CASES = [
  { name: 'vae', options: { label_nc: 5, contain_dontcare_label: true, no_instance: true, ngf: 4, spade_hidden: 16, crop_size: 64, use_vae: true, z_dim: 32, norm_G: 'spectralspadeinstance5x5' } },
  { name: 'seg', options: { label_nc: 6, no_instance: false, ngf: 4, spade_hidden: 16, crop_size: 128, aspect_ratio: 2, num_upsampling_layers: 'more' as const } },
];

for (const c of CASES) {
  test(`spade synth and torch_spade.py agree within 1e-4 on the same checkpoint, label and z (${c.name})`, async (t) => {
    await useBackend('cpu');
    const ck = path.join(tmp, `${c.name}.safetensors`);
    const cfg = await writePerturbedCheckpoint(ck, c.options, 11);
    const h = cfg.crop_size / cfg.aspect_ratio;
    const w = cfg.crop_size;
    const ids = new Int32Array(h * w);
    const inst = new Int32Array(h * w);
    for (let i = 0; i < h * w; i++) {
      const [x, y] = [i % w, Math.floor(i / w)];
      ids[i] = (Math.floor(x / 9) * 3 + Math.floor(y / 7) * 5) % (cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0));
      inst[i] = Math.floor(x / 13) + 7 * Math.floor(y / 11);
    }
    // The label PNG holds dataset ids: the dontcare channel is 255 in the file.
    const fileIds = ids.map((v) => (v === cfg.label_nc ? 255 : v));
    const label = path.join(tmp, `${c.name}.png`);
    fs.writeFileSync(label, encodeLabelMap({ width: w, height: h, ids: fileIds, encoding: { kind: 'gray', bitDepth: 8 } }));
    const args = ['synth', '--checkpoint', ck, '--label', label, '-o', path.join(tmp, `${c.name}_tfjs.npy`)];
    const pyArgs = ['forward', '--checkpoint', ck, '--labels', path.join(tmp, `${c.name}_ids.npy`), '--out', path.join(tmp, `${c.name}_torch.npy`), '--runs', '0'];
    fs.writeFileSync(path.join(tmp, `${c.name}_ids.npy`), writeNpy([1, h, w], Float32Array.from(ids)));
    if (!cfg.no_instance) {
      const instPng = path.join(tmp, `${c.name}_inst.png`);
      fs.writeFileSync(instPng, encodeLabelMap({ width: w, height: h, ids: inst, encoding: { kind: 'gray', bitDepth: 16 } }));
      fs.writeFileSync(path.join(tmp, `${c.name}_inst.npy`), writeNpy([1, h, w], Float32Array.from(inst)));
      args.push('--instance', instPng);
      pyArgs.push('--instances', path.join(tmp, `${c.name}_inst.npy`));
    }
    if (cfg.use_vae) {
      fs.writeFileSync(path.join(tmp, `${c.name}_z.npy`), writeNpy([cfg.z_dim], seededNormal(cfg.z_dim, 5)));
      args.push('--z', path.join(tmp, `${c.name}_z.npy`));
      pyArgs.push('--z', path.join(tmp, `${c.name}_z.npy`));
    }
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const ours = readNpy(new Uint8Array(fs.readFileSync(path.join(tmp, `${c.name}_tfjs.npy`))), 'tfjs');
    assert.deepEqual(ours.shape, [h, w, 3]);
    let spread = 0;
    for (const v of ours.data) {
      assert.ok(v >= -1 && v <= 1, `output ${v} outside [-1, 1]`);
      spread = Math.max(spread, Math.abs(v - ours.data[0]));
    }
    assert.ok(spread > 0.1, `the picture should depend on the weights and the label (spread ${spread})`);
    if (!torch.ok) return t.diagnostic(`PyTorch comparison not run: ${torch.reason}`);
    const p = python(pyArgs);
    assert.equal(p.code, 0, p.stderr);
    const theirs = readNpy(new Uint8Array(fs.readFileSync(path.join(tmp, `${c.name}_torch.npy`))), 'torch');
    assert.deepEqual(theirs.shape, [1, h, w, 3]);
    const err = relErr(ours.data, theirs.data);
    t.diagnostic(`max |tfjs - torch| = ${err.toExponential(2)}`);
    assert.ok(err <= 1e-4, `relative error ${err}`);
  });
}

const TRAIN_NET = { label_nc: 4, no_instance: true, ngf: 2, spade_hidden: 8, ndf: 4, n_layers_D: 2 };

/** K steps of the bench's TF.js train step and of torch_spade.py train on the same checkpoint and batch. */
async function trainBoth(t: { diagnostic(m: string): void }, name: string, options: object, lr: number, K: number) {
  await useBackend('cpu');
  const ck = path.join(tmp, `${name}.safetensors`);
  const cfg = await writePerturbedCheckpoint(ck, { ...TRAIN_NET, ...options }, 21, true);
  assert.equal(cfg.use_vae, false, 'no VAE: the step has no randomness, so both sides must agree');
  const [n, h, w] = [2, cfg.crop_size, cfg.crop_size];
  const ids = Float32Array.from({ length: n * h * w }, (_, i) => (Math.floor((i % w) / 5) + Math.floor(i / w / 7)) % 4);
  const img = Float32Array.from({ length: n * h * w * 3 }, (_, i) => Math.sin(i * 0.37) * 0.9);
  const idsFile = path.join(tmp, `${name}_ids.npy`);
  const imgFile = path.join(tmp, `${name}_img.npy`);
  fs.writeFileSync(idsFile, writeNpy([n, h, w], ids));
  fs.writeFileSync(imgFile, writeNpy([n, h, w, 3], img));

  const model = SpadeModel.fromCheckpoint(readCheckpoint(new Uint8Array(fs.readFileSync(ck)), ck), ck);
  const images = tf.tensor4d(img, [n, h, w, 3]);
  const stepper = trainStepper(model, { ids: Int32Array.from(ids), n, h, w }, images, lr);
  const ours: Record<string, number>[] = [];
  for (let k = 0; k < K; k++) ours.push(await stepper.step());
  stepper.dispose();
  images.dispose();
  model.dispose();
  for (const l of ours) for (const key of ['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real']) assert.ok(Number.isFinite(l[key]), `${key} ${l[key]}`);
  assert.notEqual(ours[0].G_GAN, ours[K - 1].G_GAN, 'the state changes between steps');
  if (!torch.ok) {
    t.diagnostic(`PyTorch comparison not run: ${torch.reason}`);
    return null;
  }
  const a = python(['train', '--checkpoint', ck, '--labels', idsFile, '--images', imgFile, '--steps', String(K), '--lr', String(lr), '--save', path.join(tmp, `${name}_after.safetensors`)]);
  assert.equal(a.code, 0, a.stderr);
  const theirs = a.json.steps as Record<string, number>[];
  assert.equal(theirs.length, K);
  // The weights after K steps load as our checkpoint (a file the trainer's own tests can compare with).
  const after = readCheckpoint(new Uint8Array(fs.readFileSync(path.join(tmp, `${name}_after.safetensors`))), 'after');
  assert.ok(after.nets.D && after.nets.G.size > 0);
  return { ours, theirs };
}

function lossErr(a: Record<string, number>, b: Record<string, number>): number {
  return Math.max(...['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real'].map((k) => Math.abs(a[k] - b[k]) / Math.max(1, Math.abs(b[k]))));
}

test('train mode, lr 0: TF.js and PyTorch keep BN running stats and spectral-norm u, v in step over 3 train steps', async (t) => {
  // Batch norm in G, D's and G's power iterations in both the G and the D phase: with lr 0 only
  // those buffers change, so the losses must agree to float precision at every step.
  const r = await trainBoth(t, 'train_bn', { crop_size: 32, norm_G: 'spectralspadebatch3x3' }, 0, 3);
  if (!r) return;
  const errs = r.ours.map((o, k) => lossErr(o, r.theirs[k]));
  t.diagnostic(`per-step worst relative loss difference: ${errs.map((e) => e.toExponential(1)).join(', ')}`);
  for (const [k, e] of errs.entries()) assert.ok(e <= 1e-4, `step ${k + 1}: ${JSON.stringify(r.ours[k])} vs ${JSON.stringify(r.theirs[k])}`);
});

test('train mode, default lr: TF.js and PyTorch losses agree over 3 NVlabs steps (G, then D on a regenerated fake, Adam TTUR)', async (t) => {
  const r = await trainBoth(t, 'train_in', { crop_size: 64, norm_G: 'spectralspadeinstance3x3' }, 0.0002, 3);
  if (!r) return;
  const errs = r.ours.map((o, k) => lossErr(o, r.theirs[k]));
  t.diagnostic(`per-step worst relative loss difference: ${errs.map((e) => e.toExponential(1)).join(', ')}`);
  // Step 1's losses come before any update except G's (D's see it). Adam's first steps move every
  // weight by about ±lr whatever the size of its gradient, so float noise in near-zero gradients
  // grows from step to step: later steps get a looser bound.
  assert.ok(errs[0] <= 1e-3, `step 1: ${JSON.stringify(r.ours[0])} vs ${JSON.stringify(r.theirs[0])}`);
  for (let k = 1; k < errs.length; k++) assert.ok(errs[k] <= 1e-2, `step ${k + 1}: ${JSON.stringify(r.ours[k])} vs ${JSON.stringify(r.theirs[k])}`);
});

test('train mode with use_vae: the same eps per step and phase gives the same losses, KLD included', async (t) => {
  await useBackend('cpu');
  if (!torch.ok) return t.diagnostic(`not run: ${torch.reason}`);
  const K = 2;
  const [n, h, w] = [2, 32, 32];
  const vae = path.join(tmp, 'vae_train.safetensors');
  const cfg = await writePerturbedCheckpoint(vae, { ...TRAIN_NET, crop_size: 32, norm_G: 'spectralspadebatch3x3', use_vae: true, z_dim: 8 }, 22, true);
  fs.writeFileSync(path.join(tmp, 'vae_ids.npy'), writeNpy([n, h, w], Float32Array.from({ length: n * h * w }, (_, i) => i % 4)));
  fs.writeFileSync(path.join(tmp, 'vae_img.npy'), writeNpy([n, h, w, 3], Float32Array.from({ length: n * h * w * 3 }, (_, i) => Math.cos(i * 0.1))));
  fs.writeFileSync(path.join(tmp, 'eps.npy'), writeNpy([K, 2, n, cfg.z_dim], seededNormal(K * 2 * n * cfg.z_dim, 3)));
  const args = ['train', '--checkpoint', vae, '--labels', path.join(tmp, 'vae_ids.npy'), '--images', path.join(tmp, 'vae_img.npy'), '--steps', String(K), '--eps', path.join(tmp, 'eps.npy')];
  const r1 = python(args);
  const r2 = python(args);
  assert.equal(r1.code, 0, r1.stderr);
  const strip = (r: typeof r1) => (r.json.steps as Record<string, number>[]).map(({ ms: _ms, ...rest }) => rest);
  assert.deepEqual(strip(r1), strip(r2));
  assert.ok(strip(r1)[0].G_KLD > 0, 'KLD is reported with use_vae');
});

test('torch_spade.py refuses bad input with one line naming the file (exit 2)', (t) => {
  if (!torch.ok) return t.diagnostic(`not run: ${torch.reason}`);
  const bad = path.join(tmp, 'not_a_checkpoint.safetensors');
  fs.writeFileSync(bad, 'hello');
  const r = python(['forward', '--checkpoint', bad, '--labels', 'x.npy']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /not_a_checkpoint\.safetensors/);
});
