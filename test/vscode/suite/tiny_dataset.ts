/**
 * Writes a tiny training set (images/ + labels/, paired by stem) that fits a given checkpoint:
 * its size is the model's output size and its label ids come from the checkpoint's own label
 * set, read at test time, so a change of the bundled model's classes does not break the tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode } from 'fast-png';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { outputSize } from '../../../src/model/config';
import { encodeLabelMap } from '../../../src/model/io/label_png';

export interface TinyDataset {
  dir: string;
  width: number;
  height: number;
  /** File ids written into the labels. */
  ids: number[];
}

/** What a checkpoint expects: output size and the file ids of its first classes. */
export function modelShape(checkpointFile: string): { width: number; height: number; ids: number[] } {
  const ck = readCheckpoint(new Uint8Array(fs.readFileSync(checkpointFile)), path.basename(checkpointFile));
  const { width, height } = outputSize(ck.config);
  const offset = ck.labelSet.idOffset ?? 0;
  const classes = Math.min(ck.config.label_nc, ck.labelSet.names.length);
  return { width, height, ids: Array.from({ length: Math.min(classes, 4) }, (_, k) => k + offset) };
}

/** `pairs` label/image pairs of horizontal bands, one class per band; colours from a fixed seed. */
export function writeTinyDataset(dir: string, checkpointFile: string, pairs = 4): TinyDataset {
  const { width, height, ids } = modelShape(checkpointFile);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const colours = ids.map(() => [rand() * 255, rand() * 255, rand() * 255]);
  for (let n = 0; n < pairs; n++) {
    const label = new Int32Array(width * height);
    const rgb = new Uint8Array(width * height * 3);
    const cut = Math.floor(height * (0.3 + 0.1 * n)); // the bands move from pair to pair
    for (let y = 0; y < height; y++) {
      const band = Math.min(ids.length - 1, Math.floor((y < cut ? 0 : 1 + ((y - cut) * (ids.length - 1)) / (height - cut))));
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        label[i] = ids[band];
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, colours[band][c] + (rand() - 0.5) * 40));
      }
    }
    const stem = `scene_${n}`;
    fs.writeFileSync(path.join(dir, 'labels', `${stem}.png`), encodeLabelMap({ width, height, ids: label, encoding: { kind: 'gray', bitDepth: 8 } }));
    fs.writeFileSync(path.join(dir, 'images', `${stem}.png`), encode({ width, height, data: rgb, channels: 3, depth: 8 }));
  }
  return { dir, width, height, ids };
}
