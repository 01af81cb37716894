/** What the CLI asks of the benchmark page in Chromium (src/cli/bench/browser.ts), and what it answers. */
import type { BackendName } from '../webview/worker_protocol';
import type { LiveResult } from './live';

export interface PageJob {
  backend: BackendName;
  runs: number;
  checkpoint: string;
  labels: string;
  instances?: string;
  z?: string;
  /** The live rows instead (`--cached_modulation`): modulation cache and dirty-region strokes, checked against full frames. */
  live?: boolean;
}

export interface PageResult {
  backend_info: string;
  ms_cold: number;
  ms_all: number[];
  tensor_peak_mb: number | null;
  live?: LiveResult;
}

/** What the page's script adds to its global scope for the CLI to call. */
export interface BenchPageGlobal {
  spadeBench(job: PageJob): Promise<PageResult>;
}
