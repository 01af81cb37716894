/**
 * Texture energy, the sharpness figure of `spade eval`: the mean squared response of the
 * 4-neighbour Laplacian [0 1 0; 1 -4 1; 0 1 0] on luma (BT.601, 8-bit units), over the pixels
 * whose four neighbours lie inside the image (no padding, so borders add nothing). At scale s the
 * luma is first box-averaged over non-overlapping s×s blocks (a trailing partial block is dropped).
 * Sums and counts add up over a whole set, as the confusion matrices do, so the synth/real ratio
 * is that of set means; 1 means as much fine detail as the real pictures, 0 a flat picture.
 */

/** BT.601 luma of 8-bit RGB (3 bytes a pixel), in 0..255. */
export function luma(rgb: ArrayLike<number>, h: number, w: number): Float64Array {
  if (rgb.length !== h * w * 3) throw new Error(`internal: ${rgb.length / 3} pixels for a ${w}x${h} image`);
  const y = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) y[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return y;
}

/** Means of non-overlapping s×s blocks: (floor(h/s), floor(w/s)). */
export function boxDownsample(y: Float64Array, h: number, w: number, s: number): { y: Float64Array; h: number; w: number } {
  if (!Number.isInteger(s) || s < 1) throw new Error(`internal: box scale ${s}`);
  if (s === 1) return { y, h, w };
  const oh = Math.floor(h / s);
  const ow = Math.floor(w / s);
  const out = new Float64Array(oh * ow);
  for (let r = 0; r < oh; r++)
    for (let c = 0; c < ow; c++) {
      let sum = 0;
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) sum += y[(r * s + i) * w + c * s + j];
      out[r * ow + c] = sum / (s * s);
    }
  return { y: out, h: oh, w: ow };
}

/** Σ of the squared Laplacian over the interior pixels, and how many there are. */
export function laplacianEnergy(y: Float64Array, h: number, w: number): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let r = 1; r < h - 1; r++)
    for (let c = 1; c < w - 1; c++) {
      const i = r * w + c;
      const l = y[i - w] + y[i + w] + y[i - 1] + y[i + 1] - 4 * y[i];
      sum += l * l;
      count++;
    }
  return { sum, count };
}

/** The texture energy of a set of pictures at one scale. */
export class TextureEnergy {
  private sum = 0;
  private count = 0;

  constructor(readonly scale: number) {}

  /** Adds one 8-bit RGB picture. */
  add(rgb: ArrayLike<number>, h: number, w: number): void {
    const d = boxDownsample(luma(rgb, h, w), h, w, this.scale);
    const e = laplacianEnergy(d.y, d.h, d.w);
    this.sum += e.sum;
    this.count += e.count;
  }

  /** Mean squared Laplacian; null before any interior pixel was seen. */
  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }

  /** This set's energy over `real`'s: null when either has none, or real is perfectly flat. */
  ratio(real: TextureEnergy): number | null {
    const a = this.mean();
    const b = real.mean();
    return a === null || b === null || b === 0 ? null : a / b;
  }
}

/** The scales `spade eval` reports: the pixel scale and a two-pixel one. */
export const SHARPNESS_SCALES = [1, 2] as const;
