/**
 * The host's requests for the synthesized picture (SPADE: Export Image). Each is answered with
 * the picture of the current mask and style: while a newer frame is on its way, it waits for it.
 */
export interface Picture {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

export class ExportRequests {
  private picture: Picture | null = null;
  private readonly waiting: number[] = [];

  constructor(
    private readonly answer: (requestId: number, picture: Picture) => void,
    /** True while a newer frame than the one on screen is on its way. */
    private readonly busy: () => boolean,
  ) {}

  /** The picture on screen; null when there is none (a new document). */
  show(picture: Picture | null): void {
    this.picture = picture;
  }

  request(requestId: number): void {
    if (this.picture && !this.busy()) this.answer(requestId, this.picture);
    else this.waiting.push(requestId);
  }

  /** A frame arrived or failed: when no newer one is coming, the waiting requests get the one on screen. */
  settle(): void {
    const p = this.picture;
    if (p && !this.busy()) for (const id of this.waiting.splice(0)) this.answer(id, p);
  }
}
