/**
 * One picture from the loaded model: model ids and a style in, RGBA pixels out. Main-view
 * frames and the Styles panel's tiles both come through here.
 */
import { rgbaBytes } from '../model/image_bytes';
import type { SpadeModel } from '../model/model';
import { previewBatch } from '../model/live/preview_batch';
import { liveRender, liveRenderPreemptible } from './live_frames';
import { gpuRead } from './worker_backend';
import type { StyleSpec } from './worker_protocol';

/** What a picture is made of: a label map of model ids (width x height) and a style. */
export interface SynthesisInput {
  ids: Int32Array;
  width: number;
  height: number;
  style: StyleSpec;
}

/** RGBA pixels; `dirty`: only the changed region was recomputed (the dirty-region renderer's short path). */
export interface Synthesized {
  rgba: Uint8ClampedArray;
  dirty: boolean;
}

export async function synthesize(m: SpadeModel, input: SynthesisInput): Promise<Synthesized>;
/** With `stop`: the frame may be given up between steps (a newer mask waits); then null. */
export async function synthesize(m: SpadeModel, input: SynthesisInput, stop: () => boolean): Promise<Synthesized | null>;
export async function synthesize(m: SpadeModel, input: SynthesisInput, stop?: () => boolean): Promise<Synthesized | null> {
  const batch = previewBatch(m.config, input.ids, input.width, input.height);
  const frame = stop ? await liveRenderPreemptible(m, batch, input.style, stop) : liveRender(m, batch, input.style);
  if (!frame) return null;
  const img = frame.image;
  try {
    // The same bytes as the CLI's PNG output.
    return { rgba: rgbaBytes((await gpuRead(img.data())) as Float32Array), dirty: frame.incremental };
  } finally {
    img.dispose();
  }
}
