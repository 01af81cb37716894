/**
 * SPADE (normalization.py): out = norm(x) * (1 + gamma(seg)) + beta(seg).
 * The param-free norm and the kernel size come from the `spade<norm><k>x<k>` string; the
 * segmap is resized to x's grid with PyTorch's legacy nearest rule.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Conv2d, join } from '../nn/conv';
import { BatchNorm2d, InstanceNorm2d, type Norm } from '../nn/norms';
import { resizeNearest } from '../nn/ops';
import type { SpadeNormSpec } from '../config';

/** SPADE's mask-dependent part: out = norm(x) * (1 + gamma) + beta. */
export interface Modulation {
  gamma: tf.Tensor4D;
  beta: tf.Tensor4D;
}

export class SPADE {
  readonly param_free_norm: Norm;
  readonly mlp_shared: Conv2d;
  readonly mlp_gamma: Conv2d;
  readonly mlp_beta: Conv2d;

  constructor(
    readonly key: string,
    norm: SpadeNormSpec,
    normNc: number,
    labelNc: number,
    nhidden: number,
  ) {
    const ks = norm.kernel;
    this.param_free_norm =
      norm.paramFree === 'instance' ? new InstanceNorm2d() : new BatchNorm2d(join(key, 'param_free_norm'), normNc, false);
    this.mlp_shared = new Conv2d(join(key, 'mlp_shared.0'), labelNc, nhidden, ks);
    this.mlp_gamma = new Conv2d(join(key, 'mlp_gamma'), nhidden, normNc, ks);
    this.mlp_beta = new Conv2d(join(key, 'mlp_beta'), nhidden, normNc, ks);
  }

  specs(): ParamSpec[] {
    return [this.param_free_norm, this.mlp_shared, this.mlp_gamma, this.mlp_beta].flatMap((m) => m.specs());
  }

  /** With `mod`, (gamma, beta) come from the modulation cache (src/model/live) and seg is unused. */
  forward(ctx: Ctx, x: tf.Tensor4D, seg: tf.Tensor4D, mod?: Modulation): tf.Tensor4D {
    const normalized = this.param_free_norm.forward(ctx, x);
    if (mod) return tf.add(tf.mul(normalized, tf.add(mod.gamma, 1)), mod.beta) as tf.Tensor4D;
    const segResized = resizeNearest(seg, x.shape[1], x.shape[2]);
    const actv = this.mlp_shared.forward(ctx, segResized, true);
    const gamma = this.mlp_gamma.forward(ctx, actv);
    const beta = this.mlp_beta.forward(ctx, actv);
    const out = tf.add(tf.mul(normalized, tf.add(gamma, 1)), beta) as tf.Tensor4D;
    if (ctx.taps) {
      for (const [name, t] of [['normalized', normalized], ['seg_resized', segResized], ['actv', actv], ['gamma', gamma], ['beta', beta]] as const) {
        ctx.tap(join(this.key, name), t);
      }
      ctx.tap(this.key, out);
    }
    return out;
  }
}
