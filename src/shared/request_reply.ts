/**
 * Requests that expect an answer, over a one-way message channel (host <-> webview, page <->
 * worker): each request gets a fresh id, the answer names it, and the caller awaits a promise.
 * The messages themselves stay in the protocol modules; this only numbers and matches them.
 */

export interface RequestTimeout {
  ms: number;
  /** The rejection's message when no answer came in time. */
  message: string;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

export class RequestReply<T> {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter<T>>();

  /** Sends a request (`send` posts it with the id it is given) and waits for its answer. */
  request(send: (requestId: number) => void, timeout?: RequestTimeout): Promise<T> {
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject };
      if (timeout) waiter.timer = setTimeout(() => this.reject(requestId, new Error(timeout.message)), timeout.ms);
      this.waiting.set(requestId, waiter);
      try {
        send(requestId);
      } catch (e) {
        this.reject(requestId, e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Every request still waiting fails with `error` (the other side is gone). */
  rejectAll(error: Error): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, error);
  }

  /** The answer to `requestId`; answers to unknown or settled requests are ignored. */
  resolve(requestId: number, value: T): void {
    this.take(requestId)?.resolve(value);
  }

  /** The other side could not answer `requestId`. */
  reject(requestId: number, error: Error): void {
    this.take(requestId)?.reject(error);
  }

  private take(requestId: number): Waiter<T> | undefined {
    const w = this.waiting.get(requestId);
    if (!w) return undefined;
    this.waiting.delete(requestId);
    if (w.timer !== undefined) clearTimeout(w.timer);
    return w;
  }
}
