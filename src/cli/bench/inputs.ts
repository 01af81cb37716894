/**
 * What both runtimes are fed: one checkpoint file (random NVlabs-initialised weights, or the
 * user's checkpoint re-written in our format so the PyTorch side can read it) and the same
 * label ids, instance ids, style code and images as .npy files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from '../../model/config';
import { outputSize } from '../../model/config';
import { SpadeModel } from '../../model/model';
import { writeCheckpoint } from '../../model/checkpoint/spade_checkpoint';
import { writeNpy } from '../../model/io/npy';
import { seededNormal } from '../../model/random';
import { loadCheckpointFile } from '../load';
import { writeFileAtomic } from '../files';
import { selectBackend } from '../backend';

export interface BenchInputs {
  checkpoint: string;
  labels: string;
  instances?: string;
  z?: string;
  images: string;
  batch: number;
}

/** Random weights (G, E with use_vae, D) written as our checkpoint; returns G's parameter count. */
export async function writeRandomCheckpoint(cfg: SpadeConfig, seed: number, file: string): Promise<number> {
  // The CLI's default backend (wasm): the draws are made in JS, the layout transposes are not.
  if (!tf.engine().backendName) await selectBackend();
  const model = SpadeModel.initialise(cfg, seed, { discriminator: true });
  try {
    const ck = await model.toCheckpoint({ note: `spade bench: random weights, seed ${seed}` });
    writeFileAtomic(file, writeCheckpoint(ck));
    return model.paramCounts().G;
  } finally {
    model.dispose();
  }
}

/** A user's checkpoint (.safetensors or .pth + options) re-written in our format. */
export function rewriteCheckpoint(src: string, config: SpadeConfig | undefined, file: string): SpadeConfig {
  const ck = loadCheckpointFile(src, config);
  writeFileAtomic(file, writeCheckpoint(ck));
  return ck.config;
}

/**
 * A blocky label map that uses every channel: cells of 1/8 of the width, each with a class
 * from a fixed hash, and one instance id per cell (so instance edges run along the cells).
 */
export function benchLabelIds(cfg: SpadeConfig, n: number): { ids: Float32Array; instances: Float32Array; h: number; w: number } {
  const { height: h, width: w } = outputSize(cfg);
  const nc = cfg.label_nc + (cfg.contain_dontcare_label ? 1 : 0);
  const cell = Math.max(2, Math.floor(w / 8));
  const ids = new Float32Array(n * h * w);
  const instances = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const cx = Math.floor(x / cell);
        const cy = Math.floor(y / cell);
        const k = cy * 64 + cx + b * 4096;
        ids[(b * h + y) * w + x] = ((k * 2654435761) >>> 0) % nc;
        instances[(b * h + y) * w + x] = k;
      }
    }
  }
  return { ids, instances, h, w };
}

/** Writes labels (+ instances, + z, + images) for a batch of n into dir. */
export function writeBenchInputs(dir: string, cfg: SpadeConfig, checkpoint: string, n: number): BenchInputs {
  const { ids, instances, h, w } = benchLabelIds(cfg, n);
  const put = (name: string, shape: number[], data: Float32Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, writeNpy(shape, data));
    return file;
  };
  // Smooth colour ramps in [-1, 1] stand in for photographs (the train bench's real images).
  const img = new Float32Array(n * h * w * 3);
  for (let i = 0; i < n * h * w; i++) {
    const x = i % w;
    const y = Math.floor(i / w) % h;
    img[i * 3] = (2 * x) / w - 1;
    img[i * 3 + 1] = (2 * y) / h - 1;
    img[i * 3 + 2] = Math.sin((x + y) / 9);
  }
  return {
    checkpoint,
    batch: n,
    labels: put(`labels_${n}.npy`, [n, h, w], ids),
    instances: cfg.no_instance ? undefined : put(`instances_${n}.npy`, [n, h, w], instances),
    z: cfg.use_vae ? put(`z_${n}.npy`, [n, cfg.z_dim], seededNormal(n * cfg.z_dim, 7)) : undefined,
    images: put(`images_${n}.npy`, [n, h, w, 3], img),
  };
}
