/**
 * A mask made ready for many renders: its host semantic input and every SPADE layer's
 * (gamma, beta). See modulation.ts for the why and the usage.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Ctx } from '../nn/context';
import type { ParamStore } from '../nn/params';
import type { SPADEGenerator } from '../networks/generator';
import type { LabelBatch } from '../preprocess';
import { styleCode, type Style } from '../style_code';
import { disposeModulations, generatorModulations, preferredMethod, type ModulationMethod, type Modulations } from './modulation';
import { hostSemantic, latentSemantic, withDeviceCopy, type HostSemantic } from './semantic_host';

export class PreparedMask {
  private constructor(
    readonly sem: HostSemantic,
    readonly mods: Modulations,
    readonly method: ModulationMethod,
  ) {}

  static prepare(
    G: SPADEGenerator,
    params: ParamStore,
    labels: LabelBatch,
    opts: { method?: ModulationMethod; source?: string } = {},
  ): PreparedMask {
    const sem = hostSemantic(G.cfg, labels, opts.source);
    withDeviceCopy(sem);
    const method = opts.method ?? preferredMethod(G.cfg);
    try {
      return new PreparedMask(sem, generatorModulations(new Ctx(params, false), G, sem, method), method);
    } catch (e) {
      sem.device?.dispose();
      throw e;
    }
  }

  dispose(): void {
    disposeModulations(this.mods);
    this.sem.device?.dispose();
  }
}

/** model.synthesize from a prepared mask: the style-dependent part of the forward only. */
export function synthesizePrepared(
  G: SPADEGenerator,
  params: ParamStore,
  mask: PreparedMask,
  style: Style = {},
  source?: string,
): tf.Tensor4D {
  return tf.tidy(() => {
    const z = styleCode(G.cfg, mask.sem.n, style, source);
    return G.forward(new Ctx(params, false), latentSemantic(G, mask.sem), z, mask.mods);
  });
}
