/**
 * What a screen reader hears from the status line: changes of state (backend, model, errors,
 * notes) at once, and "picture updated" at most once per PICTURE_EVERY_MS, instead of the
 * line itself, which changes with every frame. One polite live region, hidden from view.
 */

export const PICTURE_EVERY_MS = 1000;

export interface StatusSnapshot {
  backend: string;
  model: string;
  error: string | null;
  note: string | null;
  frames: number;
}

/** The sentence to announce for a change from `prev` to `cur`, or null; `lastPictureAt`: when "picture updated" was last said. */
export function announcement(prev: StatusSnapshot, cur: StatusSnapshot, now: number, lastPictureAt: number): string | null {
  const parts: string[] = [];
  if (cur.error && cur.error !== prev.error) parts.push(`Error: ${cur.error}`);
  else if (!cur.error && prev.error) parts.push('Error cleared');
  if (cur.backend && cur.backend !== prev.backend) parts.push(`Running on ${cur.backend}`);
  if (cur.model && cur.model !== prev.model) parts.push(`Model ${cur.model}`);
  if (cur.note && cur.note !== prev.note) parts.push(cur.note);
  if (parts.length) return parts.join('. ');
  if (cur.frames > prev.frames && now - lastPictureAt >= PICTURE_EVERY_MS) return 'Picture updated';
  return null;
}

export class StatusAnnouncer {
  readonly el: HTMLElement;
  private prev: StatusSnapshot = { backend: '', model: '', error: null, note: null, frames: 0 };
  private lastPictureAt = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.el = document.createElement('div');
    this.el.id = 'status-announce';
    this.el.className = 'sr-only';
    this.el.setAttribute('role', 'status');
    this.el.setAttribute('aria-live', 'polite');
  }

  /** Called with every redraw of the status line; speaks only when announcement() says so. */
  update(cur: StatusSnapshot): void {
    const t = this.now();
    const text = announcement(this.prev, cur, t, this.lastPictureAt);
    // A frame held back by the once-a-second limit is still news for the next update.
    const heldBack = text === null && cur.frames > this.prev.frames;
    this.prev = { ...cur, frames: heldBack ? this.prev.frames : cur.frames };
    if (text === null) return;
    if (text === 'Picture updated') this.lastPictureAt = t;
    this.say(text);
  }

  say(text: string): void {
    this.el.textContent = text;
    this.el.dataset.said = String(Number(this.el.dataset.said ?? 0) + 1);
  }
}
