/**
 * Arithmetic on style codes, shared by the editor's Styles panel and the tests: distances
 * between the encoder's Gaussians N(mu, exp(logvar)), a 2-D PCA of the codes, interpolation
 * and sampling. Plain arrays, no TF.js: a handful of codes of a few hundred values each.
 */
import { seededNormal } from './random';

export interface Code {
  mu: ArrayLike<number>;
  logvar: ArrayLike<number>;
}

/** Root-mean-square difference of the means: ||mu_a - mu_b|| / sqrt(z_dim). */
export function meanL2(a: Code, b: Code): number {
  let s = 0;
  for (let i = 0; i < a.mu.length; i++) s += (a.mu[i] - b.mu[i]) ** 2;
  return Math.sqrt(s / a.mu.length);
}

/**
 * Symmetric KL (Jeffreys) divergence KL(a||b) + KL(b||a) of the diagonal Gaussians, in nats,
 * summed over dimensions: 1/2 Σ [va/vb + vb/va - 2 + (mu_a - mu_b)² (1/va + 1/vb)].
 */
export function symmetricKl(a: Code, b: Code): number {
  let s = 0;
  for (let i = 0; i < a.mu.length; i++) {
    const va = Math.exp(a.logvar[i]);
    const vb = Math.exp(b.logvar[i]);
    const d2 = (a.mu[i] - b.mu[i]) ** 2;
    s += va / vb + vb / va - 2 + d2 * (1 / va + 1 / vb);
  }
  return s / 2;
}

export type DistanceKind = 'l2' | 'kl';

export function distanceMatrix(codes: Code[], kind: DistanceKind): number[][] {
  const f = kind === 'l2' ? meanL2 : symmetricKl;
  return codes.map((a, i) => codes.map((b, j) => (i === j ? 0 : f(a, b))));
}

/**
 * The codes' means projected on their first two principal components (centred). Computed from
 * the n×n Gram matrix by power iteration with deflation, so z_dim never enters the cost.
 * Each axis's sign is fixed (largest |coordinate| positive) so the picture does not flip.
 */
export function pca2(codes: Code[]): [number, number][] {
  const n = codes.length;
  if (n === 0) return [];
  const d = codes[0].mu.length;
  const mean = new Float64Array(d);
  for (const c of codes) for (let k = 0; k < d; k++) mean[k] += c.mu[k] / n;
  const gram = codes.map((a) =>
    codes.map((b) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += (a.mu[k] - mean[k]) * (b.mu[k] - mean[k]);
      return s;
    }),
  );
  const out: [number, number][] = codes.map(() => [0, 0]);
  for (let axis = 0; axis < 2; axis++) {
    let v = Array.from({ length: n }, (_, i) => 1 + i / n);
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const w = gram.map((row) => row.reduce((s, g, j) => s + g * v[j], 0));
      const norm = Math.hypot(...w);
      if (norm < 1e-12) {
        lambda = 0;
        break;
      }
      lambda = norm;
      v = w.map((x) => x / norm);
    }
    const big = v.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
    const sign = big < 0 ? -1 : 1;
    // Coordinates along the axis: u_i * sqrt(lambda).
    for (let i = 0; i < n; i++) out[i][axis] = lambda > 0 ? sign * v[i] * Math.sqrt(lambda) : 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i][j] -= lambda * v[i] * v[j];
  }
  return out;
}

/** (1 - t) mu_a + t mu_b. */
export function lerpMu(a: Code, b: Code, t: number): Float32Array {
  return Float32Array.from(a.mu, (m, i) => (1 - t) * m + t * b.mu[i]);
}

/** z ~ N(mu, exp(logvar)) from a seed: mu + exp(logvar / 2) * eps, eps the seeded N(0, I) draw. */
export function sampleCode(c: Code, seed: number): Float32Array {
  const eps = seededNormal(c.mu.length, seed);
  return Float32Array.from(c.mu, (m, i) => m + Math.exp(c.logvar[i] / 2) * eps[i]);
}
