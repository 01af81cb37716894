/** RGB images for the CLI: generator output to PNG/.npy, style images from PNG/JPEG/.npy. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { encode as encodePng } from 'fast-png';
import { SpadeInputError } from '../model/errors';
import { readNpy, writeNpy } from '../model/io/npy';
import { decodeStyleImage as decodeRgbImage } from '../model/io/style_image';
import { rgbBytes } from '../model/image_bytes';

/** (1, H, W, 3) in [-1, 1] -> PNG (8-bit RGB) or .npy float32 (H, W, 3), by extension. */
export async function encodeOutput(img: tf.Tensor4D, outFile: string): Promise<Uint8Array> {
  const [, h, w] = img.shape;
  const data = (await img.data()) as Float32Array;
  const ext = path.extname(outFile).toLowerCase();
  if (ext === '.npy') return writeNpy([h, w, 3], Float32Array.from(data));
  if (ext !== '.png') throw new SpadeInputError(`output must end in .png or .npy`, outFile);
  return encodePng({ width: w, height: h, data: rgbBytes(data), channels: 3, depth: 8 });
}

/** A style image as (1, H, W, 3) float32 in [-1, 1]: .npy as is, PNG/JPEG through the shared decoder. */
export function decodeStyleImage(bytes: Uint8Array, file: string, maxPixels?: number): tf.Tensor4D {
  if (path.extname(file).toLowerCase() === '.npy') {
    const a = readNpy(bytes, file, { expectShape: [null, null, 3], finite: true });
    for (const v of a.data) if (v < -1.0001 || v > 1.0001) throw new SpadeInputError('.npy style image values must lie in [-1, 1]', file);
    return tf.tensor4d(a.data, [1, a.shape[0], a.shape[1], 3]);
  }
  const img = decodeRgbImage(bytes, file, maxPixels);
  return tf.tensor4d(img.data, [1, img.height, img.width, 3]);
}
