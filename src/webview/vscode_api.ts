/**
 * The webview's handle on VS Code: typed `postMessage` to the host and the persisted UI
 * state (`setState`/`getState`, which survive the panel being hidden and shown again).
 */
import type { HostToWebview, WebviewToHost } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<S> {
  post(message: WebviewToHost): void;
  getState(): Partial<S> | undefined;
  setState(state: S): void;
  /** Host messages, in order. */
  onMessage(handler: (m: HostToWebview) => void): void;
}

export function connectHost<S>(): Host<S> {
  // acquireVsCodeApi may be called once per page load.
  const api: VsCodeApi =
    typeof acquireVsCodeApi === 'function'
      ? acquireVsCodeApi()
      : { postMessage: (m) => console.log('[spade] no VS Code host:', m), getState: () => undefined, setState: () => {} };
  return {
    post: (m) => api.postMessage(m),
    getState: () => {
      const s = api.getState();
      return typeof s === 'object' && s !== null ? (s as Partial<S>) : undefined;
    },
    setState: (s) => api.setState(s),
    onMessage: (handler) => {
      window.addEventListener('message', (ev: MessageEvent) => {
        const m = ev.data as HostToWebview | null;
        if (typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string') handler(m);
      });
    },
  };
}
