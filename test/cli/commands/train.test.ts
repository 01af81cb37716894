// `spade train` end to end through the built CLI on tiny generated datasets (wasm backend):
// the dataset check, outputs, resume = uninterrupted run, Ctrl-C, and that training learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { SpadeModel } from '../../../src/model/model';
import { makeConfig, type SpadeConfig } from '../../../src/model/config';
import { tempDir, writePairs, put, grayPng } from '../../helpers/dataset_builder';
import { useBackend } from '../../helpers/reference';
import { ROOT } from '../../helpers/paths';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const TINY = ['--crop_size', '32', '--ngf', '4', '--ndf', '8', '--spade_hidden', '8', '--n_layers_D', '2', '--norm_G', 'spectralspadeinstance3x3'];
const COLORS: Array<[number, number, number]> = [[40, 90, 200], [60, 160, 60], [200, 180, 120]];

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
}

/** Sky over two kinds of ground; the photo is the class colour plus a little texture. */
function scenes(root: string, n: number, size = 32): void {
  const pairs: Record<string, Parameters<typeof writePairs>[1][string]> = {};
  for (let i = 0; i < n; i++) {
    const horizon = Math.floor(size * (0.3 + 0.1 * i));
    const id = (x: number, y: number) => (y < horizon ? 0 : (x + 5 * i) % size < size / 2 ? 1 : 2);
    pairs[`p${i}`] = { w: size, h: size, id, rgb: (x, y) => COLORS[id(x, y)].map((c, k) => c + ((x * 13 + y * 7 + k * 5) % 17) - 8) as [number, number, number] };
  }
  writePairs(root, pairs);
}

function readState(file: string) {
  const ck = readCheckpoint(new Uint8Array(fs.readFileSync(file)), file);
  return { ck, state: JSON.parse(ck.info.train_state) as { step: number } };
}

test('spade train --check lists every dataset problem, naming the files, and exits 2', (t) => {
  const root = tempDir(t);
  scenes(root, 2);
  put(root, 'images/orphan.png', fs.readFileSync(path.join(root, 'images', 'p0.png')));
  put(root, 'labels/p1.png', grayPng(32, 32, (x) => (x < 3 ? 7 : 1)));
  const r = cli('train', '--check', '--data', root, '--label_nc', '3');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /orphan\.png/);
  assert.match(r.stderr, /p1\.png.*7/);
  assert.equal(cli('train', '--check', '--data', path.join(root, 'nope')).status, 2);
});

test('spade train writes metrics, samples and checkpoints; --resume continues exactly where it stopped', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 4);
  const straight = path.join(root, 'straight');
  const split = path.join(root, 'split');
  const common = ['--data', data, '--batch', '2', '--log_every', '1', '--save_every', '2', '--seed', '3', ...TINY];
  let r = cli('train', ...common, '--out', straight, '--steps', '4');
  assert.equal(r.status, 0, r.stderr);
  for (const f of ['run.json', 'metrics.jsonl', 'latest.safetensors', 'step_000002.safetensors', 'step_000004.safetensors', 'samples/step_000004.png']) {
    assert.ok(fs.existsSync(path.join(straight, f)), `missing ${f}`);
  }
  const metrics = fs.readFileSync(path.join(straight, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.deepEqual(metrics.map((m) => m.step), [1, 2, 3, 4]);
  for (const k of ['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real', 'lr_G', 'lr_D', 'steps_per_s', 'eta_s']) assert.ok(Number.isFinite(metrics[3][k]), k);

  // Never over an existing run without --resume.
  r = cli('train', ...common, '--out', straight, '--steps', '4');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--resume/);

  assert.equal(cli('train', ...common, '--out', split, '--steps', '2').status, 0);
  r = cli('train', '--data', data, '--out', split, '--resume', '--steps', '4', '--log_every', '1');
  assert.equal(r.status, 0, r.stderr);
  const a = readState(path.join(straight, 'latest.safetensors'));
  const b = readState(path.join(split, 'latest.safetensors'));
  assert.equal(b.state.step, 4);
  const steps = fs.readFileSync(path.join(split, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
  assert.deepEqual(steps, [1, 2, 3, 4]);
  for (const net of ['G', 'D'] as const) {
    for (const [key, ta] of a.ck.nets[net]!) {
      const tb = b.ck.nets[net]!.get(key)!;
      let worst = 0;
      for (let i = 0; i < ta.data.length; i++) worst = Math.max(worst, Math.abs(ta.data[i] - tb.data[i]));
      assert.ok(worst <= 1e-6, `${net}.${key} differs by ${worst} between the resumed and the uninterrupted run`);
    }
  }
});

test('Ctrl-C saves latest.safetensors and exits with 130', async (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 2);
  const out = path.join(root, 'run');
  const child = spawn(process.execPath, [CLI, 'train', '--data', data, '--out', out, '--steps', '100000', '--log_every', '1', '--save_every', '100000', ...TINY], { stdio: 'ignore' });
  const metrics = path.join(out, 'metrics.jsonl');
  const deadline = Date.now() + 120_000;
  while (!(fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').includes('\n')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130);
  const { state } = readState(path.join(out, 'latest.safetensors'));
  assert.ok(state.step >= 1);
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.includes('.tmp')), [], 'no temp files left behind');
});

test('training learns: synthesized images move towards the real ones (mean L1 falls)', async (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 4);
  const out = path.join(root, 'run');
  const r = cli('train', '--data', data, '--out', out, '--steps', '120', '--batch', '2', '--save_every', '120', '--seed', '5', ...TINY);
  assert.equal(r.status, 0, r.stderr);
  await useBackend('wasm');
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).config as SpadeConfig;
  const trained = SpadeModel.fromCheckpoint(readState(path.join(out, 'latest.safetensors')).ck, 'latest');
  const untrained = SpadeModel.initialise(makeConfig(cfg), 5);
  const l1 = (m: SpadeModel) => {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      const horizon = Math.floor(32 * (0.3 + 0.1 * i));
      const ids = new Int32Array(32 * 32).map((_, p) =>
        Math.floor(p / 32) < horizon ? 0 : ((p % 32) + 5 * i) % 32 < 16 ? 1 : 2,
      );
      const fake = m.synthesize({ ids, n: 1, h: 32, w: 32 });
      const real = tf.tensor4d(
        Float32Array.from({ length: 32 * 32 * 3 }, (_, q) => COLORS[ids[Math.floor(q / 3)]][q % 3] / 127.5 - 1),
        [1, 32, 32, 3],
      );
      sum += tf.mean(tf.abs(tf.sub(fake, real))).dataSync()[0];
      tf.dispose([fake, real]);
    }
    return sum / 4;
  };
  const before = l1(untrained);
  const after = l1(trained);
  console.log(`mean L1 to the real images: untrained ${before.toFixed(3)}, after 120 steps ${after.toFixed(3)}`);
  assert.ok(after < 0.6 * before, `L1 ${before.toFixed(3)} -> ${after.toFixed(3)}: training did not bring the pictures closer`);
  trained.dispose();
  untrained.dispose();
});

test('--workers 2 through the built CLI: batch-norm SPADE trained on two threads logs the one-thread losses; bad counts exit 2', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 4);
  // Batch-norm SPADE, so that the workers must share their batch statistics.
  const common = ['--data', data, '--batch', '2', '--log_every', '1', '--save_every', '2', '--seed', '3', '--steps', '2', '--backend', 'wasm',
    ...TINY.slice(0, -2), '--norm_G', 'spectralspadesyncbatch3x3'];
  const losses = (dir: string) =>
    fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  let r = cli('train', ...common, '--out', path.join(root, 'one'));
  assert.equal(r.status, 0, r.stderr);
  r = cli('train', ...common, '--out', path.join(root, 'two'), '--workers', '2');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /batch 2 split over 2 workers/);
  const [a, b] = [losses(path.join(root, 'one')), losses(path.join(root, 'two'))];
  assert.deepEqual(b.map((m) => m.step), [1, 2]);
  for (const k of ['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real'])
    assert.ok(Math.abs(a[0][k] - b[0][k]) <= 1e-4 * Math.max(1, Math.abs(a[0][k])), `step 1 ${k}: ${b[0][k]} on two workers, ${a[0][k]} on one`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'two', 'run.json'), 'utf8')).workers, 2);

  for (const [flags, msg] of [
    [['--workers', '3'], /--workers 3 .* needs --batch 3 or more, got 2/],
    [['--workers', '0'], /--workers must be an integer ≥ 1, got '0'/],
    [['--workers', '2', '--backend', 'cpu', '--batch', '1'], /needs --batch 2 or more, got 1/],
  ] as const) {
    r = cli('train', ...common, '--out', path.join(root, 'bad'), ...flags);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, msg);
  }
});

test('a kept training state (convert --state_out, train --state) continues the run: D and Adam as trained, not afresh', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 4);
  const common = ['--data', data, '--batch', '2', '--log_every', '1', '--seed', '3', '--backend', 'wasm', '--save_every', '1'];
  const straight = path.join(root, 'straight');
  let r = cli('train', ...common, ...TINY, '--out', straight, '--steps', '4');
  assert.equal(r.status, 0, r.stderr);
  // The run's step 3, kept as an inference file plus its state (as the default model is kept).
  const weights = path.join(root, 'model.safetensors');
  const kept = path.join(root, 'model.state.safetensors');
  r = cli('convert', path.join(straight, 'step_000003.safetensors'), '--inference', '--half', '-o', weights, '--state_out', kept);
  assert.equal(r.status, 0, r.stderr);
  const fullBytes = fs.statSync(path.join(straight, 'step_000003.safetensors')).size;
  assert.ok(fs.statSync(kept).size < 0.45 * fullBytes, `state ${fs.statSync(kept).size} bytes against the run's ${fullBytes}`);

  r = cli('train', ...common, '--checkpoint', weights, '--state', kept, '--out', path.join(root, 'continued'), '--steps', '4');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /start.* from random weights/);
  r = cli('train', ...common, '--checkpoint', weights, '--out', path.join(root, 'afresh'), '--steps', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /D starts from random weights/);

  const metrics = (dir: string) =>
    fs.readFileSync(path.join(root, dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const [truth, continued, afresh] = [metrics('straight')[3], metrics('continued'), metrics('afresh')[0]];
  assert.deepEqual(continued.map((m) => m.step), [4], 'the step count goes on');
  // Step 4's losses: the uninterrupted run's within the rounding of the kept file, and far from a fresh D's.
  const off = (m: Record<string, number>, k: string) => Math.abs(m[k] - truth[k]) / Math.max(0.1, Math.abs(truth[k]));
  for (const k of ['G_GAN', 'G_GAN_Feat', 'D_Fake', 'D_real'])
    assert.ok(off(continued[0], k) < 1e-3, `step 4 ${k}: ${continued[0][k]} continued, ${truth[k]} uninterrupted`);
  assert.ok(['G_GAN', 'G_GAN_Feat'].every((k) => off(afresh, k) > 1e-2), `a fresh D gives step 4's losses: ${JSON.stringify(afresh)}`);
  // Adam's second moments after step 4: as uninterrupted, to bfloat16's rounding (a fresh v is 0.1·g²).
  const a = readState(path.join(straight, 'latest.safetensors')).ck.extra;
  const b = readState(path.join(root, 'continued', 'latest.safetensors')).ck.extra;
  let diff = 0;
  let norm = 0;
  for (const [k, ta] of a) {
    if (!k.startsWith('optim.D.exp_avg_sq.')) continue;
    ta.data.forEach((x, i) => ((diff += (x - b.get(k)!.data[i]) ** 2), (norm += x * x)));
  }
  assert.ok(norm > 0 && Math.sqrt(diff / norm) < 0.02, `D's v is ${Math.sqrt(diff / norm)} off the uninterrupted run (relative L2)`);

  // The state belongs to its weights, and needs them.
  const other = path.join(root, 'other.safetensors');
  assert.equal(cli('convert', path.join(straight, 'latest.safetensors'), '--inference', '--half', '-o', other).status, 0);
  r = cli('train', ...common, '--checkpoint', other, '--state', kept, '--out', path.join(root, 'bad'), '--steps', '6');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /model\.state\.safetensors.*was kept with other weights/);
  r = cli('train', ...common, '--state', kept, '--out', path.join(root, 'bad2'), '--steps', '6');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--state .* needs --checkpoint/);
  r = cli('convert', path.join(straight, 'latest.safetensors'), '--half', '-o', other, '--state_out', kept);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--state_out .* pass --inference/);
});

test('--d_warmup N: the first N steps move D alone; G and E stay as they were', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  scenes(data, 2);
  const out = path.join(root, 'run');
  const r = cli('train', '--data', data, '--out', out, '--steps', '3', '--batch', '1', '--log_every', '1', '--save_every', '1', '--seed', '2',
    '--d_warmup', '2', '--use_vae', '--z_dim', '8', ...TINY);
  assert.equal(r.status, 0, r.stderr);
  const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.deepEqual(metrics.map((m) => 'G_GAN' in m), [false, false, true]);
  assert.ok(metrics.every((m) => Number.isFinite(m.D_real)));
  const at = (step: number) => readState(path.join(out, `step_00000${step}.safetensors`)).ck;
  const changed = (a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>) =>
    [...a].filter(([k, ta]) => /weight_orig|bias|\.weight$/.test(k) && ta.data.some((x, i) => x !== b.get(k)!.data[i])).length;
  const [s1, s2, s3] = [at(1), at(2), at(3)];
  for (const net of ['G', 'E'] as const) {
    assert.equal(changed(s1.nets[net]!, s2.nets[net]!), 0, `${net} moved during the warm-up`);
    assert.ok(changed(s2.nets[net]!, s3.nets[net]!) > 0, `${net} did not move after the warm-up`);
  }
  assert.ok(changed(s1.nets.D!, s2.nets.D!) > 0, 'D did not move during the warm-up');
  assert.equal(cli('train', '--data', data, '--out', path.join(root, 'bad'), '--d_warmup', '-1', ...TINY).status, 2);
});
