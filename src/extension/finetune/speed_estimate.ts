/**
 * How long a fine-tune will take, before it starts: a measured steps/s for the backend and model
 * (from a short probe run, src/extension/finetune/speed_probe.ts), turned into words, and kept
 * per backend, checkpoint and batch size so the probe runs once. Pure: no vscode, no fs.
 */
import { parseMetricsLine } from './metrics';

export interface SpeedMeasure {
  stepsPerSec: number;
  /** The backend the probe ran on (what `--backend auto` picked, when asked for auto). */
  backend: string;
  /** Why `auto` picked it, from the run's first line; absent for a named backend. */
  reason?: string;
  /** Steps timed (the first step, which compiles kernels, is left out when there are more). */
  stepsTimed: number;
  /** Date.now() of the measurement. */
  measuredAt: number;
}

/** What makes one measurement stand for another run: the backend asked for, the model file, the batch. */
export interface SpeedKey {
  backend: string;
  /** The base checkpoint (path, size, modification time), or null for a run from scratch. */
  checkpoint: { path: string; size: number; mtimeMs: number } | null;
  batch: number;
  /** Further `spade train` flags (a model from scratch is shaped by them). */
  args?: readonly string[];
}

export function speedCacheKey(k: SpeedKey): string {
  const ck = k.checkpoint ? `${k.checkpoint.path}|${k.checkpoint.size}|${Math.round(k.checkpoint.mtimeMs)}` : 'scratch';
  return JSON.stringify([k.backend, ck, k.batch, [...(k.args ?? [])]]);
}

/** The subset of vscode.Memento the cache needs (globalState). */
export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export const SPEED_MEMENTO = 'spade.fineTune.speeds';
/** Measurements kept (the newest); older ones are dropped. */
export const SPEED_CACHE_SIZE = 20;

export class SpeedCache {
  constructor(private readonly memento: MementoLike) {}

  private all(): Record<string, SpeedMeasure> {
    const v = this.memento.get<Record<string, SpeedMeasure>>(SPEED_MEMENTO);
    return typeof v === 'object' && v !== null ? v : {};
  }

  get(key: SpeedKey): SpeedMeasure | undefined {
    const m = this.all()[speedCacheKey(key)];
    return m && Number.isFinite(m.stepsPerSec) && m.stepsPerSec > 0 && typeof m.backend === 'string' ? m : undefined;
  }

  async set(key: SpeedKey, m: SpeedMeasure): Promise<void> {
    const entries = Object.entries({ ...this.all(), [speedCacheKey(key)]: m });
    entries.sort((a, b) => b[1].measuredAt - a[1].measuredAt);
    await this.memento.update(SPEED_MEMENTO, Object.fromEntries(entries.slice(0, SPEED_CACHE_SIZE)));
  }
}

/**
 * The probe's steps/s from its metrics.jsonl (one line a step) and its log: the time between the
 * first and the last logged step, so the first step's kernel compilation is not counted.
 */
export function measureFromProbe(metricsText: string, log: string, now: number): SpeedMeasure | undefined {
  const lines = metricsText.split('\n').map(parseMetricsLine).filter((m) => m !== undefined && m.elapsed_s !== undefined);
  if (!lines.length) return undefined;
  const first = lines[0]!;
  const last = lines[lines.length - 1]!;
  const timed = lines.length > 1;
  const steps = timed ? last.step - first.step : first.step;
  const seconds = timed ? last.elapsed_s! - first.elapsed_s! : first.elapsed_s!;
  if (!(steps > 0 && seconds > 0)) return undefined;
  const auto = /^backend: (\w+) \(auto: (.*)\)$/m.exec(log);
  const named = /^training \d+ steps? on (\w+)/m.exec(log);
  const backend = auto?.[1] ?? named?.[1];
  if (!backend) return undefined;
  return { stepsPerSec: steps / seconds, backend, ...(auto ? { reason: auto[2] } : {}), stepsTimed: steps, measuredAt: now };
}

/** `about 40 s`, `about 12 min`, `about 3 h 20 min`, `about 2 days 5 h`. */
export function formatDurationInWords(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'an unknown time';
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  const min = Math.round(seconds / 60);
  if (min < 90) return `about ${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `about ${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `about ${d} days${h % 24 ? ` ${h % 24} h` : ''}`;
}

export const isCpuBackend = (backend: string) => backend === 'wasm' || backend === 'cpu';

/** `about 12 min for 1,000 steps on wasm (the CPU)`. */
export function estimateLine(steps: number, m: SpeedMeasure): string {
  const where = isCpuBackend(m.backend) ? `${m.backend} (the CPU)` : m.backend;
  return `${formatDurationInWords(steps / m.stepsPerSec)} for ${steps.toLocaleString('en-US')} steps on ${where}`;
}

/** The confirmation's detail: how the figure was measured, and what a CPU run means. */
export function estimateDetail(m: SpeedMeasure, cached: boolean): string {
  const rate = m.stepsPerSec >= 1 ? `${m.stepsPerSec.toFixed(2)} steps/s` : `${(1 / m.stepsPerSec).toFixed(1)} s a step`;
  const when = cached ? `measured on ${new Date(m.measuredAt).toISOString().slice(0, 10)}` : 'just measured';
  const lines = [`${rate} on ${m.backend}, ${when} over ${m.stepsTimed} step${m.stepsTimed === 1 ? '' : 's'} of a short probe run.`];
  if (m.reason) lines.push(`--backend auto chose ${m.backend}: ${m.reason}.`);
  if (isCpuBackend(m.backend)) {
    lines.push(
      'Training will run on the CPU. A CPU step takes many times longer than a GPU step, ' +
        'and the machine stays busy meanwhile. A run can be stopped at any time and resumed later from its folder.',
    );
  }
  lines.push('Checkpoints and sample pictures are written along the way, so the real run may take somewhat longer.');
  return lines.join('\n');
}
