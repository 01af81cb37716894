/**
 * The exported picture at the label map's own size: bilinear interpolation with pixel centres
 * aligned, as PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` and TF's
 * `resizeBilinear(halfPixelCenters)` compute it, per 8-bit channel, rounded to the nearest level.
 * Computed here rather than on the canvas, whose smoothing is left to the browser.
 */

/** For each output index, the two source indices and the weight of the second. */
function taps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, inSize - 1);
    t[d] = src - lo;
  }
  return { i0, i1, t };
}

/** RGBA in, RGBA out (alpha is interpolated like the colours). The same size returns a copy. */
export function resizeBilinear(rgba: Uint8ClampedArray, w: number, h: number, ow: number, oh: number): Uint8ClampedArray {
  if (rgba.length !== w * h * 4) throw new Error(`picture has ${rgba.length} bytes for ${w}x${h} RGBA`);
  if (ow === w && oh === h) return rgba.slice();
  const out = new Uint8ClampedArray(ow * oh * 4);
  const xs = taps(w, ow);
  const ys = taps(h, oh);
  for (let y = 0; y < oh; y++) {
    const r0 = ys.i0[y] * w * 4;
    const r1 = ys.i1[y] * w * 4;
    const ty = ys.t[y];
    for (let x = 0; x < ow; x++) {
      const c0 = xs.i0[x] * 4;
      const c1 = xs.i1[x] * 4;
      const tx = xs.t[x];
      const o = (y * ow + x) * 4;
      for (let c = 0; c < 4; c++) {
        const top = rgba[r0 + c0 + c] * (1 - tx) + rgba[r0 + c1 + c] * tx;
        const bottom = rgba[r1 + c0 + c] * (1 - tx) + rgba[r1 + c1 + c] * tx;
        out[o + c] = Math.round(top * (1 - ty) + bottom * ty);
      }
    }
  }
  return out;
}
