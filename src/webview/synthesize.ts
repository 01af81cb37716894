/**
 * One picture from the loaded model: model ids and a style in, RGBA pixels out. Main-view
 * frames and the Styles panel's tiles both come through here.
 */
import { SpadeInputError } from '../model/errors';
import { rgbaBytes } from '../model/image_bytes';
import type { SpadeModel } from '../model/model';
import { nearestIndices } from '../model/nn/ops';
import type { LabelBatch } from '../model/preprocess';
import { liveRender } from './live_frames';
import { gpuRead } from './worker_backend';
import type { ModelInfo, StyleSpec } from './worker_protocol';

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

export async function synthesize(m: SpadeModel, mi: ModelInfo, input: SynthesisInput): Promise<Synthesized> {
  let { ids, width: w, height: h } = input;
  if (ids.length !== w * h) throw new SpadeInputError(`label map has ${ids.length} ids for ${w}x${h}`);
  // Larger than the output: shrink first (nearest, as the generator's own resizes do), so the
  // one-hot map stays small. For integer ratios this is exactly what the direct resize gives.
  if (w * h > mi.width * mi.height) {
    ids = resizeIds(ids, w, h, mi.width, mi.height);
    w = mi.width;
    h = mi.height;
  }
  // Models with instance edges get the class map as the instance map (edges at class borders).
  const batch: LabelBatch = { ids, n: 1, h, w, instances: mi.noInstance ? undefined : ids };
  const frame = liveRender(m, batch, input.style);
  const img = frame.image;
  try {
    // The same bytes as the CLI's PNG output.
    return { rgba: rgbaBytes((await gpuRead(img.data())) as Float32Array), dirty: frame.incremental };
  } finally {
    img.dispose();
  }
}

function resizeIds(ids: Int32Array, w: number, h: number, ow: number, oh: number): Int32Array {
  const rows = nearestIndices(h, oh);
  const cols = nearestIndices(w, ow);
  const out = new Int32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const src = rows[y] * w;
    for (let x = 0; x < ow; x++) out[y * ow + x] = ids[src + cols[x]];
  }
  return out;
}
