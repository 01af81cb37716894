/**
 * The preview's latency trace: the moments of one picture's life, from opening a label map (or
 * releasing the pointer after a stroke) to its pixels on the canvas. The webview records them
 * (src/webview/preview_trace.ts), the host adds its own and shows the last ones (SPADE: Show
 * Preview Timings); the E2E reads the same trace.
 *
 * One clock: every mark is Unix-epoch milliseconds. The webview and its worker take
 * `performance.timeOrigin + performance.now()` (each realm has its own origin, the sum is the same
 * clock); the host takes `Date.now()`. On one machine both read the same system clock, so marks
 * from the two sides compare directly; with a remote extension host they differ by the machines'
 * clock offset, and only the spans within one side are exact.
 */

/** Where a picture's wait begins: opening a label map (or a new checkpoint), or a finished stroke. */
export type TraceKind = 'open' | 'stroke';

/**
 * Open, in order: the host opens the document (`open`), has the model's bytes (`modelRead`) and
 * sends where to fetch them (`initSent`); the page starts (`pageStart`), gets that (`initReceived`) and
 * has fetched the bytes (`modelFetched`); the worker's
 * backend is ready (`backendReady`), the checkpoint parsed (`modelParsed`) and its weights on the
 * device (`weightsOnDevice`). Stroke: `pointerUp`, the host applied the edit (`editApplied`). Both:
 * the mask goes to the worker (`maskSent`), which gets it (`maskReceived`), starts and finishes the
 * frame (`frameStarted`, `frameDone`); the page draws it (`painted`). An open may also get the
 * host's first picture (src/shared/first_picture.ts): the host's frame (`hostFrameStarted`,
 * `hostFrameDone`) and the page drawing it (`hostPicturePainted`), before the page's own.
 */
export const TRACE_MARKS = [
  'open',
  'modelRead',
  'initSent',
  'pageStart',
  'initReceived',
  'modelFetched',
  'backendReady',
  'modelParsed',
  'weightsOnDevice',
  'pointerUp',
  'editApplied',
  'maskSent',
  'maskReceived',
  'frameStarted',
  'frameDone',
  'painted',
  'hostFrameStarted',
  'hostFrameDone',
  'hostPicturePainted',
] as const;
export type TraceMark = (typeof TRACE_MARKS)[number];

export type TraceMarks = Partial<Record<TraceMark, number>>;

export interface PreviewTrace {
  kind: TraceKind;
  /** The model the picture came from and the backend that drew it. */
  model: string;
  backend: string;
  /** The frame was a dirty-region frame (only the stroke's neighbourhood recomputed). */
  dirty?: boolean;
  marks: TraceMarks;
}

/** Where each wait starts. */
export const TRACE_START: Record<TraceKind, TraceMark> = { open: 'open', stroke: 'pointerUp' };

/** Marks within this many ms of `now` and no older than a day are believed; others are a bug or a wrong clock. */
const MAX_SKEW_MS = 24 * 3600 * 1000;

/**
 * Validates a trace from the webview (the host trusts nothing it sends): known mark names only,
 * finite epoch times within a day of `now`. Returns null for anything malformed.
 */
export function parsePreviewTrace(v: unknown, now = Date.now()): PreviewTrace | null {
  if (typeof v !== 'object' || v === null) return null;
  const t = v as Record<string, unknown>;
  if (t.kind !== 'open' && t.kind !== 'stroke') return null;
  if (typeof t.model !== 'string' || t.model.length > 200 || typeof t.backend !== 'string' || t.backend.length > 40) return null;
  if (t.dirty !== undefined && typeof t.dirty !== 'boolean') return null;
  if (typeof t.marks !== 'object' || t.marks === null) return null;
  const marks: TraceMarks = {};
  for (const [k, ms] of Object.entries(t.marks)) {
    if (!(TRACE_MARKS as readonly string[]).includes(k)) return null;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms - now) > MAX_SKEW_MS) return null;
    marks[k as TraceMark] = ms;
  }
  return { kind: t.kind, model: t.model, backend: t.backend, ...(t.dirty !== undefined ? { dirty: t.dirty } : {}), marks };
}

/** A span between two marks, in ms; null when either is missing. */
export function span(trace: PreviewTrace, from: TraceMark, to: TraceMark): number | null {
  const a = trace.marks[from];
  const b = trace.marks[to];
  return a === undefined || b === undefined ? null : b - a;
}

/** The first picture on the canvas: the host's first picture when it came first, else the page's own. */
export function firstPainted(trace: PreviewTrace): TraceMark {
  const host = trace.marks.hostPicturePainted;
  const own = trace.marks.painted;
  return host !== undefined && (own === undefined || host <= own) ? 'hostPicturePainted' : 'painted';
}

/** From the wait's start to the first picture on the canvas. */
export function waitMs(trace: PreviewTrace): number | null {
  return span(trace, TRACE_START[trace.kind], firstPainted(trace));
}

/** The frame that made the first picture: the host's or the page's worker's. */
export function firstFrameMs(trace: PreviewTrace): number | null {
  return firstPainted(trace) === 'hostPicturePainted' ? span(trace, 'hostFrameStarted', 'hostFrameDone') : frameMs(trace);
}

/** The frame itself, in the worker. */
export function frameMs(trace: PreviewTrace): number | null {
  return span(trace, 'frameStarted', 'frameDone');
}

/**
 * The trace as lines, one per mark in time order: ms since the wait's start and since the
 * previous mark. What SPADE: Show Preview Timings prints.
 */
export function formatTrace(trace: PreviewTrace): string[] {
  const marks = TRACE_MARKS.filter((k) => trace.marks[k] !== undefined).map((k) => [k, trace.marks[k]!] as const);
  marks.sort((a, b) => a[1] - b[1]);
  const t0 = trace.marks[TRACE_START[trace.kind]] ?? marks[0]?.[1] ?? 0;
  const total = waitMs(trace);
  const frame = firstFrameMs(trace);
  const host = firstPainted(trace) === 'hostPicturePainted';
  const head =
    `${trace.kind === 'open' ? 'open → picture' : 'stroke → picture'}: ${total === null ? 'n/a' : `${Math.round(total)} ms`}` +
    ` (frame ${frame === null ? 'n/a' : `${Math.round(frame)} ms`}${trace.dirty && !host ? ', dirty region' : ''}; ` +
    `${host ? 'first picture from the host' : trace.backend}, ${trace.model})`;
  let prev = t0;
  const lines = marks.map(([k, t]) => {
    const line = `  ${k.padEnd(16)} ${fmt(t - t0).padStart(8)}  (+${fmt(t - prev)})`;
    prev = t;
    return line;
  });
  return [head, ...lines];
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;
