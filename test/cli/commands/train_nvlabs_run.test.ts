// The count carries both ways: spade train -> spade export writes NVlabs' epoch and iteration
// (iter.txt), and spade train --resume on an NVlabs run folder continues from NVlabs' count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { tempDir, writePairs } from '../../helpers/dataset_builder';
import { runSpade } from '../../helpers/cli';

const TIMEOUT = 300_000;
const TINY = ['--ngf', '2', '--crop_size', '32', '--spade_hidden', '16', '--ndf', '4', '--n_layers_D', '1', '--num_D', '1', '--norm_G', 'spectralspadeinstance3x3', '--backend', 'cpu'];

function trainState(file: string): { step: number; loader: { epoch: number; index: number } } {
  return JSON.parse(readCheckpoint(new Uint8Array(fs.readFileSync(file)), file).info.train_state) as {
    step: number;
    loader: { epoch: number; index: number };
  };
}

test('spade train -> export (iter.txt = NVlabs\' epoch and iteration) -> NVlabs\' count moves on -> spade train --resume continues from it -> export', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  writePairs(data, { a: { w: 32, h: 32 }, b: { w: 32, h: 32 }, c: { w: 32, h: 32 }, d: { w: 32, h: 32 } });
  const ours = path.join(root, 'ours');
  const r1 = runSpade(['train', '--data', data, '--out', ours, '--steps', '3', ...TINY], TIMEOUT);
  assert.equal(r1.code, 0, r1.stderr);

  const run = path.join(root, 'checkpoints', 'landscape');
  const e1 = runSpade(['export', path.join(ours, 'latest.safetensors'), '-o', run, '--backend', 'cpu'], TIMEOUT);
  assert.equal(e1.code, 0, e1.stderr);
  // 3 steps of batch 1 on 4 pairs: epoch 1 (NVlabs counts from 1), 3 samples in.
  assert.equal(fs.readFileSync(path.join(run, 'iter.txt'), 'utf8'), '1\n3\n');
  const opt = fs.readFileSync(path.join(run, 'opt.txt'), 'utf8');
  assert.match(opt, /^ +label_dir: .*data[/\\]labels/m);
  assert.match(opt, /^ +batchSize: 1 /m);
  assert.match(e1.stdout, /python train\.py .*--continue_train .*--name landscape/);

  // As if NVlabs' train.py had gone on: epoch 2, one sample in.
  fs.writeFileSync(path.join(run, 'iter.txt'), '2\n1\n');
  // The model options come from the folder's opt.txt (G is now NVlabs' width, spade_hidden 128).
  const r2 = runSpade(['train', '--data', data, '--out', run, '--resume', '--steps', '7', '--backend', 'cpu'], TIMEOUT);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /continuing NVlabs' run at epoch 2, iteration 1: step 5/);
  const st = trainState(path.join(run, 'latest.safetensors'));
  assert.equal(st.step, 7);
  assert.deepEqual([st.loader.epoch, st.loader.index], [1, 3], 'two more samples of epoch 2');

  // Resuming again continues our own latest.safetensors, until NVlabs writes the folder's G anew.
  const r3 = runSpade(['train', '--data', data, '--out', run, '--resume', '--steps', '8', '--backend', 'cpu'], TIMEOUT);
  assert.equal(r3.code, 0, r3.stderr);
  assert.doesNotMatch(r3.stdout, /continuing NVlabs' run/);
  assert.equal(trainState(path.join(run, 'latest.safetensors')).step, 8);
  fs.writeFileSync(path.join(run, 'iter.txt'), '3\n0\n');
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(run, 'latest_net_G.pth'), later, later);
  const r4 = runSpade(['train', '--data', data, '--out', run, '--resume', '--steps', '9', '--backend', 'cpu'], TIMEOUT);
  assert.equal(r4.code, 0, r4.stderr);
  assert.match(r4.stdout, /continuing NVlabs' run at epoch 3, iteration 0: step 8/);
  fs.writeFileSync(path.join(run, 'iter.txt'), '2\n1\n');
  const steps7 = runSpade(['train', '--data', data, '--out', path.join(root, 'from_nvlabs'), '--checkpoint', run, '--resume', '--steps', '7', '--backend', 'cpu'], TIMEOUT);
  assert.equal(steps7.code, 0, steps7.stderr);
  assert.match(steps7.stdout, /continuing NVlabs' run at epoch 2, iteration 1: step 5/, '--checkpoint <run folder> --resume into a new --out');
  const st7 = trainState(path.join(root, 'from_nvlabs', 'latest.safetensors'));

  const back = path.join(root, 'checkpoints', 'again');
  const e2 = runSpade(['export', path.join(root, 'from_nvlabs', 'latest.safetensors'), '-o', back, '--backend', 'cpu'], TIMEOUT);
  assert.equal(st7.step, 7);
  assert.equal(e2.code, 0, e2.stderr);
  assert.equal(fs.readFileSync(path.join(back, 'iter.txt'), 'utf8'), '2\n3\n');
});

test('--resume on an NVlabs run folder without iter.txt is refused with one line', (t) => {
  const root = tempDir(t);
  const data = path.join(root, 'data');
  writePairs(data, { a: { w: 32, h: 32 }, b: { w: 32, h: 32 } });
  const ours = path.join(root, 'ours');
  assert.equal(runSpade(['train', '--data', data, '--out', ours, '--steps', '1', ...TINY], TIMEOUT).code, 0);
  const run = path.join(root, 'run');
  assert.equal(runSpade(['export', path.join(ours, 'latest.safetensors'), '-o', run, '--backend', 'cpu'], TIMEOUT).code, 0);
  fs.rmSync(path.join(run, 'iter.txt'));
  const r = runSpade(['train', '--data', data, '--out', run, '--resume', '--backend', 'cpu'], TIMEOUT);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trim(), /^spade: .*run: --resume: the NVlabs run folder has no iter.txt to continue from$/);
});
