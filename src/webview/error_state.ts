/**
 * The error the status line shows, and its kind: an error ends when its own kind is cleared
 * (a model loads, the ids fit again) or, for some kinds, with the next good frame.
 */
import type { StatusReporter } from './status_reporter';

export type ErrorKind = 'ids' | 'frame' | 'load' | 'host' | 'style' | 'fatal';

/** Kinds that a good frame ends (ids and load errors end by themselves). */
const ENDED_BY_A_FRAME: readonly ErrorKind[] = ['frame', 'style', 'host'];

export class ErrorState {
  private kind: ErrorKind | null = null;

  constructor(private readonly status: StatusReporter) {}

  set(kind: ErrorKind, message: string): void {
    this.kind = kind;
    this.status.line.error = message;
    this.status.report(true);
  }

  clear(kind: ErrorKind): void {
    if (this.kind !== kind) return;
    this.kind = null;
    this.status.line.error = null;
    this.status.report(true);
  }

  /** A frame arrived. */
  frameShown(): void {
    if (this.kind && ENDED_BY_A_FRAME.includes(this.kind)) this.clear(this.kind);
  }
}
