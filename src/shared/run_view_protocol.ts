/**
 * The messages between the extension host and the run view (a training run's charts and
 * sample grids): one union per direction, imported by both sides. The host reads the run
 * folders and sends each run's series already bucketed, so the webview draws at most
 * MAX_POINTS points a line however long the run. Every message the host receives goes
 * through `parseRunViewMessage`.
 */

/** Points per line the host sends: enough for a chart as wide as a screen. */
export const MAX_POINTS = 1000;

/** The newest row's progress figures (absent in rows that lack them). */
export interface RunProgress {
  step: number;
  stepsTotal: number;
  stepsPerS?: number;
  etaS?: number;
  elapsedS?: number;
}

/** One run folder's metrics, bucketed: point i is the mean of `bucket` consecutive rows. */
export interface RunSeriesMessage {
  type: 'run';
  /** Stable for the panel's life; runs keep their colour by it. */
  id: number;
  name: string;
  /** Rows read so far (complete lines that parsed). */
  rows: number;
  /** Rows per point (1 when every row is a point). */
  bucket: number;
  /** The last step of each point. */
  steps: number[];
  /** Per key (G_GAN, D_real, lr_G, steps_per_s, …), one value per point; null where no row had it. */
  values: Record<string, (number | null)[]>;
  progress?: RunProgress;
  /** samples/step_N.png, oldest first, as webview URIs. */
  samples: { step: number; uri: string }[];
  /** A line for the user when the folder cannot be read (no metrics.jsonl yet, bad lines). */
  note?: string;
}

export type RunViewHostToWebview =
  | RunSeriesMessage
  | { type: 'removed'; id: number };

export type RunViewWebviewToHost =
  | { type: 'ready' }
  /** "Add run…": the host asks for run folders to compare. */
  | { type: 'addRuns' }
  | { type: 'removeRun'; id: number }
  /** What the view has drawn, per run: for the tests, through the host's test hooks. */
  | { type: 'shown'; runs: { id: number; rows: number; lastStep: number | null; samples: number }[] };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validates a message from the run view; null for anything malformed. */
export function parseRunViewMessage(m: unknown): RunViewWebviewToHost | null {
  if (!isObj(m) || typeof m.type !== 'string') return null;
  switch (m.type) {
    case 'ready':
    case 'addRuns':
      return { type: m.type };
    case 'removeRun':
      return isCount(m.id) ? { type: 'removeRun', id: m.id } : null;
    case 'shown': {
      const runs: unknown = m.runs;
      if (!Array.isArray(runs) || runs.length > 64) return null;
      const out: { id: number; rows: number; lastStep: number | null; samples: number }[] = [];
      for (const r of runs) {
        if (!isObj(r) || !isCount(r.id) || !isCount(r.rows) || !isCount(r.samples)) return null;
        if (!(r.lastStep === null || isCount(r.lastStep))) return null;
        out.push({ id: r.id, rows: r.rows, lastStep: r.lastStep, samples: r.samples });
      }
      return { type: 'shown', runs: out };
    }
    default:
      return null;
  }
}

/**
 * Exponential moving average of a bucketed line, as TensorBoard's smoothing slider: `weight` per
 * row, so a point that averages `bucket` rows weighs weight^bucket. Nulls stay null.
 */
export function smooth(values: readonly (number | null)[], weight: number, bucket = 1): (number | null)[] {
  const w = Math.pow(Math.min(Math.max(weight, 0), 0.999), Math.max(1, bucket));
  const out: (number | null)[] = [];
  let last: number | undefined;
  let debias = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    last = last === undefined ? (1 - w) * v : last * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    out.push(last / debias);
  }
  return out;
}
