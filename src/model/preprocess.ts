/**
 * Pix2PixModel.preprocess_input: label ids -> one-hot semantic map (+ instance edges).
 * Works on host arrays so the same code serves the CLI, the trainer and the webview worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import { semanticNc, type SpadeConfig } from './config';
import { SpadeInputError } from './errors';

/**
 * get_edges: 1 where the right, left, lower or upper neighbour has another instance id
 * (both pixels of a differing pair are marked).
 */
export function instanceEdges(inst: Int32Array, h: number, w: number): Float32Array {
  const e = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x + 1 < w && inst[i] !== inst[i + 1]) e[i] = e[i + 1] = 1;
      if (y + 1 < h && inst[i] !== inst[i + w]) e[i] = e[i + w] = 1;
    }
  }
  return e;
}

export interface LabelBatch {
  /** Model channel ids (dontcare already mapped to label_nc), N*H*W row-major. */
  ids: Int32Array;
  n: number;
  h: number;
  w: number;
  /** Instance ids, same layout; required unless no_instance. */
  instances?: Int32Array;
}

/** Refuses ids that fit no one-hot channel; returns the number of one-hot channels. */
export function checkIds(cfg: SpadeConfig, ids: Int32Array, source: string): number {
  const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= nc) {
      throw new SpadeInputError(`label id ${ids[i]} is outside 0..${nc - 1} (label_nc ${cfg.label_nc}${cfg.contain_dontcare_label ? ' + dontcare' : ''})`, source);
    }
  }
  return nc;
}

/**
 * The one-hot of `ids` as (N, H, W, nc) float32. On WebGPU it is built on the device from the
 * ids (one upload of 4 bytes a pixel instead of 4·nc), as a float32 OneHot: not as
 * cast(oneHot(int32)), since on tfjs-backend-webgpu 4.22 an int32 -> float32 cast is a no-copy
 * identity, so the result would still sit in an int32 buffer, and a conv2d on it whose input
 * channels are a multiple of 3 but not of 4 (e.g. 9 = 8 labels + dontcare, into spade_hidden
 * 16) compiles Conv2DMMProgram with `vec3<f32>(x[i], ...)` over an array<i32>: invalid WGSL.
 * Elsewhere it is built on the host, where it costs no transfer (wasm, cpu) and no kernel.
 */
export function oneHotMap(ids: Int32Array, n: number, h: number, w: number, nc: number): tf.Tensor4D {
  if (tf.getBackend() === 'webgpu') {
    return tf.tidy(() => tf.oneHot(tf.tensor3d(ids, [n, h, w], 'int32'), nc, 1, 0, 'float32') as tf.Tensor4D);
  }
  const data = new Float32Array(ids.length * nc);
  for (let i = 0; i < ids.length; i++) data[i * nc + ids[i]] = 1;
  return tf.tensor4d(data, [n, h, w, nc]);
}

/** The generator's and discriminator's semantic input, (N, H, W, semantic_nc) float32. */
export function semanticInput(cfg: SpadeConfig, batch: LabelBatch, source = 'label map'): tf.Tensor4D {
  const { ids, n, h, w } = batch;
  const nc = checkIds(cfg, ids, source);
  return tf.tidy(() => {
    const onehot = oneHotMap(ids, n, h, w, nc);
    if (cfg.no_instance) return onehot;
    if (!batch.instances) throw new SpadeInputError('this model uses instance maps (no_instance is false): give an instance map', source);
    const edges = new Float32Array(n * h * w);
    for (let b = 0; b < n; b++) edges.set(instanceEdges(batch.instances.subarray(b * h * w, (b + 1) * h * w), h, w), b * h * w);
    const out = tf.concat([onehot, tf.tensor4d(edges, [n, h, w, 1])], 3) as tf.Tensor4D;
    if (out.shape[3] !== semanticNc(cfg)) throw new Error('internal: semantic_nc mismatch');
    return out;
  });
}
