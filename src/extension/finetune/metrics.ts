/**
 * Reading a run's `metrics.jsonl` (one JSON object per logged step, appended by `spade train`)
 * while it is being written: only complete lines count, so a half-written last line is skipped
 * rather than misread. Node only (fs), no vscode.
 */
import * as fs from 'node:fs/promises';
import { formatDuration, formatRate, formatValue } from '../../shared/run_format';

export interface TrainMetrics {
  step: number;
  steps_total: number;
  elapsed_s?: number;
  steps_per_s?: number;
  eta_s?: number;
  /** Losses and learning rates (G_GAN, G_GAN_Feat, G_KLD, D_Fake, D_real, lr_G, lr_D). */
  values: Record<string, number>;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** One line of metrics.jsonl, or undefined when it is not a metrics object. */
export function parseMetricsLine(line: string): TrainMetrics | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  if (!isNum(r.step) || !isNum(r.steps_total)) return undefined;
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) if (/^(G_|D_|lr_)/.test(k) && isNum(v)) values[k] = v;
  return {
    step: r.step,
    steps_total: r.steps_total,
    elapsed_s: isNum(r.elapsed_s) ? r.elapsed_s : undefined,
    steps_per_s: isNum(r.steps_per_s) ? r.steps_per_s : undefined,
    eta_s: isNum(r.eta_s) ? r.eta_s : undefined,
    values,
  };
}

/**
 * The last complete metrics line of `text`. `fromMiddle` says the text starts inside the file
 * (a tail read), so its first line may be a fragment and is not trusted.
 */
export function lastMetrics(text: string, fromMiddle = false): TrainMetrics | undefined {
  const lines = text.split('\n');
  lines.pop(); // after the last '\n': empty, or a line still being written
  const first = fromMiddle ? 1 : 0;
  for (let i = lines.length - 1; i >= first; i--) {
    const m = lines[i].trim() && parseMetricsLine(lines[i]);
    if (m) return m;
  }
  return undefined;
}

/** Reads only the end of the file: metrics.jsonl grows for the whole run. */
export async function readLastMetrics(file: string, tailBytes = 64 * 1024): Promise<TrainMetrics | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch {
    return undefined; // not written yet
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - tailBytes);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    return lastMetrics(buf.subarray(0, bytesRead).toString('utf8'), start > 0);
  } finally {
    await fh.close();
  }
}

/** The status bar text: "SPADE: step 120/500 · 1.3 steps/s · ETA 4:10". */
export function formatProgress(m: TrainMetrics): string {
  const parts = [`SPADE: step ${m.step}/${m.steps_total}`];
  if (m.steps_per_s !== undefined) parts.push(formatRate(m.steps_per_s));
  if (m.eta_s !== undefined) parts.push(`ETA ${formatDuration(m.eta_s)}`);
  return parts.join(' · ');
}

/** The losses and learning rates, for the tooltip. */
export function formatValues(m: TrainMetrics): string {
  return Object.entries(m.values)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(' · ');
}
