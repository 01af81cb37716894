/**
 * The semantic input kept on the host as ids (+ instance edges) instead of a one-hot tensor,
 * so that any part of it, at any of the generator's scales, can be built on demand: the
 * modulation cache and the dirty-region renderer need crops of the resized segmap, and the
 * one-hot gather needs the ids themselves. Values equal resizeNearest(semanticInput(...)).
 *
 * On WebGPU a crop built on the host is a host-to-GPU upload of a one-hot (4·nc bytes a pixel)
 * for every SPADE layer; there, withDeviceCopy uploads the ids (and edges) once per mask and
 * the crops are made on the device (gathers, a slice and a float32 OneHot): the same values.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import { nearestIndices } from '../nn/ops';
import { fullBox, type Box } from '../nn/box';
import type { SPADEGenerator } from '../networks/generator';
import { checkIds, instanceEdges, type LabelBatch } from '../preprocess';

export interface HostSemantic {
  /** One-hot channels (label_nc + dontcare); the instance-edge channel, if any, comes after them. */
  nc: number;
  /** Channel ids, N*H*W row-major, already checked. */
  ids: Int32Array;
  /** Instance edges (0/1), same layout; present when the model has no_instance false. */
  edges?: Float32Array;
  n: number;
  h: number;
  w: number;
  /** The ids (and edges) on the device, where withDeviceCopy attached them: crops are then made there. */
  device?: SemanticOnDevice;
}

/**
 * The mask's ids (and edges) uploaded once, and resized to each grid on first use; kept
 * until dispose. Crops of it are the host crops' values, made on the device.
 */
export class SemanticOnDevice {
  private readonly grids = new Map<string, { ids: tf.Tensor3D; edges?: tf.Tensor3D }>();
  private full: { ids: tf.Tensor3D; edges?: tf.Tensor3D } | null = null;

  constructor(private readonly sem: HostSemantic) {}

  private grid(h: number, w: number): { ids: tf.Tensor3D; edges?: tf.Tensor3D } {
    const key = `${h}x${w}`;
    let g = this.grids.get(key);
    if (g) return g;
    const { n, h: sh, w: sw } = this.sem;
    if (!this.full) {
      this.full = {
        ids: tf.keep(tf.tensor3d(this.sem.ids, [n, sh, sw], 'int32')),
        edges: this.sem.edges ? tf.keep(tf.tensor3d(this.sem.edges, [n, sh, sw])) : undefined,
      };
    }
    const full = this.full;
    const { rows, cols } = sampling(this.sem, h, w);
    // Full index lists: the same every frame, so WebGPU keeps them as constants (webgpu_constants.ts).
    const resize = (t: tf.Tensor3D) =>
      tf.keep(tf.tidy(() => tf.gather(tf.gather(t, tf.tensor1d(rows, 'int32'), 1), tf.tensor1d(cols, 'int32'), 2) as tf.Tensor3D));
    g = h === sh && w === sw ? full : { ids: resize(full.ids), edges: full.edges ? resize(full.edges) : undefined };
    this.grids.set(key, g);
    return g;
  }

  crop(h: number, w: number, box: Box): tf.Tensor4D {
    const g = this.grid(h, w);
    const { n, nc } = this.sem;
    const begin = [0, box.y0, box.x0];
    const size = [n, box.y1 - box.y0, box.x1 - box.x0];
    return tf.tidy(() => {
      const onehot = tf.oneHot(tf.slice(g.ids, begin, size), nc, 1, 0, 'float32') as tf.Tensor4D;
      if (!g.edges) return onehot;
      return tf.concat([onehot, tf.expandDims(tf.slice(g.edges, begin, size), 3)], 3) as tf.Tensor4D;
    });
  }

  dispose(): void {
    const all = new Set<tf.Tensor>();
    for (const g of [...this.grids.values(), ...(this.full ? [this.full] : [])]) {
      all.add(g.ids);
      if (g.edges) all.add(g.edges);
    }
    tf.dispose([...all]);
    this.grids.clear();
    this.full = null;
  }
}

/**
 * On WebGPU, gives sem a device copy (see SemanticOnDevice) and returns it, for the owner to
 * dispose; elsewhere crops stay on the host (no transfer there), and it returns undefined.
 */
export function withDeviceCopy(sem: HostSemantic): SemanticOnDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  sem.device = new SemanticOnDevice(sem);
  return sem.device;
}

/** Copies the ids: callers may paint into their array afterwards, and caches are diffed against these. */
export function hostSemantic(cfg: SpadeConfig, batch: LabelBatch, source = 'label map'): HostSemantic {
  const nc = checkIds(cfg, batch.ids, source);
  const { n, h, w } = batch;
  const ids = batch.ids.slice();
  if (cfg.no_instance) return { nc, ids, n, h, w };
  if (!batch.instances) throw new SpadeInputError('this model uses instance maps (no_instance is false): give an instance map', source);
  const edges = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) edges.set(instanceEdges(batch.instances.subarray(b * h * w, (b + 1) * h * w), h, w), b * h * w);
  return { nc, ids, edges, n, h, w };
}

/** Source rows and columns of the segmap resized to h x w (PyTorch's legacy nearest rule). */
export function sampling(sem: HostSemantic, h: number, w: number): { rows: Int32Array; cols: Int32Array } {
  return { rows: nearestIndices(sem.h, h), cols: nearestIndices(sem.w, w) };
}

/** The segmap resized to h x w, cropped to `box`: (N, box rows, box cols, semantic_nc). */
export function semanticCrop(sem: HostSemantic, h: number, w: number, box: Box): tf.Tensor4D {
  if (sem.device) return sem.device.crop(h, w, box);
  const { rows, cols } = sampling(sem, h, w);
  const bh = box.y1 - box.y0;
  const bw = box.x1 - box.x0;
  const c = sem.nc + (sem.edges ? 1 : 0);
  const data = new Float32Array(sem.n * bh * bw * c);
  let o = 0;
  for (let b = 0; b < sem.n; b++) {
    for (let y = box.y0; y < box.y1; y++) {
      const row = (b * sem.h + rows[y]) * sem.w;
      for (let x = box.x0; x < box.x1; x++, o += c) {
        const i = row + cols[x];
        data[o + sem.ids[i]] = 1;
        if (sem.edges) data[o + sem.nc] = sem.edges[i];
      }
    }
  }
  return tf.tensor4d(data, [sem.n, bh, bw, c]);
}

/** The full-resolution box that holds every pixel where a and b differ (ids or edges), or null. */
export function changedBox(a: HostSemantic, b: HostSemantic): Box | null {
  if (a.n !== b.n || a.h !== b.h || a.w !== b.w || a.nc !== b.nc || !a.edges !== !b.edges) {
    return { y0: 0, y1: b.h, x0: 0, x1: b.w };
  }
  let box: Box | null = null;
  for (let k = 0; k < b.ids.length; k++) {
    if (a.ids[k] === b.ids[k] && (!a.edges || a.edges[k] === b.edges![k])) continue;
    const x = k % b.w;
    const y = Math.floor(k / b.w) % b.h;
    if (!box) box = { y0: y, y1: y + 1, x0: x, x1: x + 1 };
    else {
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y + 1);
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x + 1);
    }
  }
  return box;
}

/**
 * The segmap as the generator's first layer reads it: only the non-VAE fc does, on the latent
 * grid (where resizeNearest is the identity); a VAE generator gets a placeholder it ignores.
 */
export function latentSemantic(G: SPADEGenerator, sem: HostSemantic): tf.Tensor4D {
  return G.cfg.use_vae ? (tf.zeros([sem.n, 1, 1, 1]) as tf.Tensor4D) : semanticCrop(sem, G.sh, G.sw, fullBox(G.sh, G.sw));
}
