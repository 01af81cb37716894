/**
 * A preview's label batch: one label map of model ids, shrunk to the generator's output size when
 * larger (nearest, as the generator's own resizes do, so for integer ratios exactly what the direct
 * resize gives, with a one-hot map no larger than the output), and the class map as the instance
 * map for models that want instance edges (edges at class borders). The webview's worker and the
 * host's first-picture renderer build their frames from the same batch.
 */
import { outputSize, type SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import { nearestIndices } from '../nn/ops';
import type { LabelBatch } from '../preprocess';

export function previewBatch(cfg: SpadeConfig, ids: Int32Array, width: number, height: number): LabelBatch {
  if (ids.length !== width * height) throw new SpadeInputError(`label map has ${ids.length} ids for ${width}x${height}`);
  const out = outputSize(cfg);
  let [w, h] = [width, height];
  if (w * h > out.width * out.height) {
    ids = resizeIds(ids, w, h, out.width, out.height);
    [w, h] = [out.width, out.height];
  }
  return { ids, n: 1, h, w, instances: cfg.no_instance ? undefined : ids };
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
