/**
 * Images in [-1, 1] (the generator's tanh range, and how photos enter the model) as 8-bit
 * levels. One rounding everywhere, so the CLI's PNG, the editor's canvas, the training samples
 * and the quality metric see the same bytes.
 */

/** v in [-1, 1] as an 8-bit level: rounded, clamped (NaN gives 0). */
export function toByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round((v + 1) * 127.5))) || 0;
}

/** Interleaved RGB floats in [-1, 1] as RGB bytes. */
export function rgbBytes(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toByte(data[i]);
  return out;
}

/** Interleaved RGB floats in [-1, 1] as opaque RGBA bytes, ready for ImageData. */
export function rgbaBytes(data: ArrayLike<number>): Uint8ClampedArray {
  const n = Math.floor(data.length / 3);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = toByte(data[i * 3]);
    out[i * 4 + 1] = toByte(data[i * 3 + 1]);
    out[i * 4 + 2] = toByte(data[i * 3 + 2]);
    out[i * 4 + 3] = 255;
  }
  return out;
}
