/** The synthesized frame as an 8-bit RGB PNG (what `exportImage` carries). */
import { encode } from 'fast-png';

export function rgbaToPng(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4];
    rgb[i * 3 + 1] = rgba[i * 4 + 1];
    rgb[i * 3 + 2] = rgba[i * 4 + 2];
  }
  return encode({ width, height, data: rgb, channels: 3, depth: 8 });
}
