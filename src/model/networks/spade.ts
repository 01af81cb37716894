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
import { leakyRelu, resizeNearest } from '../nn/ops';
import { canFuseModulation, fusedModulate } from '../nn/fused_spade';
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

  /**
   * With `mod`, (gamma, beta) come from the modulation cache (src/model/live) and seg is unused.
   * `leaky`: apply the LeakyReLU(0.2) that follows this layer in a ResNet block here, so that
   * WebGPU can fuse it with the modulation (nn/fused_spade.ts).
   */
  forward(ctx: Ctx, x: tf.Tensor4D, seg: tf.Tensor4D, mod?: Modulation, leaky = false): tf.Tensor4D {
    const { gamma, beta } = mod ?? this.modulation(ctx, x, seg);
    const stats = !ctx.taps && !ctx.training && canFuseModulation() ? this.param_free_norm.evalStats(ctx, x) : null;
    if (stats) return fusedModulate(x, stats.mean, stats.variance, stats.eps, gamma, beta, leaky);
    const trained = !ctx.taps && !mod ? this.param_free_norm.trainFused(ctx, x, { gamma, beta }, leaky) : null;
    if (trained) return trained;
    const normalized = this.param_free_norm.forward(ctx, x);
    const out = tf.add(tf.mul(normalized, tf.add(gamma, 1)), beta) as tf.Tensor4D;
    if (ctx.taps && !mod) {
      ctx.tap(join(this.key, 'normalized'), normalized);
      ctx.tap(join(this.key, 'gamma'), gamma);
      ctx.tap(join(this.key, 'beta'), beta);
      ctx.tap(this.key, out);
    }
    return leaky ? leakyRelu(out) : out;
  }

  /** (gamma, beta) from the segmap, resized to x's grid. */
  private modulation(ctx: Ctx, x: tf.Tensor4D, seg: tf.Tensor4D): Modulation {
    const segResized = resizeNearest(seg, x.shape[1], x.shape[2]);
    const actv = this.mlp_shared.forward(ctx, segResized, true);
    ctx.tap(join(this.key, 'seg_resized'), segResized);
    ctx.tap(join(this.key, 'actv'), actv);
    return { gamma: this.mlp_gamma.forward(ctx, actv), beta: this.mlp_beta.forward(ctx, actv) };
  }
}
