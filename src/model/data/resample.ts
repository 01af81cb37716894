/**
 * PIL's resize, reproduced to the integer, for the output pixels of a crop window only.
 *
 * NVlabs resizes with PIL (`Image.BICUBIC` for photos, `Image.NEAREST` for labels and instance
 * maps) and then crops, so we compute exactly the pixels that survive the crop. Both filters
 * follow Pillow's Resample.c / Geometry.c:
 * - bicubic (a = -0.5) is separable and antialiased: on a downscale the kernel is widened by the
 *   scale factor. Coefficients are rounded to 22-bit fixed point and each pass (horizontal, then
 *   vertical) rounds and clips to 8 bits, as Pillow's 8-bit path does.
 * - nearest reads source pixel floor(x0 + (x + 0.5) * scale), the position being accumulated
 *   step by step in double precision, as Pillow's affine nearest does.
 * An axis whose size does not change is copied, as Pillow skips that pass.
 */

const PRECISION_BITS = 22; // Pillow: 32 - 8 (pixel) - 2 (headroom)
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** For each output coordinate, the source taps it reads: `taps` per entry, weights in fixed point. */
export interface AxisTaps {
  /** First source index per output coordinate. */
  first: Int32Array;
  /** Number of taps per output coordinate. */
  count: Int32Array;
  /** Fixed-point weights, `stride` per output coordinate. */
  weights: Int32Array;
  stride: number;
}

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/**
 * Bicubic taps for the output coordinates `coords` (positions in an axis of `outSize` pixels
 * resized from `inSize`), as Pillow's precompute_coeffs + normalize_coeffs_8bpc.
 */
export function bicubicTaps(inSize: number, outSize: number, coords: Int32Array): AxisTaps {
  const n = coords.length;
  if (inSize === outSize) {
    const weights = new Int32Array(n).fill(ONE);
    return { first: Int32Array.from(coords), count: new Int32Array(n).fill(1), weights, stride: 1 };
  }
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 2 * filterscale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * stride);
  const k = new Float64Array(stride);
  const ss = 1 / filterscale; // multiplied, not divided, as Pillow does (the last bit can differ)
  for (let i = 0; i < n; i++) {
    const center = (coords[i] + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[i * stride + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { first, count, weights, stride };
}

/** Nearest-neighbour source index for every coordinate of an axis resized from inSize to outSize. */
export function nearestTable(inSize: number, outSize: number): Int32Array {
  const table = new Int32Array(outSize);
  if (inSize === outSize) {
    for (let x = 0; x < outSize; x++) table[x] = x;
    return table;
  }
  const step = inSize / outSize;
  let pos = step * 0.5;
  for (let x = 0; x < outSize; x++) {
    table[x] = Math.min(Math.floor(pos), inSize - 1);
    pos += step;
  }
  return table;
}

function clip8(acc: number): number {
  if (acc <= 0) return 0;
  const v = Math.floor(acc / ONE);
  return v > 255 ? 255 : v;
}

/**
 * Bicubic-resamples interleaved 8-bit RGB (`width` x `height`) at the columns `cols` and rows
 * `rows` (each a plan from bicubicTaps) and writes floats v / 127.5 - 1 into `out` at `offset`,
 * row-major, 3 channels (NVlabs: ToTensor, then Normalize(0.5, 0.5)).
 */
export function resampleRgb(
  src: Uint8Array,
  width: number,
  cols: AxisTaps,
  rows: AxisTaps,
  out: Float32Array,
  offset: number,
): void {
  const ow = cols.first.length;
  const oh = rows.first.length;
  if (cols.stride === 1 && rows.stride === 1) {
    // Neither axis is resized (crop modes): a plain gather.
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const s = (rows.first[y] * width + cols.first[x]) * 3;
        const o = offset + (y * ow + x) * 3;
        out[o] = src[s] / 127.5 - 1;
        out[o + 1] = src[s + 1] / 127.5 - 1;
        out[o + 2] = src[s + 2] / 127.5 - 1;
      }
    }
    return;
  }
  // Source rows any output row reads.
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < oh; i++) {
    y0 = Math.min(y0, rows.first[i]);
    y1 = Math.max(y1, rows.first[i] + rows.count[i]);
  }
  // Horizontal pass over those rows only, rounded to 8 bits like Pillow's intermediate image.
  const tmp = new Uint8Array((y1 - y0) * ow * 3);
  for (let y = y0; y < y1; y++) {
    const srow = y * width * 3;
    const trow = (y - y0) * ow * 3;
    for (let x = 0; x < ow; x++) {
      const f = cols.first[x];
      const c = cols.count[x];
      const wo = x * cols.stride;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let t = 0; t < c; t++) {
        const w = cols.weights[wo + t];
        const s = srow + (f + t) * 3;
        r += src[s] * w;
        g += src[s + 1] * w;
        b += src[s + 2] * w;
      }
      tmp[trow + x * 3] = clip8(r);
      tmp[trow + x * 3 + 1] = clip8(g);
      tmp[trow + x * 3 + 2] = clip8(b);
    }
  }
  for (let y = 0; y < oh; y++) {
    const f = rows.first[y] - y0;
    const c = rows.count[y];
    const wo = y * rows.stride;
    for (let x = 0; x < ow * 3; x++) {
      let acc = HALF;
      for (let t = 0; t < c; t++) acc += tmp[(f + t) * ow * 3 + x] * rows.weights[wo + t];
      out[offset + y * ow * 3 + x] = clip8(acc) / 127.5 - 1;
    }
  }
}
