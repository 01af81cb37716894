/**
 * Records the preview's latency trace (src/shared/preview_trace.ts) in the page: an open trace
 * from the host's `init` (or a new checkpoint) to the first picture, and a stroke trace from
 * pointer-up to the picture that shows the stroke. A finished trace goes to the host; the last
 * of each kind stays here for the status line's tooltip (and the E2E's test hook).
 */
import type { PreviewTrace, TraceKind, TraceMark, TraceMarks } from '../shared/preview_trace';

/** Epoch ms, the trace's one clock (a worker's own timeOrigin + now gives the same clock). */
export const traceNow = (): number => performance.timeOrigin + performance.now();

/** What the worker measured of a frame, in the same clock. */
export interface FrameMarks {
  maskReceived?: number;
  frameStarted?: number;
  frameDone?: number;
}

interface Open {
  trace: PreviewTrace;
  /** The frame this trace waits for (and any newer one); null until its mask is sent. */
  frameId: number | null;
}

export class TraceRecorder {
  private readonly active = new Map<TraceKind, Open>();
  /** Marks of the page's own start-up, given to its first open trace only. */
  private pageMarks: TraceMarks | null = { pageStart: performance.timeOrigin };
  readonly last: Partial<Record<TraceKind, PreviewTrace>> = {};

  constructor(private readonly send: (t: PreviewTrace) => void) {}

  /** The page's backend came up (before or after init). */
  backendReady(at: number): void {
    if (this.pageMarks) this.pageMarks.backendReady = at;
    else this.mark('open', 'backendReady', at);
  }

  /** A model is coming (init or a new checkpoint); `host`: the host's marks (open, modelRead, initSent). */
  beginOpen(model: string, host: TraceMarks): void {
    const marks: TraceMarks = { ...host, ...(this.pageMarks ?? {}), initReceived: traceNow() };
    this.pageMarks = null;
    this.active.set('open', { trace: { kind: 'open', model, backend: '', marks }, frameId: null });
  }

  beginStroke(model: string): void {
    this.active.set('stroke', { trace: { kind: 'stroke', model, backend: '', marks: { pointerUp: traceNow() } }, frameId: null });
  }

  /** A mark of the open trace in progress (ignored when none is). */
  mark(kind: TraceKind, name: TraceMark, at = traceNow()): void {
    const a = this.active.get(kind);
    if (a) a.trace.marks[name] ??= at;
  }

  /** A frame was asked for: the traces still waiting for their mask wait for this frame. */
  frameSent(frameId: number): void {
    for (const a of this.active.values()) {
      if (a.frameId !== null) continue;
      a.frameId = frameId;
      a.trace.marks.maskSent = traceNow();
    }
  }

  /** Frame `frameId` is on the canvas: it ends the traces waiting for it or an older one. */
  framePainted(frameId: number, worker: FrameMarks, backend: string, dirty: boolean): void {
    const painted = traceNow();
    for (const [kind, a] of [...this.active]) {
      if (a.frameId === null || a.frameId > frameId) continue;
      this.active.delete(kind);
      const t = a.trace;
      Object.assign(t.marks, worker, { painted });
      t.backend = backend;
      t.dirty = dirty;
      this.last[kind] = t;
      this.send(t);
    }
  }

  /** The model failed to load or a frame failed: the traces in progress end without a picture. */
  abandon(kind?: TraceKind): void {
    if (kind) this.active.delete(kind);
    else this.active.clear();
  }
}
