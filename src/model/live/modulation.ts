/**
 * The modulation cache. SPADE's gamma and beta depend only on the mask, never on the style
 * code or on the activations, and they are most of a forward's work (the MLP convs run at
 * every scale on semantic_nc and spade_hidden channels). So for one mask they are computed
 * once, and any number of styles or seeds re-render from them:
 *
 *   const mask = model.prepareMask(labels);          // every SPADE layer's (gamma, beta), kept
 *   for (const seed of seeds) {
 *     const img = model.synthesizePrepared(mask, { seed });   // (N, H, W, 3) in [-1, 1]
 *     ...; img.dispose();
 *   }
 *   mask.dispose();
 *
 * With the default method (`preferredMethod`: the one-hot conv as a gather, onehot_conv.ts,
 * for wide label sets, where it is faster; synthesize uses it there too) the result equals
 * model.synthesize(labels, style) exactly; forcing the other method changes it by float rounding.
 * Eval mode only. The same pieces, on a box, patch the cache after a brush stroke (live_renderer.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpadeConfig } from '../config';
import { semanticNc } from '../config';
import type { Ctx } from '../nn/context';
import type { Conv2d } from '../nn/conv';
import { cropPadding, dilate, fullBox, type Box } from '../nn/box';
import type { SPADEGenerator } from '../networks/generator';
import type { Modulation, SPADE } from '../networks/spade';
import { onehotConv } from './onehot_conv';
import { semanticCrop, type HostSemantic } from './semantic_host';

export type ModulationMethod = 'dense' | 'gather';
/** (gamma, beta) by SPADE key (`up_1.norm_0`), as SPADEGenerator.forward takes them. */
export type Modulations = Map<string, Modulation>;

/**
 * Measured with `spade bench --cached_modulation` on wasm (README, Benchmarks): the gather
 * wins once the one-hot input is wide; with a dozen classes the dense conv is as fast.
 */
export function preferredMethod(cfg: SpadeConfig): ModulationMethod {
  return semanticNc(cfg) >= GATHER_MIN_CHANNELS ? 'gather' : 'dense';
}
export const GATHER_MIN_CHANNELS = 32;

/**
 * A stride-1 conv's output on the box `out` from its input on `inp` = dilate(out, pad): the
 * same kernel call as Conv2d.forward, with padding only on the sides where the full conv pads.
 */
export function regionConv(ctx: Ctx, conv: Conv2d, x: tf.Tensor4D, out: Box, inp: Box, relu = false): tf.Tensor4D {
  return conv.forwardPadded(ctx, x, cropPadding(out, inp, conv.pad), relu);
}

/** One SPADE layer's (gamma, beta) on `box` of its h x w grid. */
export function spadeModulation(
  ctx: Ctx,
  s: SPADE,
  sem: HostSemantic,
  h: number,
  w: number,
  box: Box,
  method: ModulationMethod,
): Modulation {
  return tf.tidy(() => {
    const p = s.mlp_shared.pad;
    const a = dilate(box, s.mlp_gamma.pad, h, w); // where actv is needed
    let actv: tf.Tensor4D;
    if (method === 'gather') {
      actv = tf.relu(onehotConv(s.mlp_shared.kernel(ctx) as tf.Tensor4D, ctx.p(`${s.mlp_shared.key}.bias`), sem, h, w, a));
    } else {
      const inp = dilate(a, p, h, w);
      actv = regionConv(ctx, s.mlp_shared, semanticCrop(sem, h, w, inp), a, inp, true);
    }
    return { gamma: regionConv(ctx, s.mlp_gamma, actv, box, a), beta: regionConv(ctx, s.mlp_beta, actv, box, a) };
  });
}

/** Every SPADE layer's full (gamma, beta) for one mask; the tensors are kept (dispose with disposeModulations). */
export function generatorModulations(ctx: Ctx, G: SPADEGenerator, sem: HostSemantic, method: ModulationMethod): Modulations {
  const mods: Modulations = new Map();
  const grids = G.blockGrids();
  G.blocks.forEach((block, i) => {
    const { h, w } = grids[i];
    for (const s of block.spades()) {
      const m = spadeModulation(ctx, s, sem, h, w, fullBox(h, w), method);
      mods.set(s.key, { gamma: tf.keep(m.gamma), beta: tf.keep(m.beta) });
    }
  });
  return mods;
}

export function disposeModulations(mods: Modulations): void {
  for (const m of mods.values()) tf.dispose([m.gamma, m.beta]);
  mods.clear();
}
