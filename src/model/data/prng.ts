/**
 * Small seeded PRNG for data shuffling and augmentation. Every draw is a pure function of
 * (seed, stream ids), so a resumed training run can rebuild any epoch's order or any sample's
 * crop/flip from its position alone, with no generator state to save.
 */

/** One 32-bit avalanche step (murmur3's finaliser): neighbouring inputs give unrelated outputs. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit seed from a user seed (any safe integer, negative or above 2^32 included) and stream
 * ids such as (epoch, position). Different id tuples give independent-looking streams.
 */
export function mixSeed(seed: number, ...ids: number[]): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x9e3779b9);
  h = fmix32(h ^ Math.imul(hi, 0x27d4eb2f) ^ 0x165667b1);
  for (const id of ids) h = fmix32((h + Math.imul(id >>> 0, 0x9e3779b1) + 0x7f4a7c15) >>> 0);
  return h;
}

/** Uniform integer in [lo, hi], both ends included, like Python's random.randint. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
