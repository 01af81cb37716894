/**
 * The status line, and its copy on the host (the VS Code tests and the host's log read it).
 * Errors and backend changes go to the host at once; frames at most every STATUS_POST_MS.
 */
import type { StatusMessage } from '../shared/protocol';
import { FrameScheduler } from './frame_scheduler';
import { StatusLine } from './status_line';

const STATUS_POST_MS = 250;

export class StatusReporter {
  readonly line = new StatusLine();
  private readonly posts = new FrameScheduler(STATUS_POST_MS, () => this.send());

  constructor(private readonly post: (m: StatusMessage) => void) {}

  /** Redraws the line and tells the host: `now`, or within STATUS_POST_MS. */
  report(now: boolean): void {
    this.line.render();
    this.posts.request(now);
  }

  private send(): void {
    const s = this.line;
    const latencyMs = s.latencyMs === null ? null : Math.round(s.latencyMs);
    const msg: StatusMessage = { type: 'status', backend: s.backend, model: s.model, latencyMs, frames: s.frames };
    if (s.error) msg.error = s.error.slice(0, 2000);
    if (s.style) msg.style = s.style.slice(0, 300);
    this.post(msg);
  }
}
