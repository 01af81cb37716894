#!/usr/bin/env node
// `npm run train:default`: reproduces the default model (media/models/default.safetensors):
//   1. the procedural landscapes dataset (2000 pairs, 256², seed 1),
//   2. `spade train` from scratch with the flags below for 800 steps (seed 1), resuming when the
//      run folder exists, then `spade convert --inference --half` (G and E in float16),
//   3. `spade train` again from that float16 file (D starts afresh, Adam too: the first run's D
//      and optimizer state lived outside git and were gone by the next session) for
//      CONTINUE_STEPS more steps (seed 2), and the same conversion into media/models/.
// Work files go to $SPADE_TRAIN_DIR (default .spade-train/, git-ignored). The learning rate is
// constant (niter 100000, no decay), so a run stopped at step N equals one run with --steps N,
// and wasm is deterministic: the same weights come out.
// Usage: node scripts/train_default.mjs [--steps N] [--continue_steps M] [--backend wasm|webgpu|cpu] [--no_export]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { steps: { type: 'string' }, continue_steps: { type: 'string' }, backend: { type: 'string' }, no_export: { type: 'boolean' } } });
// The steps of the shipped model's two runs (docs/model_card.md).
const FIRST_STEPS = '800';
const CONTINUE_STEPS = '700';
const steps = values.steps ?? FIRST_STEPS;
const more = values.continue_steps ?? CONTINUE_STEPS;
for (const [flag, v] of [['--steps', steps], ['--continue_steps', more]]) {
  if (!/^(0|[1-9]\d*)$/.test(v) || (flag === '--steps' && v === '0')) {
    console.error(`[train:default] ${flag} must be a ${flag === '--steps' ? 'positive' : 'non-negative'} integer, got '${v}'`);
    process.exit(2);
  }
}
const work = path.resolve(process.env.SPADE_TRAIN_DIR || path.join(root, '.spade-train'));
const data = path.join(work, 'landscapes');
const run = path.join(work, 'default');
const run2 = path.join(work, 'default-continued');
const first = path.join(work, 'default-first.safetensors');
const shipped = path.join(root, 'media', 'models', 'default.safetensors');
const cli = path.join(root, 'dist', 'cli.js');

function spade(args) {
  console.log(`[train:default] $ spade ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync(path.join(data, 'landscapes.json'))) {
  spade(['dataset', 'landscapes', '--count', '2000', '--size', '256', '--seed', '1', '--out', data]);
}
const backend = values.backend ? ['--backend', values.backend] : [];
const common = ['--data', data, '--label_set', 'landscapes', '--batch', '1', '--niter', '100000', '--niter_decay', '0',
  '--log_every', '10', '--sample_every', '100', ...backend];
const resumes = (dir) => (fs.existsSync(path.join(dir, 'latest.safetensors')) ? ['--resume'] : []);

spade(['train', ...common, '--out', run, ...resumes(run), '--steps', steps, '--seed', '1', '--save_every', '100',
  '--use_vae', '--ngf', '16', '--spade_hidden', '32', '--ndf', '32', '--crop_size', '256']);
spade(['convert', path.join(run, 'latest.safetensors'), '--inference', '--half', '-o', first]);
let result = first;
if (more !== '0') {
  spade(['train', ...common, '--out', run2, ...resumes(run2), '--checkpoint', first, '--steps', more, '--seed', '2', '--save_every', '50']);
  result = path.join(run2, 'latest.safetensors');
}
if (!values.no_export) {
  spade(['convert', result, '--inference', '--half', '-o', shipped]);
}
