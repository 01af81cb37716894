// spade export: the run folder it writes reads back through our own reader (--checkpoint <folder>)
// with the same tensors and the same picture; spade_hidden is padded exactly; what NVlabs could
// not load is refused with one line. Runs the built CLI (dist/cli.js).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpadeConfig } from '../../../src/model/config';
import { readCheckpoint, type SpadeCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { encodeLabelMap } from '../../../src/model/io/label_png';
import { readNpy, writeNpy } from '../../../src/model/io/npy';
import { parseOptTxt } from '../../../src/model/opt_txt';
import { seededNormal } from '../../../src/model/random';
import { configFrom, loadCheckpointFile } from '../../../src/cli/load';
import { useBackend } from '../../helpers/reference';
import { writePerturbedCheckpoint } from '../../helpers/perturbed_checkpoint';
import { assertBadInput, runSpade } from '../../helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-export-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => useBackend('cpu'));

const TIMEOUT = 180_000;

/** Segmap input, batch norm (running stats, counters), instance edges, spade_hidden below NVlabs' 128. */
const NARROW = { label_nc: 5, no_instance: false, ngf: 4, spade_hidden: 16, crop_size: 64, ndf: 8, n_layers_D: 2, norm_G: 'spectralspadebatch3x3' };
/** VAE at NVlabs' width, no D in the checkpoint: export must add a fresh one. */
const VAE = {
  label_nc: 3,
  contain_dontcare_label: true,
  no_instance: true,
  ngf: 2,
  spade_hidden: 128,
  crop_size: 256,
  use_vae: true,
};

function readCk(file: string): SpadeCheckpoint {
  return readCheckpoint(new Uint8Array(fs.readFileSync(file)), file);
}

/** Label (and instance) PNGs covering every class, and a z for VAE models. */
function inputs(name: string, cfg: SpadeConfig): string[] {
  const h = cfg.crop_size / cfg.aspect_ratio;
  const w = cfg.crop_size;
  const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  const ids = Int32Array.from({ length: h * w }, (_, i) => (Math.floor((i % w) / 9) + Math.floor(i / w / 7) * 2) % nc);
  const fileIds = ids.map((v) => (v === cfg.label_nc ? 255 : v));
  const label = path.join(tmp, `${name}_label.png`);
  fs.writeFileSync(label, encodeLabelMap({ width: w, height: h, ids: fileIds, encoding: { kind: 'gray', bitDepth: 8 } }));
  const args = ['--label', label];
  if (!cfg.no_instance) {
    const inst = Int32Array.from({ length: h * w }, (_, i) => Math.floor((i % w) / 13) + 7 * Math.floor(i / w / 11));
    const file = path.join(tmp, `${name}_inst.png`);
    fs.writeFileSync(file, encodeLabelMap({ width: w, height: h, ids: inst, encoding: { kind: 'gray', bitDepth: 16 } }));
    args.push('--instance', file);
  }
  if (cfg.use_vae) {
    const z = path.join(tmp, `${name}_z.npy`);
    fs.writeFileSync(z, writeNpy([cfg.z_dim], seededNormal(cfg.z_dim, 3)));
    args.push('--z', z);
  }
  return args;
}

function synth(checkpoint: string, args: string[], out: string): Float32Array {
  const r = runSpade(['synth', '--checkpoint', checkpoint, ...args, '-o', out, '--backend', 'wasm'], TIMEOUT);
  assert.equal(r.code, 0, r.stderr);
  return readNpy(new Uint8Array(fs.readFileSync(out)), out).data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

test('a model with spade_hidden 16 and a D: exported, read back, D bit for bit, G padded exactly, the same picture', async (t) => {
  const ck = path.join(tmp, 'narrow.safetensors');
  const cfg = await writePerturbedCheckpoint(ck, NARROW, 5, true);
  const dir = path.join(tmp, 'runs', 'narrow');
  const r = runSpade(['export', ck, '-o', dir, '--backend', 'cpu'], TIMEOUT);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /freshly/, 'the checkpoint has D: nothing is made up');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['iter.txt', 'latest_net_D.pth', 'latest_net_G.pth', 'opt.txt', 'spade_label_set.json']);
  assert.match(r.stdout, /python train\.py .*--continue_train/);
  assert.equal(fs.readFileSync(path.join(dir, 'iter.txt'), 'utf8'), '1\n0\n');

  const original = readCk(ck);
  const back = loadCheckpointFile(dir, configFrom({}, dir));
  assert.deepEqual(back.config, { ...cfg, spade_hidden: 128 }, 'opt.txt carries every model option');
  assert.deepEqual(back.labelSet, original.labelSet);
  for (const [k, t0] of original.nets.D!) {
    const t1 = back.nets.D!.get(k)!;
    assert.ok(t1 && sameBits(t0.data, t1.data), `D ${k} read back bit for bit`);
  }
  assert.deepEqual([...back.nets.G.keys()].sort(), [...original.nets.G.keys()].sort());
  let padded = 0;
  for (const [k, t0] of original.nets.G) {
    const t1 = back.nets.G.get(k)!;
    if (t1.data.length === t0.data.length) {
      assert.ok(sameBits(t0.data, t1.data), `G ${k}`);
      continue;
    }
    padded++;
    const sum = (d: Float32Array) => d.reduce((a, v) => a + Math.abs(v), 0);
    assert.equal(sum(t1.data), sum(t0.data), `G ${k}: the padding adds only zeros`);
  }
  assert.ok(padded > 0, 'some SPADE layers were padded');

  const args = inputs('narrow', cfg);
  const before = synth(ck, args, path.join(tmp, 'narrow_before.npy'));
  const afterExport = synth(dir, args, path.join(tmp, 'narrow_after.npy'));
  const diff = maxAbsDiff(before, afterExport);
  t.diagnostic(`max |picture before - after export| = ${diff.toExponential(2)} (spade_hidden 16 -> 128)`);
  assert.ok(diff <= 1e-5, `padded picture differs by ${diff}`);
  assert.ok(before.some((v) => Math.abs(v - before[0]) > 0.1), 'the picture depends on the weights and labels');
});

test('a VAE model without D: exported with a fresh D (said on stderr), E and G back bit for bit, the same picture bit for bit', async (t) => {
  const ck = path.join(tmp, 'vae.safetensors');
  const cfg = await writePerturbedCheckpoint(ck, VAE, 7, false);
  const dir = path.join(tmp, 'runs', 'vae');
  const r = runSpade(['export', ck, '-o', dir, '--backend', 'cpu'], TIMEOUT);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /has no D; writing D freshly initialised/);
  assert.ok(fs.existsSync(path.join(dir, 'latest_net_E.pth')));
  const back = loadCheckpointFile(dir, configFrom({}, dir));
  assert.deepEqual(back.config, cfg);
  const original = readCk(ck);
  for (const net of ['G', 'E'] as const) {
    for (const [k, t0] of original.nets[net]!) assert.ok(sameBits(t0.data, back.nets[net]!.get(k)!.data), `${net} ${k}`);
  }
  assert.ok(back.nets.D && back.nets.D.size > 0, 'a D was written');
  const opt = parseOptTxt(fs.readFileSync(path.join(dir, 'opt.txt'), 'utf8'), 'opt.txt');
  assert.equal(opt.use_vae, true);

  const args = inputs('vae', cfg);
  const before = synth(ck, args, path.join(tmp, 'vae_before.npy'));
  const afterExport = synth(dir, args, path.join(tmp, 'vae_after.npy'));
  assert.ok(sameBits(before, afterExport), `picture differs by ${maxAbsDiff(before, afterExport)}`);
  t.diagnostic('VAE picture identical bit for bit after export and read-back');
});

test('what NVlabs cannot load is refused with one line naming the option (exit 2), and nothing is written', async () => {
  const cases = [
    { name: 'wide', options: { label_nc: 3, no_instance: true, ngf: 2, spade_hidden: 256, crop_size: 32 }, re: /spade_hidden 256 .*128/ },
    { name: 'vae_small_crop', options: { label_nc: 3, no_instance: true, ngf: 2, crop_size: 128, use_vae: true }, re: /crop_size 128 with use_vae.*layer6/ },
    { name: 'vae_zdim', options: { label_nc: 3, no_instance: true, ngf: 2, crop_size: 256, use_vae: true, z_dim: 64 }, re: /z_dim 64 with use_vae.*256/ },
  ];
  for (const c of cases) {
    const ck = path.join(tmp, `${c.name}.safetensors`);
    await writePerturbedCheckpoint(ck, c.options, 1, false);
    const dir = path.join(tmp, 'refused', c.name);
    assertBadInput(runSpade(['export', ck, '-o', dir, '--backend', 'cpu'], TIMEOUT), ck, c.re);
    assert.equal(fs.existsSync(dir), false, `${c.name}: no folder written`);
  }
});

test('an existing run folder is not overwritten without --force', () => {
  const dir = path.join(tmp, 'runs', 'narrow');
  const ck = path.join(tmp, 'narrow.safetensors');
  const g = fs.readFileSync(path.join(dir, 'latest_net_G.pth'));
  assertBadInput(runSpade(['export', ck, '-o', dir, '--backend', 'cpu'], TIMEOUT), dir, /already holds latest_net_G\.pth.*--force/);
  assert.ok(fs.readFileSync(path.join(dir, 'latest_net_G.pth')).equals(g));
  const r = runSpade(['export', ck, '-o', dir, '--force', '--backend', 'cpu'], TIMEOUT);
  assert.equal(r.code, 0, r.stderr);
});
