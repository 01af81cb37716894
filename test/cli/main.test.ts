// The built CLI (dist/cli.js) run as a user would: exit codes, messages, parity through files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy } from '../../src/model/io/npy';
import { encodeLabelMap } from '../../src/model/io/label_png';
import { encode as encodePng } from 'fast-png';
import { FIXTURES, loadCase, ref, relErr } from '../helpers/reference';
import { assertBadInput, runSpade } from '../helpers/cli';
import { ROOT, TEST_DIR } from '../helpers/paths';

const HELDOUT = path.join(TEST_DIR, 'fixtures', 'heldout');
const BAD = path.join(TEST_DIR, 'fixtures', 'bad');
const VAE = path.join(FIXTURES, 'gen_normal_vae');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-cli-'));
const spade = (...args: string[]) => runSpade(args, 120_000);

test('held-out configuration (most, instance edges, spadeinstance5x5, z, fp16 legacy .pth) matches NVlabs through the CLI', () => {
  const out = path.join(tmp, 'heldout.npy');
  const r = spade('synth', '--checkpoint', path.join(HELDOUT, 'G_legacy.pth'), '--opt', path.join(HELDOUT, 'opt.txt'),
    '--label', path.join(HELDOUT, 'label.png'), '--instance', path.join(HELDOUT, 'instance.png'), '--z', path.join(HELDOUT, 'z.npy'), '-o', out);
  assert.equal(r.code, 0, r.stderr);
  const got = readNpy(new Uint8Array(fs.readFileSync(out)), out);
  const want = readNpy(new Uint8Array(fs.readFileSync(path.join(HELDOUT, 'expected.npy'))), 'expected.npy');
  assert.deepEqual(got.shape, [128, 256, 3]);
  const err = relErr(got.data, { shape: want.shape, data: want.data, sourceDtype: 'F32' });
  assert.ok(err <= 1e-4, `relative error ${err}`);
});

test('reference generator through zip .pth, legacy .pth and converted safetensors (F32 and F16)', () => {
  const c = loadCase('gen_normal_vae');
  const ids = ref(c, 'label_ids');
  const [, h, w] = ids.shape;
  const label = path.join(tmp, 'ids.png');
  fs.writeFileSync(label, encodeLabelMap({ width: w, height: h, ids: Int32Array.from(ids.data.subarray(0, h * w)), encoding: { kind: 'gray', bitDepth: 8 } }));
  const z = path.join(tmp, 'z.npy');
  fs.writeFileSync(z, writeNpy([256], ref(c, 'z').data.slice(0, 256)));
  const want = ref(c, 'out_eval');
  const want0 = { shape: [3, h, w], data: want.data.slice(0, 3 * h * w), sourceDtype: 'F32' };
  const st = path.join(tmp, 'vae.safetensors');
  const st16 = path.join(tmp, 'vae16.safetensors');
  const opt = path.join(VAE, 'opt.txt');
  assert.equal(spade('convert', path.join(VAE, 'G_legacy.pth'), '--opt', opt, '--encoder', path.join(VAE, 'E.pth'), '--discriminator', path.join(VAE, 'D.pth'), '-o', st).code, 0);
  assert.equal(spade('convert', path.join(VAE, 'G.pth'), '--opt', opt, '--half', '-o', st16).code, 0);
  const runs: [string[], number][] = [
    [['--checkpoint', path.join(VAE, 'G.pth'), '--opt', opt], 1e-4],
    [['--checkpoint', path.join(VAE, 'G_legacy.pth'), '--opt', opt], 1e-4],
    [['--checkpoint', st], 1e-4],
    [['--checkpoint', st16], 2e-2],
  ];
  for (const [args, tol] of runs) {
    const out = path.join(tmp, 'vae.npy');
    const r = spade('synth', ...args, '--label', label, '--z', z, '-o', out);
    assert.equal(r.code, 0, r.stderr);
    const got = readNpy(new Uint8Array(fs.readFileSync(out)), out);
    // ours is (H, W, 3); the reference is (3, H, W)
    const chw = new Float32Array(3 * h * w);
    for (let i = 0; i < h * w; i++) for (let ch = 0; ch < 3; ch++) chw[ch * h * w + i] = got.data[i * 3 + ch];
    const err = relErr(chw, want0);
    assert.ok(err <= tol, `${args[1]}: relative error ${err}`);
  }
  const info = spade('info', st);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /parameters: G 574,675, E \d[\d,]*, D \d[\d,]*/);
  assert.match(info.stdout, /use_vae: true/);
  // --style: the checkpoint's encoder turns an image into the code; another code gives another picture.
  const styleImg = path.join(tmp, 'style.npy');
  const img = ref(c, 'image');
  const hwc = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) for (let ch = 0; ch < 3; ch++) hwc[i * 3 + ch] = img.data[ch * h * w + i];
  fs.writeFileSync(styleImg, writeNpy([h, w, 3], hwc));
  const styled = path.join(tmp, 'styled.npy');
  assert.equal(spade('synth', '--checkpoint', st, '--label', label, '--style', styleImg, '-o', styled).code, 0);
  const a = readNpy(new Uint8Array(fs.readFileSync(styled)), styled).data;
  const b = readNpy(new Uint8Array(fs.readFileSync(path.join(tmp, 'vae.npy'))), 'vae.npy').data;
  assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-3), 'style code changes the output');
  // The same style as an 8-bit PNG goes through the decoder the webview worker uses too.
  const stylePng = path.join(tmp, 'style.png');
  fs.writeFileSync(
    stylePng,
    encodePng({ width: w, height: h, channels: 3, depth: 8, data: Uint8Array.from(hwc, (v) => Math.round(((v + 1) / 2) * 255)) }),
  );
  const styledPng = path.join(tmp, 'styled-png.npy');
  assert.equal(spade('synth', '--checkpoint', st, '--label', label, '--style', stylePng, '-o', styledPng).code, 0);
  const c8 = readNpy(new Uint8Array(fs.readFileSync(styledPng)), styledPng).data;
  assert.ok(c8.every((v, i) => Math.abs(v - a[i]) < 0.05), 'PNG style ≈ float style (8-bit rounding only)');
  assertBadInput(spade('synth', '--checkpoint', st, '--label', label, '--style', label.replace(/\.png$/, '.gif'), '-o', styled), '.gif', /./);
  assertBadInput(spade('synth', '--checkpoint', path.join(VAE, 'G.pth'), '--opt', opt, '--label', label, '--style', styleImg, '-o', styled), 'G.pth', /no style encoder|encoder/);
  const png = path.join(tmp, 'out.png');
  assert.equal(spade('synth', '--checkpoint', st, '--label', label, '--seed', '7', '-o', png).code, 0);
  assert.deepEqual([...fs.readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('a .pth whose pickle calls os.system is refused with exit 2 and nothing runs', () => {
  const marker = '/tmp/spade_studio_pth_pwned';
  fs.rmSync(marker, { force: true });
  for (const f of ['evil_system.pth', 'evil_system_legacy.pth', 'evil_eval.pth']) {
    const file = path.join(BAD, f);
    const r = spade('synth', '--checkpoint', file, '--opt', path.join(VAE, 'opt.txt'), '--label', path.join(HELDOUT, 'label.png'), '-o', path.join(tmp, 'x.png'));
    assertBadInput(r, f, /non-allow-listed global '(posix\.system|os\.system|builtins\.eval)'/);
    const c = spade('convert', file, '--opt', path.join(VAE, 'opt.txt'), '-o', path.join(tmp, 'x.safetensors'));
    assertBadInput(c, f, /non-allow-listed global/);
  }
  assert.ok(!fs.existsSync(marker), 'the payload did not run');
  assert.ok(!fs.existsSync(path.join(tmp, 'x.png')) && !fs.existsSync(path.join(tmp, 'x.safetensors')), 'nothing written');
});

test('corrupt, truncated and empty checkpoints and label files, and ids outside label_nc, exit 2 with one clear line', () => {
  const opt = path.join(VAE, 'opt.txt');
  const G = path.join(VAE, 'G.pth');
  const label = path.join(HELDOUT, 'label.png');
  const out = path.join(tmp, 'o.png');
  const truncatedSt = path.join(tmp, 'truncated.safetensors');
  const full = fs.readFileSync(path.join(VAE, 'weights.safetensors'));
  fs.writeFileSync(truncatedSt, full.subarray(0, 5000));
  const emptyPng = path.join(tmp, 'empty.png');
  fs.writeFileSync(emptyPng, '');
  const truncPng = path.join(tmp, 'trunc.png');
  fs.writeFileSync(truncPng, fs.readFileSync(label).subarray(0, 60));
  const textPng = path.join(tmp, 'text.png');
  fs.writeFileSync(textPng, 'hello, not a png');
  const cases: [string[], string, RegExp][] = [
    [['--checkpoint', path.join(BAD, 'empty.pth'), '--opt', opt, '--label', label], 'empty.pth', /empty/],
    [['--checkpoint', path.join(BAD, 'truncated.pth'), '--opt', opt, '--label', label], 'truncated.pth', /truncat|zip/],
    [['--checkpoint', path.join(BAD, 'truncated_legacy.pth'), '--opt', opt, '--label', label], 'truncated_legacy.pth', /./],
    [['--checkpoint', path.join(BAD, 'random.pth'), '--opt', opt, '--label', label], 'random.pth', /not a PyTorch checkpoint|./],
    [['--checkpoint', truncatedSt, '--opt', opt, '--label', label], 'truncated.safetensors', /past the end|not/],
    [['--checkpoint', G, '--opt', opt, '--label', emptyPng], 'empty.png', /./],
    [['--checkpoint', G, '--opt', opt, '--label', truncPng], 'trunc.png', /./],
    [['--checkpoint', G, '--opt', opt, '--label', textPng], 'text.png', /PNG/i],
    [['--checkpoint', G, '--opt', opt, '--label', path.join(tmp, 'missing.png')], 'missing.png', /not found/],
    [['--checkpoint', G, '--label', label], 'G.pth', /--opt opt\.txt/],
    [['--checkpoint', G, '--opt', path.join(HELDOUT, 'label.png'), '--label', label], 'label.png', /./],
  ];
  for (const [args, file, re] of cases) assertBadInput(spade('synth', ...args, '-o', out), file, re);

  // ids 0..4 fit gen_normal_vae (label_nc 6 + dontcare) but not gen_more_noinst_novae (label_nc 4, no dontcare)
  const more = path.join(FIXTURES, 'gen_more_noinst_novae');
  const r = spade('synth', '--checkpoint', path.join(more, 'G.pth'), '--opt', path.join(more, 'opt.txt'), '--label', label, '-o', out);
  assertBadInput(r, 'label.png', /label ids outside the model's 4 classes: 4 \(\d+ px\), 255 \(\d+ px\)/);
  assert.ok(!fs.existsSync(out), 'nothing written on bad input');

  const flag = spade('synth', '--checkpoint', G, '--bogus', '1');
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /bogus/);
  assert.equal(spade('frobnicate').code, 2);
});

test('convert --inference keeps G and E, drops D and training state, and renders the same image', async () => {
  const { readCheckpoint, writeCheckpoint } = await import('../../src/model/checkpoint/spade_checkpoint');
  const opt = path.join(VAE, 'opt.txt');
  const full = path.join(tmp, 'run-like.safetensors');
  assert.equal(spade('convert', path.join(VAE, 'G.pth'), '--opt', opt, '--encoder', path.join(VAE, 'E.pth'), '--discriminator', path.join(VAE, 'D.pth'), '-o', full).code, 0);
  // Make it look like a training run's checkpoint: Adam moments and the run's state.
  const ck = readCheckpoint(new Uint8Array(fs.readFileSync(full)), full);
  const [key, w] = [...ck.nets.G!][0];
  ck.extra.set(`optim.G.exp_avg.${key}`, w);
  ck.info.train_state = JSON.stringify({ step: 42 });
  fs.writeFileSync(full, writeCheckpoint(ck));
  const slim = path.join(tmp, 'slim.safetensors');
  const r = spade('convert', full, '--inference', '-o', slim);
  assert.equal(r.code, 0, r.stderr);
  const got = readCheckpoint(new Uint8Array(fs.readFileSync(slim)), slim);
  assert.ok(got.nets.G && got.nets.E, 'G and E kept');
  assert.equal(got.nets.D, undefined, 'D dropped');
  assert.equal(got.extra.size, 0, 'optimizer state dropped');
  assert.equal(got.info.train_state, undefined);
  assert.equal(got.info.trained_steps, '42');
  const label = path.join(tmp, 'inference-ids.png');
  fs.writeFileSync(label, encodeLabelMap({ width: 64, height: 64, ids: Int32Array.from({ length: 64 * 64 }, (_, i) => (i >> 7) % 7), encoding: { kind: 'gray', bitDepth: 8 } }));
  const outs = [full, slim].map((c, i) => {
    const out = path.join(tmp, `inf${i}.npy`);
    const s = spade('synth', '--checkpoint', c, '--label', label, '--seed', '5', '-o', out);
    assert.equal(s.code, 0, s.stderr);
    return fs.readFileSync(out);
  });
  assert.deepEqual(outs[1], outs[0], 'the same pixels from the slim checkpoint');
});

test('synth without --checkpoint uses the bundled model and says which', () => {
  const out = path.join(tmp, 'default.png');
  const r = spade('synth', '--label', path.join(ROOT, 'media', 'samples', 'lake.label.png'), '--seed', '1', '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /using the bundled (default|UNTRAINED stand-in) model .*\.safetensors/);
  assert.ok(fs.statSync(out).size > 1000);
});
