/**
 * Messages between the webview's main thread and its inference worker (`worker.ts`).
 * Big arrays travel as transferables: ids and checkpoint bytes in, pixels out.
 *
 * Ids here are MODEL ids (generator channels): the main thread maps file ids through the
 * label set before it asks for a frame, so the worker never sees the host's file ids.
 */

import type { CheckpointIdentity } from '../model/io/style_file';
import type { BackendName, BackendPreference } from '../shared/protocol';

export type { BackendName, BackendPreference };

/** What the main thread needs to know about the loaded checkpoint. */
export interface ModelInfo {
  name: string;
  labelNc: number;
  containDontcare: boolean;
  /** False: the model wants instance edges; the worker uses the label map as the instance map. */
  noInstance: boolean;
  useVae: boolean;
  /** use_vae and an encoder (E) in the checkpoint: style images can be encoded. */
  hasEncoder: boolean;
  zDim: number;
  /** Generator output size. */
  width: number;
  height: number;
  /** What a `.spade-style.json` records about the checkpoint that made its codes. */
  identity: CheckpointIdentity;
}

export type StyleSpec =
  /** z ~ N(0, I) drawn from this seed (only used by use_vae models). */
  | { kind: 'seed'; seed: number }
  /** An explicit style code (z_dim floats), e.g. an encoded style image's mu. */
  | { kind: 'z'; z: Float32Array };

export type MainToWorker =
  /**
   * First message: the wasm backend's binaries (file name -> blob: URL, see WASM_FILES), or why
   * the page could not get them, and which backend to prefer. The worker starts a backend only
   * after it.
   */
  | { type: 'start'; wasm: { files: Record<string, string> } | { error: string }; preference: BackendPreference }
  /** Replace the model. Renders after this one use it. */
  | { type: 'load'; loadId: number; name: string; bytes: Uint8Array; optTxt?: string }
  /**
   * Synthesize one frame. Only the newest render request matters: while a frame runs the
   * worker keeps just the latest pending one and drops older ones. `preempt` (the picture after
   * a finished action, such as pointer-up): a frame under way is given up between two of its
   * steps (a layer, or a band of one) so that this one starts at once; other requests wait for it
   * (frames run back to back).
   */
  | { type: 'render'; frameId: number; ids: Int32Array; width: number; height: number; style: StyleSpec; preempt?: boolean }
  /**
   * Encode a style image (PNG or JPEG bytes) to z with the checkpoint's encoder (mu). Images over
   * `maxPixels` (spade.maxPixels) are refused from their header, before they are decoded.
   */
  | { type: 'encodeStyle'; requestId: number; name: string; bytes: Uint8Array; maxPixels: number }
  /** Encode decoded pixels (H*W*3 floats in [-1, 1], as the host sends them): mu and logvar. */
  | { type: 'encodePixels'; requestId: number; name: string; width: number; height: number; data: Float32Array }
  /**
   * Render one mask in several styles (the Styles panel's grid, interpolation, strip, sample).
   * Per `key` only the newest set matters: a newer one replaces a pending one and stops a
   * running one between tiles. Plain renders go first.
   */
  | { type: 'renderSet'; key: string; setId: number; ids: Int32Array; width: number; height: number; zs: Float32Array[] }
  /** Test hook: make the current GPU backend fail (WebGPU: destroy the device; WebGL: lose the context). */
  | { type: 'debugLoseGpu' };

export type WorkerToMain =
  /** The backend in use: sent once it starts, and again after a fallback (`note` says why). */
  /** `at`: when it was ready (epoch ms, the latency trace's clock, preview_trace.ts). */
  | { type: 'backend'; backend: BackendName; note?: string; adapter?: string; at: number }
  /** `parsedAt`: the checkpoint parsed; `readyAt`: its weights on the device (epoch ms). */
  | { type: 'loaded'; loadId: number; info: ModelInfo; parsedAt: number; readyAt: number }
  | { type: 'loadError'; loadId: number; message: string }
  | {
      type: 'frame';
      frameId: number;
      /** RGBA, width*height*4, alpha 255. */
      rgba: Uint8ClampedArray;
      width: number;
      height: number;
      /** Time the worker spent on this frame (ids upload to pixels read back). */
      computeMs: number;
      backend: BackendName;
      /** tf.memory().numTensors after the frame: flat from frame to frame when nothing leaks. */
      tensors: number;
      /** Only the changed region was recomputed (the dirty-region renderer's short path). */
      dirty: boolean;
      /** Epoch ms (the latency trace's clock): the request arrived, the frame started and ended. */
      receivedAt: number;
      startedAt: number;
      doneAt: number;
    }
  /** The frame could not be made; the previous image should stay. */
  | { type: 'frameError'; frameId: number; message: string }
  | { type: 'styleEncoded'; requestId: number; name: string; z: Float32Array; logvar: Float32Array }
  | { type: 'setTile'; key: string; setId: number; index: number; rgba: Uint8ClampedArray; width: number; height: number }
  | { type: 'setError'; key: string; setId: number; message: string }
  | { type: 'styleError'; requestId: number; message: string }
  /** No backend could start: nothing will work in this worker. */
  | { type: 'fatal'; message: string };
