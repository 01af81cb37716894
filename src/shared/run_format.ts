/**
 * How a training run's figures read, in the status bar and in the run view alike: durations,
 * rates (seconds per step for slow CPU runs), and loss values.
 */
import type { RunProgress } from './run_view_protocol';

/** 250 → "4:10", 4000 → "1:06:40". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Slow CPU runs make fewer than one step a second; those read better as seconds per step. */
export function formatRate(stepsPerS: number): string {
  if (stepsPerS >= 1) return `${stepsPerS.toFixed(1)} steps/s`;
  if (stepsPerS >= 0.1) return `${stepsPerS.toFixed(2)} steps/s`;
  return stepsPerS > 0 ? `${(1 / stepsPerS).toFixed(0)} s/step` : '0 steps/s';
}

/** A loss or learning rate: four significant digits, small ones in exponent form. */
export function formatValue(v: number): string {
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toPrecision(4);
}

/** The run view's progress line: "step 120/500 · 1.3 steps/s · ETA 4:10". */
export function formatRunProgress(p: RunProgress): string {
  const parts = [`step ${p.step}/${p.stepsTotal}`];
  if (p.stepsPerS !== undefined) parts.push(formatRate(p.stepsPerS));
  if (p.etaS !== undefined) parts.push(p.step >= p.stepsTotal ? 'done' : `ETA ${formatDuration(p.etaS)}`);
  return parts.join(' · ');
}
