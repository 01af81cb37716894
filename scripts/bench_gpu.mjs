#!/usr/bin/env node
/**
 * npm run bench:gpu: every GPU measurement of issue 16 in one run, for a lent GPU machine.
 * WebGPU through Dawn (Vulkan) against PyTorch on CUDA (bench/torch_spade.py) on the same
 * weights and batch: forward ms, and train steps/s at each batch size, per config (and at the
 * largest batch once more with TF.js's forward conv in place of ours); then, where
 * Dawn offers timestamp queries, GPU ms per TF.js kernel of one train step and of one forward
 * frame (else it says the adapter offers none); and their GPU work counted (dispatches, uploads,
 * ...). Needs dist/ (npm run build) and the `webgpu` package.
 *
 *   node scripts/bench_gpu.mjs [--configs default,vae256,coco] [--batches 1,4] [--runs 3]
 *                              [--out DIR] [--python python3] [--torch_device cuda|cpu] [--dawn_flags F]
 *
 * Writes DIR/summary.md (the table for the README) and one JSON per measurement. On this CPU
 * machine `--configs toy --batches 1 --runs 1 --python /usr/bin/python3 --dawn_flags backend=opengles`
 * checks the whole path on the software adapter (llvmpipe).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

const { values: v } = parseArgs({
  options: {
    configs: { type: 'string', default: 'default,vae256,coco' },
    batches: { type: 'string', default: '1,4' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: process.env.OUT ?? path.join(os.tmpdir(), 'spade-bench-gpu') },
    python: { type: 'string', default: 'python3' },
    torch_device: { type: 'string' },
    dawn_flags: { type: 'string', default: '' },
  },
});
const configs = v.configs.split(',').filter(Boolean);
const batches = v.batches.split(',').map(Number);
const runs = v.runs;
fs.mkdirSync(v.out, { recursive: true });
if (!fs.existsSync(CLI)) {
  console.error(`bench_gpu: ${CLI} is missing: run npm run build first`);
  process.exit(2);
}

/** cuda when the interpreter's torch sees a GPU, else cpu. */
function torchDevice() {
  if (v.torch_device) return v.torch_device;
  const r = spawnSync(v.python, ['-c', 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'cpu';
}
const device = torchDevice();
const env = { ...process.env, SPADE_PYTHON: v.python, SPADE_TORCH_DEVICE: device };
const log = (m) => process.stderr.write(`bench_gpu: ${m}\n`);
const t0 = Date.now();

/** One `spade bench` call; returns its rows ([] if it failed, with the reason logged). */
function bench(name, args, extraEnv = {}) {
  const json = path.join(v.out, `${name}.json`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'bench', ...args, '--json', json, '--max_row_s', '100000'], { encoding: 'utf8', env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  log(`${name}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!fs.existsSync(json)) {
    log(`${name}: no result (${(r.stderr || '').trim().split('\n').pop()})`);
    return [];
  }
  return JSON.parse(fs.readFileSync(json, 'utf8')).rows;
}

// Dawn's default (Vulkan: the GPU's driver); backend=opengles tries it here on llvmpipe.
const adapter = { SPADE_DAWN_FLAGS: v.dawn_flags };
const table = [];
const kernels = [];
for (const config of configs) {
  const fwd = bench(`forward-${config}`, ['forward', '--config', config, '--backend', 'webgpu', '--runs', runs], adapter);
  table.push(...fwd.map((r) => ({ ...r, batch: 1 })));
  for (const batch of batches) {
    const rows = bench(`train-${config}-b${batch}`, ['train', '--config', config, '--backend', 'webgpu', '--batch', String(batch), '--runs', runs], adapter);
    table.push(...rows.map((r) => ({ ...r, batch })));
  }
  // The train step with TF.js's forward conv instead of ours (webgpu_conv.ts), at the largest
  // batch: which of the two a GPU should train with is measured on no GPU yet.
  const big = String(batches[batches.length - 1]);
  const tfjsConv = bench(`train-${config}-b${big}-tfjs-conv`, ['train', '--config', config, '--backend', 'webgpu', '--batch', big, '--runs', runs, '--no_torch'], { ...adapter, SPADE_WEBGPU_CONV: '0' });
  table.push(...tfjsConv.map((r) => ({ ...r, batch: big, note: `TF.js's forward conv (SPADE_WEBGPU_CONV=0); ${r.note ?? ''}` })));
  // Counts on the null backend, then GPU time per kernel on the real adapter (timestamp queries).
  for (const mode of ['train', 'forward']) {
    const counts = bench(`profile-${mode}-${config}`, [mode, '--profile', '--config', config, '--backend', 'webgpu', '--runs', '2', '--no_torch']);
    const timed = bench(`kernels-${mode}-${config}`, [mode, '--profile', '--config', config, '--backend', 'webgpu', '--runs', '1', '--no_torch'], { ...adapter, SPADE_PROFILE_KERNEL_MS: '1' });
    kernels.push({
      config,
      what: mode === 'train' ? 'one train step' : 'one forward frame',
      counts: counts.find((r) => r.dispatches !== undefined),
      kernel_ms: timed.find((r) => r.kernel_ms)?.kernel_ms,
      note: timed.find((r) => r.kernel_ms_note)?.kernel_ms_note ?? (timed.length ? 'no timestamp results' : 'the timed profile failed'),
    });
  }
}

const fmt = (x, d = 0) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.hostname()} (${os.cpus().length} CPUs); PyTorch on ${device}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all.`,
  '',
  '| config | what | batch | backend | warm median (ms) | cold (ms) | steps/s | ours / PyTorch | note |',
  '|---|---|---:|---|---:|---:|---:|---:|---|',
];
for (const r of table) {
  const sps = r.kind === 'train' && r.fwd_ms_median ? fmt(1000 / r.fwd_ms_median, 2) : '';
  lines.push(`| ${r.config} | ${r.kind} | ${r.batch} | ${r.backend} | ${r.skipped ? r.skipped : fmt(r.fwd_ms_median)} | ${fmt(r.fwd_ms_cold)} | ${sps} | ${r.ratio_vs_pytorch ? fmt(r.ratio_vs_pytorch, 1) + '×' : '–'} | ${r.note ?? ''} |`);
}
for (const k of kernels) {
  const counted = k.counts ? `${k.counts.dispatches} dispatches, ${k.counts.uploads} uploads, ${k.counts.submits} submits, ${k.counts.readbacks} readbacks` : 'not counted';
  lines.push('', `**${k.config}**, ${k.what}'s GPU work: ${counted}.`);
  if (!k.kernel_ms) {
    lines.push(`No per-kernel GPU times: ${k.note}.`);
    continue;
  }
  const total = Object.values(k.kernel_ms).reduce((a, b) => a + b, 0);
  lines.push('', '| kernel | GPU ms | share |', '|---|---:|---:|');
  for (const [name, ms] of Object.entries(k.kernel_ms).sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    lines.push(`| ${name} | ${fmt(ms, 2)} | ${fmt((100 * ms) / total, 1)} % |`);
  }
}
fs.writeFileSync(path.join(v.out, 'summary.md'), lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
