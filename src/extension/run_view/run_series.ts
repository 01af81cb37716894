/**
 * One run's metrics as columns (steps, and per key one value per row), and their bucketed form
 * for the chart: point i averages `bucket` consecutive rows, so a 100,000-row run is drawn from
 * at most `maxPoints` points a line. Node and browser alike (no fs, no vscode).
 */
import type { TrainMetrics } from '../finetune/metrics';
import type { RunProgress } from '../../shared/run_view_protocol';

/** Row fields charted besides the losses and learning rates. */
const EXTRA_KEYS = ['steps_per_s'] as const;

export interface Bucketed {
  bucket: number;
  steps: number[];
  values: Record<string, (number | null)[]>;
}

export class RunSeries {
  private steps = new Float64Array(1024);
  private n = 0;
  /** Per key, one entry per row (NaN where the row lacked it); typed arrays that double as they fill. */
  private columns = new Map<string, Float64Array>();
  private last?: TrainMetrics;

  get rows(): number {
    return this.n;
  }

  get progress(): RunProgress | undefined {
    const m = this.last;
    if (!m) return undefined;
    return { step: m.step, stepsTotal: m.steps_total, stepsPerS: m.steps_per_s, etaS: m.eta_s, elapsedS: m.elapsed_s };
  }

  clear(): void {
    this.steps = new Float64Array(1024);
    this.n = 0;
    this.columns = new Map();
    this.last = undefined;
  }

  /**
   * Appends rows in file order. A row whose step is not past the last one means a new run was
   * logged into the same file (a run restarted without --resume): the rows it repeats go, so
   * the chart shows the steps as they were last trained.
   */
  append(rows: readonly TrainMetrics[]): void {
    for (const m of rows) {
      while (this.n > 0 && this.steps[this.n - 1] >= m.step) this.pop();
      if (this.n === this.steps.length) this.grow();
      const i = this.n++;
      this.steps[i] = m.step;
      for (const k in m.values) this.column(k)[i] = m.values[k];
      if (m.steps_per_s !== undefined) this.column('steps_per_s')[i] = m.steps_per_s;
      this.last = m;
    }
  }

  private column(key: string): Float64Array {
    let col = this.columns.get(key);
    if (!col) this.columns.set(key, (col = new Float64Array(this.steps.length).fill(NaN)));
    return col;
  }

  private grow(): void {
    const size = this.steps.length * 2;
    const steps = new Float64Array(size);
    steps.set(this.steps);
    this.steps = steps;
    for (const [k, col] of this.columns) {
      const bigger = new Float64Array(size).fill(NaN);
      bigger.set(col);
      this.columns.set(k, bigger);
    }
  }

  private pop(): void {
    this.n--;
    for (const col of this.columns.values()) col[this.n] = NaN;
  }

  /** The series bucketed into at most `maxPoints` points a line. */
  bucketed(maxPoints: number): Bucketed {
    const cols = new Map<string, Float64Array>();
    // A key whose rows were all dropped again (see append) has no line.
    for (const [k, col] of this.columns) {
      const rows = col.subarray(0, this.n);
      if (rows.some((v) => !Number.isNaN(v))) cols.set(k, rows);
    }
    return bucketRows(this.steps.subarray(0, this.n), cols, maxPoints);
  }
}

/** Keys in a stable order: losses (G then D), then learning rates, then speed. */
export function orderKeys(keys: Iterable<string>): string[] {
  const extra = EXTRA_KEYS as readonly string[];
  const rank = (k: string) => (k.startsWith('G_') ? 0 : k.startsWith('D_') ? 1 : k.startsWith('lr_') ? 2 : extra.includes(k) ? 3 : 4);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Means of `bucket` = ceil(rows / maxPoints) consecutive rows, each point at its last row's
 * step. A key missing from every row of a bucket gives null there.
 */
export function bucketRows(
  steps: ArrayLike<number>,
  columns: ReadonlyMap<string, ArrayLike<number>>,
  maxPoints: number,
): Bucketed {
  const n = steps.length;
  const bucket = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  const points = Math.ceil(n / bucket);
  const outSteps: number[] = new Array(points);
  for (let p = 0; p < points; p++) outSteps[p] = steps[Math.min(n, (p + 1) * bucket) - 1];
  const values: Record<string, (number | null)[]> = {};
  for (const key of orderKeys(columns.keys())) {
    const col = columns.get(key)!;
    const out: (number | null)[] = new Array(points);
    for (let p = 0; p < points; p++) {
      let sum = 0;
      let count = 0;
      const end = Math.min(n, (p + 1) * bucket);
      for (let i = p * bucket; i < end; i++) {
        const v = i < col.length ? col[i] : NaN;
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
      out[p] = count ? sum / count : null;
    }
    values[key] = out;
  }
  return { bucket, steps: outSteps, values };
}
