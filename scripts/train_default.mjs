#!/usr/bin/env node
// `npm run train:default`: reproduces the default model (media/models/default.safetensors):
//   1. the procedural landscapes dataset (2000 pairs, 256², seed 1),
//   2. `spade train` from scratch with the flags below, resuming when the run folder exists
//      (the shipped model was trained across sessions this way; resuming is exact),
//   3. `spade convert --inference --half`: G and E in float16, D and the Adam state dropped.
// Work files go to $SPADE_TRAIN_DIR (default .spade-train/, git-ignored). The learning rate is
// constant (niter 100000, no decay), so a run stopped at step N equals one run with --steps N.
// Usage: node scripts/train_default.mjs [--steps N] [--backend wasm|webgpu|cpu] [--no_export]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { steps: { type: 'string' }, backend: { type: 'string' }, no_export: { type: 'boolean' } } });
// The step the shipped model was exported at (docs/model_card.md).
const SHIPPED_STEPS = '800';
const steps = values.steps ?? SHIPPED_STEPS;
if (!/^[1-9]\d*$/.test(steps)) {
  console.error(`[train:default] --steps must be a positive integer, got '${steps}'`);
  process.exit(2);
}
const work = path.resolve(process.env.SPADE_TRAIN_DIR || path.join(root, '.spade-train'));
const data = path.join(work, 'landscapes');
const run = path.join(work, 'default');
const cli = path.join(root, 'dist', 'cli.js');

function spade(args) {
  console.log(`[train:default] $ spade ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync(path.join(data, 'landscapes.json'))) {
  spade(['dataset', 'landscapes', '--count', '2000', '--size', '256', '--seed', '1', '--out', data]);
}
const resume = fs.existsSync(path.join(run, 'latest.safetensors'));
spade(['train', '--data', data, '--out', run, ...(resume ? ['--resume'] : []),
  '--label_set', 'landscapes', '--use_vae', '--ngf', '16', '--spade_hidden', '32', '--ndf', '32', '--crop_size', '256',
  '--batch', '1', '--steps', steps, '--niter', '100000', '--niter_decay', '0', '--seed', '1',
  '--log_every', '10', '--sample_every', '100', '--save_every', '100',
  ...(values.backend ? ['--backend', values.backend] : [])]);
if (!values.no_export) {
  spade(['convert', path.join(run, 'latest.safetensors'), '--inference', '--half', '-o', path.join(root, 'media', 'models', 'default.safetensors')]);
}
