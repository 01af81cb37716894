#!/usr/bin/env node
// `npm run train:default`: reproduces the default model's training, or takes it further.
//
// Two things are kept in git: the shipped model (media/models/default.safetensors, G and E in
// float16) and the training run it comes from (training/default.weights.safetensors, the same
// kind of file, and training/default.state.safetensors: D, Adam, the step count and the place in
// the data, written by `spade convert --state_out`). A run's weights are copied to the shipped
// path only when `spade eval` shows them better (docs/model_card.md); identical files cost git
// nothing twice.
//
// Reproduce (no flags): the procedural landscapes dataset (2000 pairs, 256², seed 1), then the
// runs below in turn. Runs 1 and 2 were made before the training state could be kept: runs 2 and 3
// each started from the float16 export of the one before with D and Adam afresh (run 3 with D
// alone for its first steps, --d_warmup). Run 4 continued run 3's export and state (what
// `--more` does) and was stopped at step 2,104; its step 2,000 scored best on the held-out scenes
// and is the shipped model. Run 5 continued run 4 the same way to step 3,202 and ships nothing
// (no checkpoint of it beat the shipped one); its last step is the kept run (docs/model_card.md).
// The learning rate is constant (niter 100000, no decay), so a run stopped at step N equals one
// run with --steps N, and wasm is deterministic: the same weights come out.
//
// Train further (--more K): continues the kept run (weights and state) for K more steps and
// replaces both training/ files with the result; the shipped model stays as it is.
//
// Work files go to $SPADE_TRAIN_DIR (default .spade-train/, git-ignored).
// Usage: node scripts/train_default.mjs [--more K] [--backend wasm|webgpu|cpu] [--no_export]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { more: { type: 'string' }, backend: { type: 'string' }, no_export: { type: 'boolean' } } });
if (values.more !== undefined && !/^[1-9]\d*$/.test(values.more)) {
  console.error(`[train:default] --more must be a positive integer, got '${values.more}'`);
  process.exit(2);
}
const work = path.resolve(process.env.SPADE_TRAIN_DIR || path.join(root, '.spade-train'));
// A fresh checkout has no work folder yet; spade itself never creates an output's parents.
fs.mkdirSync(work, { recursive: true });
const data = path.join(work, 'landscapes');
const shipped = path.join(root, 'media', 'models', 'default.safetensors');
const keptWeights = path.join(root, 'training', 'default.weights.safetensors');
const keptState = path.join(root, 'training', 'default.state.safetensors');
const cli = path.join(root, 'dist', 'cli.js');

// The runs (docs/model_card.md). Options of the first run make the model; later runs take them
// from the file they start from. `continues`: from the run before's weights and training state,
// to an absolute step count; `ships`: the step whose export is the shipped model.
const MODEL = ['--use_vae', '--ngf', '16', '--spade_hidden', '32', '--ndf', '32', '--crop_size', '256'];
const RUNS = [
  { name: 'default', steps: 800, seed: 1, save_every: 100, flags: MODEL },
  { name: 'default-continued', steps: 700, seed: 2, save_every: 50, flags: [] },
  { name: 'default-run3', steps: 1400, seed: 3, save_every: 50, flags: ['--d_warmup', '200'] },
  { name: 'default-run4', steps: 2104, continues: true, save_every: 50, flags: [], ships: 2000 },
  { name: 'default-run5', steps: 3202, continues: true, save_every: 50, flags: [] },
];

function spade(args) {
  console.log(`[train:default] $ spade ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!fs.existsSync(path.join(data, 'landscapes.json'))) {
  spade(['dataset', 'landscapes', '--count', '2000', '--size', '256', '--seed', '1', '--out', data]);
}
const backend = values.backend ? ['--backend', values.backend] : [];
const common = ['--data', data, '--label_set', 'landscapes', '--log_every', '10', '--sample_every', '100', ...backend];
const resumes = (dir) => (fs.existsSync(path.join(dir, 'latest.safetensors')) ? ['--resume'] : []);
const exportRun = (dir, weights, state) => {
  fs.mkdirSync(path.dirname(weights), { recursive: true });
  spade(['convert', path.join(dir, 'latest.safetensors'), '--inference', '--half', '-o', weights, ...(state ? ['--state_out', state] : [])]);
};

if (values.more !== undefined) {
  // The step the kept state reached, from its train_state metadata (spade train checks the rest).
  let at;
  try {
    const bytes = fs.readFileSync(keptState);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    at = JSON.parse(header.__metadata__.train_state).step;
    if (!Number.isSafeInteger(at) || at < 0) throw new Error(`its step count is ${at}`);
  } catch (e) {
    console.error(`[train:default] ${path.relative(root, keptState)}: cannot read the kept training state (${e.message})`);
    process.exit(2);
  }
  const dir = path.join(work, `default-from-${at}`);
  const from = fs.existsSync(path.join(dir, 'latest.safetensors')) ? ['--resume'] : ['--checkpoint', keptWeights, '--state', keptState];
  spade(['train', ...common, '--out', dir, ...from, '--steps', String(at + Number(values.more)), '--save_every', '50']);
  if (!values.no_export) exportRun(dir, keptWeights, keptState);
} else {
  // The export the next run starts from: weights, and the training state where the next continues it.
  let from;
  for (const [i, run] of RUNS.entries()) {
    const dir = path.join(work, run.name);
    const last = i === RUNS.length - 1;
    const start = resumes(dir).length
      ? ['--resume']
      : run.continues
        ? ['--checkpoint', from.weights, '--state', from.state]
        : [...(from ? ['--checkpoint', from.weights] : []), '--batch', '1', '--niter', '100000', '--niter_decay', '0', '--seed', String(run.seed)];
    spade(['train', ...common, '--out', dir, ...start, '--steps', String(run.steps), '--save_every', String(run.save_every), ...run.flags]);
    // --no_export leaves the repository's files alone: the exports go to the work folder.
    if (run.ships) {
      const step = path.join(dir, `step_${String(run.ships).padStart(6, '0')}.safetensors`);
      spade(['convert', step, '--inference', '--half', '-o', values.no_export ? path.join(work, 'shipped.safetensors') : shipped]);
    }
    const next = RUNS[i + 1];
    const weights = last && !values.no_export ? keptWeights : path.join(work, `${run.name}.safetensors`);
    const state = last && !values.no_export ? keptState : next?.continues ? path.join(work, `${run.name}.state.safetensors`) : undefined;
    exportRun(dir, weights, state);
    from = { weights, state };
  }
}
