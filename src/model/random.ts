/**
 * Seeded randomness that is the same on every backend and in every runtime. tf.randomNormal
 * treats seed 0 as "no seed" (a fresh random draw each call), so style codes come from here
 * instead, and so do data order, augmentation and the procedural scenes.
 */

/** mulberry32: uniform floats in [0, 1). Fast, 32-bit state, fine for codes, crops and shuffles. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard-normal draws from mulberry32 uniforms by Box–Muller. */
export function seededNormal(count: number, seed: number): Float32Array {
  const uniform = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
