/**
 * Per-region style, composited in image space: the mask is rendered twice (the main view's
 * style and the region's style) and blended with a soft mask of the chosen class. The soft
 * mask is the class indicator at the output size (nearest, as the generator resizes its
 * segmap), box-blurred so the seam fades over a few pixels instead of cutting hard.
 *
 * This is not SEAN-style per-region modulation: outside the region the base picture is
 * exact, inside it the region picture is exact, and the band between is a cross-fade.
 * No DOM; tested in Node.
 */
import { nearestIndices } from '../../model/nn/ops';

/** Soft mask in [0, 1], outW*outH, of `ids == classId` (ids: w*h model ids). */
export function regionAlpha(
  ids: Int32Array,
  w: number,
  h: number,
  classId: number,
  outW: number,
  outH: number,
  radius: number,
): Float32Array {
  const rows = nearestIndices(h, outH);
  const cols = nearestIndices(w, outW);
  const a = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) a[y * outW + x] = ids[rows[y] * w + cols[x]] === classId ? 1 : 0;
  if (radius <= 0) return a;
  // Separable box blur, edges clamped.
  const pass = (src: Float32Array, horizontal: boolean): Float32Array<ArrayBuffer> => {
    const out = new Float32Array(src.length);
    const [n, m] = horizontal ? [outW, outH] : [outH, outW];
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) {
          const ii = Math.min(n - 1, Math.max(0, i + k));
          s += horizontal ? src[j * outW + ii] : src[ii * outW + j];
        }
        out[horizontal ? j * outW + i : i * outW + j] = s / (2 * radius + 1);
      }
    }
    return out;
  };
  return pass(pass(a, true), false);
}

/** alpha * region + (1 - alpha) * base, RGBA (alpha channel 255). */
export function composite(base: Uint8ClampedArray, region: Uint8ClampedArray, alpha: Float32Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(base.length);
  for (let i = 0; i < alpha.length; i++) {
    const t = alpha[i];
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(t * region[i * 4 + c] + (1 - t) * base[i * 4 + c]);
    out[i * 4 + 3] = 255;
  }
  return out;
}
