/**
 * Random checkpoints whose every weight and buffer visibly matters: NVlabs' init (gain 0.02)
 * gives an almost constant picture, so a wrong layer could hide under float noise. As the
 * reference fixtures do: non-spectral kernels ×50, biases and BN running stats drawn, and a
 * few power iterations on every spectral-norm u, v (random u, v give a tiny or negative sigma).
 */
import * as fs from 'node:fs';
import { makeConfig, type SpadeConfig } from '../../src/model/config';
import { SpadeModel } from '../../src/model/model';
import { writeCheckpoint } from '../../src/model/checkpoint/spade_checkpoint';
import type { HostTensor, NamedTensors } from '../../src/model/checkpoint/host_tensor';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function powerIterate(w: HostTensor, u: HostTensor, v: HostTensor, iters: number): void {
  const rows = w.shape[0];
  const cols = w.data.length / rows;
  for (let it = 0; it < iters; it++) {
    const nv = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) nv[c] += w.data[r * cols + c] * u.data[r];
    const vn = Math.max(Math.hypot(...nv), 1e-12);
    for (let c = 0; c < cols; c++) v.data[c] = nv[c] / vn;
    const nu = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) nu[r] += w.data[r * cols + c] * v.data[c];
    const un = Math.max(Math.hypot(...nu), 1e-12);
    for (let r = 0; r < rows; r++) u.data[r] = nu[r] / un;
  }
}

function perturb(net: NamedTensors | undefined, rand: () => number): void {
  for (const [k, t] of net ?? []) {
    if (k.endsWith('.weight_orig')) {
      const base = k.slice(0, -'_orig'.length);
      powerIterate(t, net!.get(`${base}_u`)!, net!.get(`${base}_v`)!, 3);
    } else if (k.endsWith('.weight') && t.shape.length > 1) t.data.forEach((v, i) => (t.data[i] = v * 50));
    else if (k.endsWith('.bias')) t.data.forEach((_, i) => (t.data[i] = rand() * 0.2));
    else if (k.endsWith('.running_mean')) t.data.forEach((_, i) => (t.data[i] = rand() * 0.5));
    else if (k.endsWith('.running_var')) t.data.forEach((_, i) => (t.data[i] = 1.25 + rand() * 0.75));
  }
}

/** Writes the checkpoint (needs a TF.js backend set); returns the config. */
export async function writePerturbedCheckpoint(
  file: string,
  options: Partial<SpadeConfig>,
  seed: number,
  discriminator = false,
): Promise<SpadeConfig> {
  const cfg = makeConfig(options, 'test config');
  const model = SpadeModel.initialise(cfg, seed, { discriminator });
  const ck = await model.toCheckpoint();
  model.dispose();
  const rand = lcg(seed);
  for (const net of [ck.nets.G, ck.nets.E, ck.nets.D]) perturb(net, rand);
  fs.writeFileSync(file, writeCheckpoint(ck));
  return cfg;
}
