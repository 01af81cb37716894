/**
 * Sends something at most once per interval: an urgent request goes at once (and replaces a
 * pending one), others wait out the interval since the last send, and requests made while one
 * waits fold into it. The editor's frame requests and its status messages both go through it.
 */
export class FrameScheduler {
  private lastSent = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  request(urgent: boolean): void {
    if (this.timer) {
      if (!urgent) return;
      clearTimeout(this.timer);
      this.timer = null;
    }
    const wait = urgent ? 0 : this.intervalMs - (this.now() - this.lastSent);
    if (wait <= 0) this.fire();
    else
      this.timer = setTimeout(() => {
        this.timer = null;
        this.fire();
      }, wait);
  }

  private fire(): void {
    this.lastSent = this.now();
    this.send();
  }
}
