// spade export as PyTorch sees it: torch.load(weights_only=True) accepts every file, the dtypes
// are PyTorch's, the nets load strictly into bench/torch_spade.py's networks, and G's eval
// picture matches `spade synth` within 1e-4. NVlabs' own reference .pth files, read and written
// back by us, are tensor for tensor what NVlabs saved. Where /usr/bin/python3 has no torch the
// PyTorch side is reported as a diagnostic (CI installs python3-torch, so it runs there).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPth } from '../../src/model/checkpoint/pth';
import { writePth } from '../../src/model/checkpoint/pth_writer';
import { encodeLabelMap } from '../../src/model/io/label_png';
import { readNpy, writeNpy } from '../../src/model/io/npy';
import { seededNormal } from '../../src/model/random';
import { PYTHON, torchStatus } from '../../src/cli/bench/torch_runner';
import { FIXTURES, relErrArrays as relErr, useBackend } from '../helpers/reference';
import { writePerturbedCheckpoint } from '../helpers/perturbed_checkpoint';
import { runSpade } from '../helpers/cli';

const CHECK = path.join(__dirname, 'export_torch_check.py');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-export-torch-'));
const torch = torchStatus();
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(() => useBackend('cpu'));

const TIMEOUT = 300_000;

function py(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: TIMEOUT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CASES = [
  // spade_hidden 16 (padded to 128), batch norm with counters, instance edges, its own D.
  { name: 'narrow', options: { label_nc: 5, no_instance: false, ngf: 4, spade_hidden: 16, crop_size: 64, ndf: 8, n_layers_D: 2, norm_G: 'spectralspadebatch3x3' }, withD: true },
  // VAE at NVlabs' width and crop, dontcare, 'more' upsampling, aspect 2; no D: a fresh one is written.
  { name: 'vae', options: { label_nc: 3, contain_dontcare_label: true, no_instance: true, ngf: 2, crop_size: 256, aspect_ratio: 2, num_upsampling_layers: 'more' as const, use_vae: true }, withD: false },
];

for (const c of CASES) {
  test(`exported run folder: torch.load(weights_only=True), strict load into torch_spade.py, picture = spade synth within 1e-4 (${c.name})`, async (t) => {
    const ck = path.join(tmp, `${c.name}.safetensors`);
    const cfg = await writePerturbedCheckpoint(ck, c.options, 13, c.withD);
    const dir = path.join(tmp, 'runs', c.name);
    const e = runSpade(['export', ck, '-o', dir, '--backend', 'cpu'], TIMEOUT);
    assert.equal(e.code, 0, e.stderr);

    const h = Math.round(cfg.crop_size / cfg.aspect_ratio);
    const w = cfg.crop_size;
    const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
    const ids = Int32Array.from({ length: h * w }, (_, i) => (Math.floor((i % w) / 9) * 3 + Math.floor(i / w / 7) * 5) % nc);
    const label = path.join(tmp, `${c.name}.png`);
    fs.writeFileSync(label, encodeLabelMap({ width: w, height: h, ids: ids.map((v) => (v === cfg.label_nc ? 255 : v)), encoding: { kind: 'gray', bitDepth: 8 } }));
    const idsNpy = path.join(tmp, `${c.name}_ids.npy`);
    fs.writeFileSync(idsNpy, writeNpy([1, h, w], Float32Array.from(ids)));
    const synthArgs = ['synth', '--checkpoint', ck, '--label', label, '-o', path.join(tmp, `${c.name}_ours.npy`), '--backend', 'wasm'];
    const pyArgs = [CHECK, dir, '--labels', idsNpy, '--out', path.join(tmp, `${c.name}_torch.npy`)];
    if (!cfg.no_instance) {
      const inst = Int32Array.from({ length: h * w }, (_, i) => Math.floor((i % w) / 13) + 7 * Math.floor(i / w / 11));
      const instPng = path.join(tmp, `${c.name}_inst.png`);
      fs.writeFileSync(instPng, encodeLabelMap({ width: w, height: h, ids: inst, encoding: { kind: 'gray', bitDepth: 16 } }));
      fs.writeFileSync(path.join(tmp, `${c.name}_inst.npy`), writeNpy([1, h, w], Float32Array.from(inst)));
      synthArgs.push('--instance', instPng);
      pyArgs.push('--instances', path.join(tmp, `${c.name}_inst.npy`));
    }
    if (cfg.use_vae) {
      const z = path.join(tmp, `${c.name}_z.npy`);
      fs.writeFileSync(z, writeNpy([cfg.z_dim], seededNormal(cfg.z_dim, 5)));
      synthArgs.push('--z', z);
      pyArgs.push('--z', z);
    }
    const s = runSpade(synthArgs, TIMEOUT);
    assert.equal(s.code, 0, s.stderr);
    const ours = readNpy(new Uint8Array(fs.readFileSync(path.join(tmp, `${c.name}_ours.npy`))), 'ours');
    assert.ok(ours.data.some((v) => Math.abs(v - ours.data[0]) > 0.1), 'the picture depends on the weights and labels');
    if (!torch.ok) return t.diagnostic(`PyTorch check not run: ${torch.reason}`);

    const p = py(pyArgs);
    assert.equal(p.code, 0, p.stderr);
    const report = JSON.parse(p.stdout.trim().split('\n').pop()!) as { nets: Record<string, { tensors: number; wrong_dtypes: string[] }> };
    assert.deepEqual(Object.keys(report.nets).sort(), cfg.use_vae ? ['D', 'E', 'G'] : ['D', 'G']);
    for (const [net, r] of Object.entries(report.nets)) assert.deepEqual(r.wrong_dtypes, [], `${net}: dtypes as PyTorch keeps them`);
    const theirs = readNpy(new Uint8Array(fs.readFileSync(path.join(tmp, `${c.name}_torch.npy`))), 'torch');
    assert.deepEqual(theirs.shape, [1, h, w, 3]);
    const err = relErr(ours.data, theirs.data);
    t.diagnostic(`strict loads ${JSON.stringify(Object.fromEntries(Object.entries(report.nets).map(([k, v]) => [k, v.tensors])))} tensors; max |spade synth - torch| = ${err.toExponential(2)}`);
    assert.ok(err <= 1e-4, `relative error ${err}`);
  });
}

const COMPARE_PTH = `
import sys, torch
a = torch.load(sys.argv[1], weights_only=False)
b = torch.load(sys.argv[2], weights_only=True)
assert list(a.keys()) == list(b.keys()), 'keys or order differ'
bad = [k for k in a if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or not torch.equal(a[k], b[k])]
assert not bad, 'differ: ' + ', '.join(bad[:5])
print(len(a))
`;

test('NVlabs\' own reference G, D and E (zip and legacy .pth), read and written back by us, are what NVlabs saved', (t) => {
  const files = ['gen_normal_vae/G.pth', 'gen_normal_vae/D.pth', 'gen_normal_vae/E.pth', 'gen_normal_vae/G_legacy.pth', 'gen_more_noinst_novae/G.pth'];
  const results: string[] = [];
  for (const rel of files) {
    const src = path.join(FIXTURES, rel);
    const tensors = readPth(new Uint8Array(fs.readFileSync(src)), src);
    const out = path.join(tmp, rel.replace('/', '_'));
    fs.writeFileSync(out, writePth(tensors));
    // Our reader sees the same bits and dtypes in both.
    const back = readPth(new Uint8Array(fs.readFileSync(out)), out);
    for (const [k, v] of tensors) {
      const b = back.get(k)!;
      assert.equal(b.sourceDtype, v.sourceDtype, `${rel} ${k} dtype`);
      assert.ok(Buffer.from(b.data.buffer).equals(Buffer.from(v.data.buffer)), `${rel} ${k}`);
    }
    if (!torch.ok) continue;
    const r = py(['-c', COMPARE_PTH, src, out]);
    assert.equal(r.code, 0, `${rel}: ${r.stderr}`);
    results.push(`${rel}: ${r.stdout.trim()} tensors equal`);
  }
  t.diagnostic(torch.ok ? results.join('; ') : `PyTorch check not run: ${torch.reason}`);
});
