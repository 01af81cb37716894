/**
 * spade bench [forward|train]: generator forward latency (warm median and cold first call)
 * and peak memory, or train-step time, per config × backend, next to PyTorch CPU on the same
 * weights when /usr/bin/python3 has torch. Prints a Markdown table; --json writes the rows.
 * --cached_modulation adds, per config and backend, the modulation cache's and the
 * dirty-region renderer's frames next to a full frame (src/bench/live.ts).
 * --profile adds, to each webgpu row, the GPU work of one step or frame and its host time on
 * Dawn's null backend (src/cli/bench/profile_job.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpadeInputError } from '../../model/errors';
import { writeFileAtomic } from '../files';
import { configFrom } from '../load';
import type { CommandContext } from '../command_context';
import { CONFIG_NAMES, benchConfig, generatorMacs, trainStepMacs } from '../bench/configs';
import { rewriteCheckpoint, writeBenchInputs, writeRandomCheckpoint, type BenchInputs } from '../bench/inputs';
import { runJob, type Job, type JobResult } from '../bench/measure';
import { runProfileJob } from '../bench/profile_job';
import { runWorker } from '../bench/child';
import { TORCH_DEVICE, runTorch, torchStatus } from '../bench/torch_runner';
import { BROWSER_BACKENDS, runBrowserLive, runBrowserRows } from '../bench/browser';
import { NODE_BENCH_BACKENDS } from '../bench/node_backend';
import { fillRatios, markdownTable, skippedRow, type BenchDocument, type BenchRow, type RowBase } from '../bench/rows';
import { liveRows, liveTable, type LiveRow } from '../../bench/live';
import type { ProfileResult } from '../bench/profile_job';
import { profileFields, profileTable } from '../bench/profile_rows';
import { SPADEGenerator } from '../../model/networks/generator';
import { numel } from '../../model/checkpoint/host_tensor';
import type { SpadeConfig } from '../../model/config';

/**
 * Rough throughput (GMAC/s) per backend on this 2-core machine, used only to skip rows that
 * would take many minutes, with the reason in the row: forward counts the generator's MACs,
 * train the MACs of a whole NVlabs step (trainStepMacs). Calibrated from measured rows.
 */
const FORWARD_GMACS_PER_S: Record<string, number> = { wasm: 10, cpu: 0.3, webgpu: 0.5, pytorch: 10, 'browser-webgpu': 0.04, 'browser-webgl': 0.4, 'browser-wasm': 8 };
const TRAIN_GMACS_PER_S: Record<string, number> = { wasm: 3, cpu: 0.02, webgpu: 0.2, pytorch: 2 };

export async function bench(ctx: CommandContext): Promise<void> {
  const v = ctx.values;
  if (typeof v.worker === 'string') return worker(v.worker);
  const mode = ctx.positionals[0] ?? 'forward';
  if (mode !== 'forward' && mode !== 'train') throw new SpadeInputError(`bench mode must be forward or train, got '${mode}'`);
  const runs = intFlag(v.runs, 'runs', 3, 1);
  const batch = intFlag(v.batch, 'batch', 1, 1);
  const maxRowS = intFlag(v.max_row_s, 'max_row_s', 300, 1);
  const profile = v.profile === true;
  const backends = listFlag(v.backend as string | undefined, profile ? 'webgpu' : 'wasm,webgpu', [...NODE_BENCH_BACKENDS], 'backend');
  const checkpoint = v.checkpoint as string | undefined;
  const defaultConfigs = mode === 'train' ? 'toy128,small' : 'small,coco';
  const configs = checkpoint ? [path.basename(checkpoint)] : listFlag(v.config as string | undefined, defaultConfigs, CONFIG_NAMES, 'config', ['toy128', 'small', 'coco']);
  const torch = v.no_torch ? { ok: false as const, reason: 'turned off (--no_torch)' } : torchStatus();
  if (!torch.ok) ctx.log(`PyTorch rows: none (${torch.reason})`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-bench-'));
  const rows: BenchRow[] = [];
  const live: LiveRow[] = [];
  const cachedModulation = v.cached_modulation === true;
  if (cachedModulation && mode !== 'forward') throw new SpadeInputError('--cached_modulation goes with bench forward');
  const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
  const json = typeof v.json === 'string' ? v.json : undefined;
  // Written after every row too, so a long run that is stopped keeps what it measured.
  const save = () => {
    if (json) writeFileAtomic(json, new TextEncoder().encode(JSON.stringify(document(rows, live), null, 2) + '\n'));
  };
  const record = (...r: BenchRow[]) => {
    rows.push(...r);
    save();
  };
  try {
    for (const name of configs) {
      const ck = path.join(tmp, `${name.replace(/[^\w.-]/g, '_')}.safetensors`);
      let cfg: SpadeConfig;
      if (checkpoint) {
        cfg = rewriteCheckpoint(checkpoint, configFrom(v), ck);
      } else {
        cfg = benchConfig(name).config;
        progress(`${name}: writing random weights`);
        await writeRandomCheckpoint(cfg, 1, ck);
      }
      const inputs = writeBenchInputs(tmp, cfg, ck, batch);
      const gmacs = (generatorMacs(cfg) * batch) / 1e9;
      const paramsG = new SPADEGenerator(cfg).specs().filter((s) => s.trainable).reduce((n, s) => n + numel(s.shape), 0);
      const base = { config: name, kind: mode, runs, gmacs, params_G: paramsG } as const;
      const rates = mode === 'train' ? TRAIN_GMACS_PER_S : FORWARD_GMACS_PER_S;
      const work = mode === 'train' ? (trainStepMacs(cfg) * batch) / 1e9 : gmacs;
      const estimate = (backend: string) => (work / rates[backend]) * (runs + 1);
      const tooSlow = (backend: string): string | null => {
        const s = estimate(backend);
        return s > maxRowS ? `skipped (about ${Math.round(s)} s at ~${rates[backend]} GMAC/s; raise --max_row_s to run it)` : null;
      };

      for (const backend of backends) {
        // The null backend does no GPU work, so a profile runs even where the timed row is skipped.
        const profiled = async (row: BenchRow): Promise<BenchRow> => {
          if (!profile || backend !== 'webgpu') return row;
          progress(`${name} × ${backend}: counting GPU work on Dawn's null backend (${runs} runs)…`);
          try {
            const p = await runWorker<ProfileResult>({ kind: mode, backend, inputs, runs, profile: true }, path.join(tmp, `profile-${name}-${backend}.json`), 600);
            return { ...row, ...profileFields(p) };
          } catch (e) {
            return { ...row, note: `${row.note ? row.note + '; ' : ''}profile failed (${oneLine(e)})` };
          }
        };
        const slow = tooSlow(backend);
        if (slow) {
          record(await profiled(skippedRow(base, backend, 'tfjs', slow)));
          continue;
        }
        progress(`${name} × ${backend} (${mode}, ${runs} runs)…`);
        const job: Job = { kind: mode, backend, inputs, runs };
        try {
          const r = await runWorker(job, path.join(tmp, `job-${name}-${backend}.json`), Math.max(600, estimate(backend) * 4));
          record(await profiled(resultRow(base, backend, r)));
        } catch (e) {
          record(await profiled(skippedRow(base, backend, 'tfjs', `failed (${oneLine(e)})`)));
        }
        if (cachedModulation) {
          progress(`${name} × ${backend}: cached modulation and 16-px strokes (${runs} runs)…`);
          try {
            // About 3 + 4 runs' worth of full frames (the prepares, the strokes' reference frames).
            const r = await runWorker({ kind: 'live', backend, inputs, runs }, path.join(tmp, `live-${name}-${backend}.json`), Math.max(600, estimate(backend) * 8));
            live.push(...liveRows(name, backend, r.live!));
            save();
          } catch (e) {
            progress(`${name} × ${backend}: live rows failed (${oneLine(e)})`);
          }
        }
      }
      if (v.browser) {
        for (const backend of BROWSER_BACKENDS) {
          const slow = mode === 'train' ? 'skipped (the train bench runs in Node only)' : tooSlow(backend);
          if (slow) record(skippedRow(base, backend, 'tfjs', slow));
        }
        const want = mode === 'train' ? [] : BROWSER_BACKENDS.filter((b) => !tooSlow(b));
        if (want.length) {
          progress(`${name} × ${want.join(', ')} (headless Chromium)…`);
          record(...(await runBrowserRows(base, want, inputs, runs, (b) => Math.max(600, estimate(b) * 4))));
          if (cachedModulation) {
            progress(`${name} × ${want.join(', ')}: cached modulation and 16-px strokes in Chromium…`);
            live.push(...(await runBrowserLive(name, want, inputs, runs, (b) => Math.max(600, estimate(b) * 8), (b, why) => progress(`${name} × ${b}: live rows ${why}`))));
            save();
          }
        }
      }
      if (torch.ok) {
        const slow = tooSlow('pytorch');
        if (slow) record(skippedRow(base, `pytorch-${TORCH_DEVICE}`, 'pytorch', slow));
        else {
          progress(`${name} × PyTorch ${torch.version} CPU…`);
          record(await torchRow(base, mode, inputs, runs, estimate('pytorch')));
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  ctx.log(markdownTable(document(rows).rows));
  if (live.length) ctx.log('\n' + liveTable(live));
  if (profile) ctx.log('\n' + profileTable(rows));
  if (json) {
    save();
    ctx.log(`wrote ${json}`);
  }
}

function document(rows: BenchRow[], live: LiveRow[] = []): BenchDocument {
  fillRatios(rows);
  return {
    rows,
    ...(live.length ? { live } : {}),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      date: new Date().toISOString(),
      note: 'shared machine: other processes may compete for the cores; numbers are indicative',
    },
  };
}


function resultRow(base: RowBase, backend: string, r: JobResult): BenchRow {
  return {
    ...base, backend, runtime: 'tfjs', fwd_ms_median: r.ms_median, fwd_ms_cold: r.ms_cold, peak_mb: r.peak_rss_mb, peak_kind: 'rss',
    tensor_peak_mb: r.tensor_peak_mb, ratio_vs_pytorch: null, note: r.backend_info,
  };
}

async function torchRow(base: RowBase, mode: 'forward' | 'train', inputs: BenchInputs, runs: number, estimateS: number): Promise<BenchRow> {
  const args = ['--checkpoint', inputs.checkpoint, '--labels', inputs.labels];
  if (inputs.instances) args.push('--instances', inputs.instances);
  try {
    if (mode === 'forward') {
      if (inputs.z) args.push('--z', inputs.z);
      const r = await runTorch('forward', [...args, '--runs', String(runs)], Math.max(600, estimateS * 4));
      return { ...base, backend: `pytorch-${TORCH_DEVICE}`, runtime: 'pytorch', fwd_ms_median: r.fwd_ms_median as number, fwd_ms_cold: r.fwd_ms_cold as number, peak_mb: r.peak_mb as number, peak_kind: 'rss', ratio_vs_pytorch: null, note: `torch ${r.torch}, ${r.threads} threads` };
    }
    const r = await runTorch('train', [...args, '--images', inputs.images, '--steps', String(runs + 1)], Math.max(600, estimateS * 4));
    return { ...base, backend: `pytorch-${TORCH_DEVICE}`, runtime: 'pytorch', fwd_ms_median: r.step_ms_median as number, fwd_ms_cold: r.step_ms_cold as number, peak_mb: r.peak_mb as number, peak_kind: 'rss', ratio_vs_pytorch: null, note: `torch ${r.torch}, ${r.threads} threads` };
  } catch (e) {
    return skippedRow(base, `pytorch-${TORCH_DEVICE}`, 'pytorch', `failed (${oneLine(e)})`);
  }
}

/** Inside the child process: one measurement, result written beside the job file. */
async function worker(jobFile: string): Promise<void> {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8')) as Job;
  const result = job.profile ? await runProfileJob(job) : await runJob(job);
  fs.writeFileSync(`${jobFile}.result.json`, JSON.stringify(result));
}

function oneLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 160);
}

function intFlag(v: unknown, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new SpadeInputError(`--${name} must be an integer ≥ ${min}, got '${String(v)}'`);
  return n;
}

function listFlag(v: string | undefined, dflt: string, allowed: string[], name: string, all?: string[]): string[] {
  const items = (v ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
  if (all && items.length === 1 && items[0] === 'all') return all;
  for (const it of items) {
    if (!allowed.includes(it)) throw new SpadeInputError(`--${name} must be a comma list of ${allowed.join(', ')}${all ? ' (or all)' : ''}, got '${it}'`);
  }
  return [...new Set(items)];
}
