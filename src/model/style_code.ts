/** The style code a VAE generator renders with: the one given, or NVlabs' test-time N(0, I) draw. */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from './config';
import { SpadeInputError } from './errors';
import { seededNormal } from './random';

export interface Style {
  /** (N, z_dim) style code; a VAE model without one draws z ~ N(0, I) from `seed` (default 0). */
  z?: tf.Tensor2D;
  seed?: number;
}

/** z for n images, checked against the model; undefined for a model without use_vae. */
export function styleCode(cfg: SpadeConfig, n: number, style: Style, source?: string): tf.Tensor2D | undefined {
  if (!cfg.use_vae) return undefined;
  const z = style.z ?? tf.tensor2d(seededNormal(n * cfg.z_dim, style.seed ?? 0), [n, cfg.z_dim]);
  if (z.shape[0] !== n || z.shape[1] !== cfg.z_dim) {
    throw new SpadeInputError(`style code has shape [${z.shape}] but the model needs [${n}, ${cfg.z_dim}]`, source);
  }
  return z;
}
