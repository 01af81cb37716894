/**
 * One measured (or skipped) combination of config × backend × runtime, the JSON document
 * `spade bench --json` writes, and the Markdown table it prints.
 */
import type { LiveRow } from '../../bench/live';

export type Runtime = 'tfjs' | 'pytorch';

export interface BenchRow {
  config: string;
  /** wasm | cpu | webgpu (Node, Dawn) | browser-webgpu | browser-webgl | browser-wasm | pytorch-cpu */
  backend: string;
  runtime: Runtime;
  /** forward: generator forward latency; train: one G step + one D step (NVlabs order). */
  kind: 'forward' | 'train';
  /** Warm: median over the timed runs, after the first. */
  fwd_ms_median: number | null;
  /** The first call in a fresh process: includes kernel set-up and shader compilation. */
  fwd_ms_cold: number | null;
  /** Peak resident memory of the measuring process (MB); tensor memory in the browser. */
  peak_mb: number | null;
  /** What peak_mb measures. */
  peak_kind: 'rss' | 'tensors' | null;
  /** TF.js tensor memory high-water (MB), where the backend reports it. */
  tensor_peak_mb?: number | null;
  /** ours / PyTorch on the same config and weights; null for PyTorch itself or without it. */
  ratio_vs_pytorch: number | null;
  runs: number;
  gmacs: number;
  params_G: number;
  /** Set instead of the numbers when the combination was not run or failed. */
  skipped?: string;
  note?: string;
  /** --profile (webgpu): the GPU work of one steady-state step or frame (profile_rows.ts). */
  dispatches?: number;
  uploads?: number;
  upload_bytes?: number;
  submits?: number;
  readbacks?: number;
  pipelines_compiled?: number;
  /** Host ms per step or frame on Dawn's null backend (no GPU work). */
  null_host_ms?: number;
  /** Dispatches per shader. */
  programs?: Record<string, number>;
  /** GPU ms per TF.js kernel from timestamp queries, where the adapter has them (profile_job.ts). */
  kernel_ms?: Record<string, number>;
  /** Why kernel_ms is absent when it was asked for (SPADE_PROFILE_KERNEL_MS=1). */
  kernel_ms_note?: string;
}

export interface BenchDocument {
  rows: BenchRow[];
  /** --cached_modulation: the modulation cache and the 16-px stroke, per config and backend. */
  live?: LiveRow[];
  machine: { cpus: number; cpu_model: string; node: string; date: string; note: string };
}

/** Ratio for every tfjs row whose config has a PyTorch row of the same kind. */
export function fillRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    if (r.runtime !== 'tfjs' || r.fwd_ms_median === null) continue;
    const torch = rows.find((p) => p.runtime === 'pytorch' && p.config === r.config && p.kind === r.kind && p.fwd_ms_median !== null);
    r.ratio_vs_pytorch = torch ? r.fwd_ms_median / torch.fwd_ms_median! : null;
  }
}

const fmt = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '–' : v.toFixed(digits));

export function markdownTable(rows: BenchRow[]): string {
  const kind = rows[0]?.kind ?? 'forward';
  const what = kind === 'train' ? 'step' : 'forward';
  const lines = [
    `| config | backend | runtime | ${what} warm median (ms) | ${what} cold (ms) | peak MB | ours / PyTorch |`,
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const peak = r.peak_mb === null ? '–' : `${fmt(r.peak_mb)}${r.peak_kind === 'tensors' ? ' (tensors)' : ''}`;
    if (r.skipped) {
      lines.push(`| ${r.config} | ${r.backend} | ${r.runtime} | ${r.skipped} | | | |`);
      continue;
    }
    const ratio = r.ratio_vs_pytorch === null ? '–' : `${r.ratio_vs_pytorch.toFixed(2)}×`;
    lines.push(`| ${r.config} | ${r.backend} | ${r.runtime} | ${fmt(r.fwd_ms_median)} | ${fmt(r.fwd_ms_cold)} | ${peak} | ${ratio} |`);
  }
  return lines.join('\n');
}

/** What every row of one config shares. */
export type RowBase = Pick<BenchRow, 'config' | 'kind' | 'runs' | 'gmacs' | 'params_G'>;

/** A row that did not run, with the reason in place of its figures. */
export function skippedRow(base: RowBase, backend: string, runtime: BenchRow['runtime'], why: string): BenchRow {
  return {
    ...base,
    backend,
    runtime,
    fwd_ms_median: null,
    fwd_ms_cold: null,
    peak_mb: null,
    peak_kind: null,
    ratio_vs_pytorch: null,
    skipped: why,
  };
}
