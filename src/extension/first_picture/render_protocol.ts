/** Messages between the host and its first-picture render thread (render_worker.ts). */

export type ToRenderer =
  /** Replace the model (preview bytes of a checkpoint, as the pages load them). */
  | { type: 'load'; name: string; bytes: Uint8Array; optTxt?: string }
  /** One picture of a label map of MODEL ids in a seed's style. */
  | { type: 'render'; requestId: number; ids: Int32Array; width: number; height: number; seed: number };

export type FromRenderer =
  /** RGBA, width*height*4; `startedAt`/`doneAt`: the frame, in epoch ms (the latency trace's clock). */
  | { type: 'picture'; requestId: number; rgba: Uint8Array; width: number; height: number; startedAt: number; doneAt: number }
  | { type: 'failed'; requestId: number; message: string };
