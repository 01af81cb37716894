/**
 * `#status`: "webgpu · <model name> · 42 ms", plus errors and notes. Its attributes are a
 * contract with the E2E test: data-backend (webgpu|webgl|wasm|cpu), data-frames (finished
 * frames), data-latency (last frame, ms). It changes with every frame, so it is no live region:
 * its announcer says what changed.
 */
import { StatusAnnouncer } from './status_announcer';

export class StatusLine {
  readonly el: HTMLElement;
  backend = '';
  model = '';
  latencyMs: number | null = null;
  frames = 0;
  /** Shown instead of the latency while set (last frame failed, bad ids, load error). */
  error: string | null = null;
  /** A transient note (backend fallback, style image in use). */
  note: string | null = null;
  /** The style of the image on screen (`seed 42`, `style image sea.png`); shown for style images. */
  style = '';
  /** The last latency traces, shown in the tooltip (preview_trace.ts). */
  timings: string[] = [];
  /** Shown while nothing has rendered yet. */
  phase = 'starting';
  readonly announcer = new StatusAnnouncer();

  constructor() {
    this.el = document.createElement('footer');
    this.el.id = 'status';
    this.el.dataset.frames = '0';
    this.render();
  }

  render(): void {
    const parts = [this.backend || '…', this.model || 'no model'];
    if (this.error) parts.push(`error: ${this.error}`);
    else if (this.latencyMs !== null) parts.push(`${Math.round(this.latencyMs)} ms`);
    else parts.push(this.phase);
    if (this.style.startsWith('style image')) parts.push(this.style);
    if (this.note) parts.push(this.note);
    this.el.textContent = parts.join(' · ');
    this.el.title = [this.el.textContent, ...this.timings].join('\n');
    this.el.classList.toggle('error', this.error !== null);
    if (this.backend) this.el.dataset.backend = this.backend;
    this.el.dataset.frames = String(this.frames);
    if (this.latencyMs !== null) this.el.dataset.latency = String(Math.round(this.latencyMs));
    this.el.dataset.style = this.style;
    if (this.error) this.el.dataset.error = this.error;
    else delete this.el.dataset.error;
    this.announcer.update({ backend: this.backend, model: this.model, error: this.error, note: this.note, frames: this.frames });
  }
}
