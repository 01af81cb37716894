/**
 * The window's first-picture renderer: one render thread (render_worker.ts) with the preview
 * model warm on wasm, shared by every label-map editor of the window. An opening editor asks it for
 * its map's picture at once, while its page still starts its own worker and loads its own copy of
 * the model; the page shows whichever picture comes first (src/shared/first_picture.ts). Anything
 * that goes wrong here only costs that head start: the page renders its own picture regardless.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as vscode from 'vscode';
import { mapIdsToModel } from '../../model/io/label_sets';
import { FIRST_SEED, idsHash } from '../../shared/first_picture';
import type { HostToWebview } from '../../shared/protocol';
import { RequestReply } from '../../shared/request_reply';
import type { PreviewCheckpoint } from '../checkpoint_service';
import type { FromRenderer, ToRenderer } from './render_protocol';

export type FirstPicture = Extract<HostToWebview, { type: 'firstPicture' }>;

/** A render thread unused this long, with no editor left open, is stopped (it holds the model). */
const IDLE_MS = 60_000;
/** No picture in this time: the page's own is surely there first. */
const RENDER_TIMEOUT_MS = 60_000;

export class FirstPictureRenderer implements vscode.Disposable {
  private worker: Worker | null = null;
  private loaded: PreviewCheckpoint | null = null;
  private readonly replies = new RequestReply<Extract<FromRenderer, { type: 'picture' }>>();
  private lastUse = 0;
  private readonly idleTimer: ReturnType<typeof setInterval>;

  /** `script`: dist/first_picture.js; `inUse`: whether an editor that may ask is still open. */
  constructor(
    private readonly script: string,
    private readonly inUse: () => boolean,
    private readonly log: (line: string) => void,
  ) {
    this.idleTimer = setInterval(() => {
      if (this.worker && !this.inUse() && Date.now() - this.lastUse > IDLE_MS) this.stop();
    }, IDLE_MS / 2);
    this.idleTimer.unref?.();
  }

  /**
   * The picture of `fileIds` (a width x height label map of file ids) with `ck`, in the style a new
   * preview starts in; undefined when it cannot be made (ids the model has no channel for, a failure).
   */
  async render(ck: PreviewCheckpoint, fileIds: Int32Array, width: number, height: number): Promise<FirstPicture | undefined> {
    const mapped = mapIdsToModel(fileIds, ck.labelSet, ck.model.labelNc, ck.model.containDontcare);
    if (mapped.invalid.length) return undefined; // the page says which ids are wrong
    const hash = idsHash(fileIds);
    this.lastUse = Date.now();
    try {
      const worker = this.ensureWorker();
      if (this.loaded !== ck) {
        const { name, bytes, optTxt } = ck.info;
        // Copied, not transferred: the pages' checks and later loads still read these bytes.
        worker.postMessage({ type: 'load', name, bytes, optTxt } satisfies ToRenderer);
        this.loaded = ck;
      }
      const ids = mapped.ids;
      const timeout = { ms: RENDER_TIMEOUT_MS, message: 'the first-picture renderer did not answer' };
      const p = await this.replies.request((requestId) => {
        const m: ToRenderer = { type: 'render', requestId, ids, width, height, seed: FIRST_SEED };
        worker.postMessage(m, [ids.buffer as ArrayBuffer]);
      }, timeout);
      const marks = { hostFrameStarted: p.startedAt, hostFrameDone: p.doneAt };
      return { type: 'firstPicture', model: ck.info.name, idsHash: hash, seed: FIRST_SEED, width: p.width, height: p.height, rgba: p.rgba, marks };
    } catch (e) {
      this.log(`first picture: ${(e as Error).message}`);
      return undefined;
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (m: FromRenderer) => {
      if (m.type === 'picture') this.replies.resolve(m.requestId, m);
      else this.replies.reject(m.requestId, new Error(m.message));
    });
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.loaded = null;
      this.replies.rejectAll(new Error(why));
    };
    worker.on('error', (e) => gone(`the render thread failed: ${e.message}`));
    worker.on('exit', (code) => gone(`the render thread exited (${code})`));
    this.worker = worker;
    return worker;
  }

  private stop(): void {
    const w = this.worker;
    this.worker = null;
    this.loaded = null;
    this.replies.rejectAll(new Error('the render thread was stopped'));
    void w?.terminate();
  }

  dispose(): void {
    clearInterval(this.idleTimer);
    this.stop();
  }
}

/** Where the render thread's bundle is, beside the extension's own. */
export function renderWorkerScript(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'first_picture.js');
}
