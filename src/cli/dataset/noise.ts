/**
 * Seeded randomness and noise for the procedural landscapes. No fs, no DOM: runs in a browser too.
 *
 * Speed matters (thousands of scenes a minute on one core), so per-pixel noise is never
 * evaluated from scratch: a few tileable fractal textures are built once per process from a fixed
 * seed, and every scene samples them at its own random offsets and frequencies. A scene is then
 * a pure function of (seed, index), whatever else ran before it in the process.
 */
import { mulberry32 } from '../../model/random';

/** Layout decisions from one mulberry32 stream. */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Index drawn with the given (unnormalised) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
  /** A texture offset: anywhere in the texture period. */
  offset(): number {
    return this.next() * TEX_SIZE;
  }
}

/** The seed of scene `index` in a run seeded with `seed`: independent of how many scenes run. */
export function sceneSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const TEX_BITS = 9;
export const TEX_SIZE = 1 << TEX_BITS;
const TEX_MASK = TEX_SIZE - 1;

/** Bilinear sample of a tileable TEX_SIZE² texture at texel coordinates (u, v), wrapping. */
export function sample(t: Float32Array, u: number, v: number): number {
  const fu = Math.floor(u);
  const fv = Math.floor(v);
  const ax = u - fu;
  const ay = v - fv;
  const x0 = fu & TEX_MASK;
  const x1 = (fu + 1) & TEX_MASK;
  const r0 = (fv & TEX_MASK) << TEX_BITS;
  const r1 = ((fv + 1) & TEX_MASK) << TEX_BITS;
  const a = t[r0 + x0];
  const b = t[r0 + x1];
  const top = a + (b - a) * ax;
  const c = t[r1 + x0];
  return top + (c + (t[r1 + x1] - c) * ax - top) * ay;
}

/** Nearest-texel sample (grain, speckles: where blockiness reads as detail). */
export function texel(t: Float32Array, u: number, v: number): number {
  return t[((Math.floor(v) & TEX_MASK) << TEX_BITS) | (Math.floor(u) & TEX_MASK)];
}

/**
 * Tileable value-noise fBm on a TEX_SIZE² grid, normalised to [0, 1]. `ridged` folds each octave
 * (1 - |2n - 1|)², which gives sharp crests: mountain ridges, gullies, cracks.
 */
function fbmTexture(rng: Rng, firstPeriod: number, octaves: number, gain: number, ridged: boolean): Float32Array {
  const out = new Float32Array(TEX_SIZE * TEX_SIZE);
  let amp = 1;
  for (let o = 0, cells = firstPeriod; o < octaves; o++, cells *= 2, amp *= gain) {
    if (cells > TEX_SIZE) break;
    const lattice = new Float32Array(cells * cells);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
    const step = TEX_SIZE / cells;
    for (let y = 0; y < TEX_SIZE; y++) {
      const gy = y / step;
      const iy = Math.floor(gy);
      const fy = gy - iy;
      const sy = fy * fy * fy * (fy * (fy * 6 - 15) + 10);
      const r0 = (iy % cells) * cells;
      const r1 = ((iy + 1) % cells) * cells;
      for (let x = 0; x < TEX_SIZE; x++) {
        const gx = x / step;
        const ix = Math.floor(gx);
        const fx = gx - ix;
        const sx = fx * fx * fx * (fx * (fx * 6 - 15) + 10);
        const c0 = ix % cells;
        const c1 = (ix + 1) % cells;
        const top = lattice[r0 + c0] + (lattice[r0 + c1] - lattice[r0 + c0]) * sx;
        const bot = lattice[r1 + c0] + (lattice[r1 + c1] - lattice[r1 + c0]) * sx;
        let n = top + (bot - top) * sy;
        if (ridged) {
          n = 1 - Math.abs(2 * n - 1);
          n *= n;
        }
        out[y * TEX_SIZE + x] += amp * n;
      }
    }
  }
  normalise(out);
  return out;
}

function normalise(a: Float32Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const k = 1 / Math.max(hi - lo, 1e-9);
  for (let i = 0; i < a.length; i++) a[i] = (a[i] - lo) * k;
}

export interface NoiseBank {
  /** Smooth fBm, features from TEX_SIZE/4 down to 2 texels. */
  fbm: Float32Array;
  /** A second, independent smooth fBm. */
  fbm2: Float32Array;
  /** Ridged fBm: crests and creases. */
  ridged: Float32Array;
  /** White noise in [0, 1): grain, speckles, dots. */
  white: Float32Array;
}

/**
 * Value below which a fraction `p` of the texture lies, so that layouts can ask for an area
 * ("30 % of the ground is water") rather than a raw threshold.
 */
export function quantile(t: Float32Array, p: number): number {
  let q = quantiles.get(t);
  if (!q) {
    const sorted = Float32Array.from(t).sort();
    q = new Float32Array(257);
    for (let i = 0; i <= 256; i++) q[i] = sorted[Math.min(sorted.length - 1, Math.round((i / 256) * (sorted.length - 1)))];
    quantiles.set(t, q);
  }
  const x = clamp01(p) * 256;
  const i = Math.min(255, Math.floor(x));
  return q[i] + (q[i + 1] - q[i]) * (x - i);
}

const quantiles = new WeakMap<Float32Array, Float32Array>();

let bank: NoiseBank | null = null;

/** The process-wide noise textures (built on first use, about 0.1 s; always the same). */
export function noiseBank(): NoiseBank {
  if (bank) return bank;
  const rng = new Rng(0x5eed1a4d);
  const white = new Float32Array(TEX_SIZE * TEX_SIZE);
  for (let i = 0; i < white.length; i++) white[i] = rng.next();
  bank = {
    fbm: fbmTexture(rng, 4, 8, 0.5, false),
    fbm2: fbmTexture(rng, 4, 8, 0.55, false),
    ridged: fbmTexture(rng, 4, 7, 0.5, true),
    white,
  };
  return bank;
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

export function smoothstep(a: number, b: number, x: number): number {
  const t = clamp01((x - a) / (b - a));
  return t * t * (3 - 2 * t);
}
