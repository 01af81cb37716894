// The preview's latency, as its own trace records it (src/shared/preview_trace.ts): the E2E reads
// the webview's last traces through its test hook (__spadeDebug.traces) and appends one object per
// run to test-results/preview-timings.json. Figures only: nothing here asserts a time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { paths } from './harness.mjs';

export const TIMINGS_FILE = path.join(paths.results, 'preview-timings.json');

/** The webview's last traces ({open, stroke}), or null when the page has no test hook. */
export function readTraces(frame) {
  return frame.evaluate(() => globalThis.__spadeDebug?.traces?.() ?? null).catch(() => null);
}

/** Waits for a trace of `kind` that began at or after `since` (epoch ms); returns it. */
export async function waitForTrace(frame, kind, since, until, what) {
  let found = null;
  const start = kind === 'open' ? 'open' : 'pointerUp';
  await until(what, 120_000, async () => {
    const t = (await readTraces(frame))?.[kind];
    if (t && t.marks[start] >= since - 5 && t.marks.painted !== undefined) found = t;
    return found !== null;
  }, async () => `last traces: ${JSON.stringify(await readTraces(frame))}`);
  return found;
}

const span = (t, a, b) => (t?.marks[a] !== undefined && t?.marks[b] !== undefined ? Math.round(t.marks[b] - t.marks[a]) : null);

/** The host's first picture was on the canvas before the page's own (as src/shared/preview_trace.ts reads it). */
const fromHost = (t) => t?.marks.hostPicturePainted !== undefined && !(t.marks.painted < t.marks.hostPicturePainted);
const firstPainted = (t) => (fromHost(t) ? 'hostPicturePainted' : 'painted');
const firstFrame = (t) => (fromHost(t) ? span(t, 'hostFrameStarted', 'hostFrameDone') : span(t, 'frameStarted', 'frameDone'));

/** Each mark, ms after the trace's start. */
function relative(t) {
  if (!t) return null;
  const t0 = t.marks[t.kind === 'open' ? 'open' : 'pointerUp'];
  return Object.fromEntries(Object.entries(t.marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => [k, Math.round(v - t0)]));
}

/**
 * One run's figures. `warm`: the open trace of a second label map in the same window (the
 * extension host and the checkpoint already loaded), the one the goal is about; `cold`: the first.
 */
export function timingsRecord({ backend, cold, warm, stroke }) {
  const open = warm ?? cold;
  return {
    model: open?.model ?? stroke?.model ?? null,
    backend: open?.backend ?? stroke?.backend ?? backend,
    open_to_first_picture_ms: span(open, 'open', firstPainted(open)),
    frame_ms: firstFrame(open),
    stroke_to_picture_ms: span(stroke, 'pointerUp', 'painted'),
    dirty_frame_ms: stroke?.dirty ? span(stroke, 'frameStarted', 'frameDone') : null,
    tab: warm ? 'warm' : 'cold',
    // Where the first picture came from: the host's first-picture renderer, or the page's worker.
    first_picture_from: fromHost(open) ? 'host' : 'page',
    page_open_to_picture_ms: span(open, 'open', 'painted'),
    page_frame_ms: span(open, 'frameStarted', 'frameDone'),
    cold_open_to_first_picture_ms: span(cold, 'open', firstPainted(cold)),
    cold_first_picture_from: fromHost(cold) ? 'host' : 'page',
    cold_frame_ms: firstFrame(cold),
    stroke_frame_dirty: stroke?.dirty ?? null,
    stroke_frame_ms: span(stroke, 'frameStarted', 'frameDone'),
    marks: { open: relative(open), cold: warm ? relative(cold) : undefined, stroke: relative(stroke) },
    run: {
      e2e_backend: backend, at: new Date().toISOString(), load_avg_1m: Number(os.loadavg()[0].toFixed(2)), cpus: os.cpus().length,
    },
  };
}

/** Appends a run to test-results/preview-timings.json (an array; repeated runs accumulate). */
export function appendTimings(record) {
  let all = [];
  try {
    const v = JSON.parse(fs.readFileSync(TIMINGS_FILE, 'utf8'));
    if (Array.isArray(v)) all = v;
  } catch { /* first run, or not ours */ }
  all.push(record);
  fs.writeFileSync(TIMINGS_FILE + '.tmp', JSON.stringify(all, null, 2) + '\n');
  fs.renameSync(TIMINGS_FILE + '.tmp', TIMINGS_FILE);
}
