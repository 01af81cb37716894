/**
 * A mask made ready for many renders: its host semantic input and every SPADE layer's
 * (gamma, beta). See modulation.ts for the why and the usage.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';
import { Ctx } from '../nn/context';
import { fullBox } from '../nn/box';
import type { ParamStore } from '../nn/params';
import type { SPADEGenerator } from '../networks/generator';
import type { LabelBatch } from '../preprocess';
import { seededNormal } from '../random';
import { disposeModulations, generatorModulations, preferredMethod, type ModulationMethod, type Modulations } from './modulation';
import { hostSemantic, semanticCrop, type HostSemantic } from './semantic_host';

export interface Style {
  /** (N, z_dim) style code; a VAE model without one draws z ~ N(0, I) from `seed` (default 0). */
  z?: tf.Tensor2D;
  seed?: number;
}

export class PreparedMask {
  private constructor(
    readonly sem: HostSemantic,
    readonly mods: Modulations,
    readonly method: ModulationMethod,
  ) {}

  static prepare(G: SPADEGenerator, params: ParamStore, labels: LabelBatch, opts: { method?: ModulationMethod; source?: string } = {}): PreparedMask {
    const sem = hostSemantic(G.cfg, labels, opts.source);
    const method = opts.method ?? preferredMethod(G.cfg);
    return new PreparedMask(sem, generatorModulations(new Ctx(params, false), G, sem, method), method);
  }

  dispose(): void {
    disposeModulations(this.mods);
  }
}

/** The style code a render uses: z as given, or the seeded N(0, I) draw NVlabs makes at test time. */
export function styleCode(cfg: SpadeConfig, n: number, style: Style, source?: string): tf.Tensor2D | undefined {
  if (!cfg.use_vae) return undefined;
  const z = style.z ?? tf.tensor2d(seededNormal(n * cfg.z_dim, style.seed ?? 0), [n, cfg.z_dim]);
  if (z.shape[0] !== n || z.shape[1] !== cfg.z_dim) {
    throw new SpadeInputError(`style code has shape [${z.shape}] but the model needs [${n}, ${cfg.z_dim}]`, source);
  }
  return z;
}

/** model.synthesize from a prepared mask: the style-dependent part of the forward only. */
export function synthesizePrepared(G: SPADEGenerator, params: ParamStore, mask: PreparedMask, style: Style = {}, source?: string): tf.Tensor4D {
  return tf.tidy(() => {
    const z = styleCode(G.cfg, mask.sem.n, style, source);
    // Only the non-VAE fc reads seg, on the latent grid (where resizeNearest is the identity).
    const seg = G.cfg.use_vae ? tf.zeros([mask.sem.n, 1, 1, 1]) as tf.Tensor4D : semanticCrop(mask.sem, G.sh, G.sw, fullBox(G.sh, G.sw));
    return G.forward(new Ctx(params, false), seg, z, mask.mods);
  });
}
