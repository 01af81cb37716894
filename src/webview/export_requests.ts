/**
 * The host's requests for the synthesized picture (SPADE: Export Image, SPADE: Copy Picture).
 * Each is answered with the picture of the current mask and style: while a newer frame is on its
 * way, it waits for it. `R` is what a request carries (its id, the size asked for).
 */
export interface Picture {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

export class ExportRequests<R = number> {
  private picture: Picture | null = null;
  private readonly waiting: R[] = [];

  constructor(
    private readonly answer: (request: R, picture: Picture) => void,
    /** True while a newer frame than the one on screen is on its way. */
    private readonly busy: () => boolean,
  ) {}

  /** The picture on screen; null when there is none (a new document). */
  show(picture: Picture | null): void {
    this.picture = picture;
  }

  get onScreen(): Picture | null {
    return this.picture;
  }

  request(request: R): void {
    if (this.picture && !this.busy()) this.answer(request, this.picture);
    else this.waiting.push(request);
  }

  /** A frame arrived or failed: when no newer one is coming, the waiting requests get the one on screen. */
  settle(): void {
    const p = this.picture;
    if (p && !this.busy()) for (const r of this.waiting.splice(0)) this.answer(r, p);
  }
}
