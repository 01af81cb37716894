/** Canvases for the Styles panel: RGBA frames, and thumbnails of decoded style images. */
import type { StylePixels } from '../../shared/protocol';
import { toByte } from '../../model/image_bytes';

export const THUMB = 64;

export function drawRgba(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray, width: number, height: number): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
}

/** A small picture of [-1, 1] RGB pixels (nearest sampling: a thumbnail needs no filter). */
export function thumbnail(img: StylePixels): HTMLCanvasElement {
  const scale = Math.min(1, THUMB / Math.max(img.width, img.height));
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y + 0.5) / scale));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x + 0.5) / scale));
      const s = (sy * img.width + sx) * 3;
      const d = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) rgba[d + c] = toByte(img.data[s + c]);
      rgba[d + 3] = 255;
    }
  }
  const canvas = document.createElement('canvas');
  canvas.className = 'style-thumb';
  drawRgba(canvas, rgba, w, h);
  return canvas;
}

/** Float32Array from a message (typed arrays may come from another realm, or as plain arrays). */
export function toFloat32(a: unknown): Float32Array {
  if (Object.prototype.toString.call(a) === '[object Float32Array]') return Float32Array.from(a as Float32Array);
  if (Array.isArray(a) || ArrayBuffer.isView(a)) return Float32Array.from(a as ArrayLike<number>);
  if (a && typeof a === 'object') return Float32Array.from(Object.values(a as Record<string, number>));
  return new Float32Array(0);
}
