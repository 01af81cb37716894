/** RGB images for the CLI: generator output to PNG/.npy, style images from PNG/JPEG/.npy. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { SpadeInputError } from '../model/errors';
import { readNpy, writeNpy } from '../model/io/npy';
import { readPngHeader } from '../model/io/label_png';

const MAX_PIXELS = 4096 * 4096;

/** (1, H, W, 3) in [-1, 1] -> PNG (8-bit RGB) or .npy float32 (H, W, 3), by extension. */
export async function encodeOutput(img: tf.Tensor4D, outFile: string): Promise<Uint8Array> {
  const [, h, w] = img.shape;
  const data = (await img.data()) as Float32Array;
  const ext = path.extname(outFile).toLowerCase();
  if (ext === '.npy') return writeNpy([h, w, 3], Float32Array.from(data));
  if (ext !== '.png') throw new SpadeInputError(`output must end in .png or .npy`, outFile);
  const rgb = new Uint8Array(h * w * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, Math.round(((data[i] + 1) / 2) * 255)));
  return encodePng({ width: w, height: h, data: rgb, channels: 3, depth: 8 });
}

/** A style image as (1, H, W, 3) float32 in [-1, 1]. */
export function decodeStyleImage(bytes: Uint8Array, file: string): tf.Tensor4D {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    const a = readNpy(bytes, file, { expectShape: [null, null, 3], finite: true });
    for (const v of a.data) if (v < -1.0001 || v > 1.0001) throw new SpadeInputError('.npy style image values must lie in [-1, 1]', file);
    return tf.tensor4d(a.data, [1, a.shape[0], a.shape[1], 3]);
  }
  let width: number;
  let height: number;
  let rgba: Uint8Array | Uint16Array | Uint8ClampedArray;
  let channels: number;
  let max = 255;
  if (ext === '.jpg' || ext === '.jpeg') {
    try {
      const d = jpeg.decode(bytes, { useTArray: true, maxResolutionInMP: MAX_PIXELS / 1e6, formatAsRGBA: true });
      ({ width, height } = d);
      rgba = d.data;
      channels = 4;
    } catch (e) {
      throw new SpadeInputError(`not a readable JPEG (${(e as Error).message})`, file);
    }
  } else if (ext === '.png') {
    const hdr = readPngHeader(bytes, file);
    if (hdr.width * hdr.height > MAX_PIXELS) throw new SpadeInputError(`image is ${hdr.width}x${hdr.height}, over the ${MAX_PIXELS} pixel limit`, file);
    let d: ReturnType<typeof decodePng>;
    try {
      d = decodePng(bytes);
    } catch (e) {
      throw new SpadeInputError(`not a readable PNG (${(e as Error).message})`, file);
    }
    ({ width, height, channels } = d);
    if (d.palette) throw new SpadeInputError('palette PNGs are not supported as style images: save it as RGB', file);
    rgba = d.data as Uint8Array | Uint16Array;
    max = d.depth === 16 ? 65535 : 255;
    if (d.depth !== 8 && d.depth !== 16) throw new SpadeInputError(`${d.depth}-bit PNGs are not supported as style images`, file);
  } else {
    throw new SpadeInputError('style image must be .png, .jpg or .npy', file);
  }
  const out = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const v = channels >= 3 ? rgba[i * channels + c] : rgba[i * channels]; // gray -> RGB
      out[i * 3 + c] = (v / max) * 2 - 1;
    }
  }
  return tf.tensor4d(out, [1, height, width, 3]);
}
