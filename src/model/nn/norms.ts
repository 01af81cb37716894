/**
 * BatchNorm2d and InstanceNorm2d as PyTorch defines them (eps 1e-5, momentum 0.1).
 * BatchNorm train mode normalises with the biased batch variance and updates the running
 * variance with the unbiased one; eval mode uses the running statistics. On WebGPU the
 * statistics come from webgpu_moments.ts, elsewhere from tf.moments; in data-parallel training
 * (ctx.replica) from sync_moments.ts, over the whole batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from './context';
import type { ParamSpec } from './params';
import { stopGradient } from './ops';
import { SpadeInputError } from '../errors';
import { canComputeMomentsOnWebGPU, channelMoments } from './webgpu_moments';
import { syncMoments } from './sync_moments';
import { canNormTrainOnWebGPU, normTrain, runningStat } from './webgpu_norm_train';

const EPS = 1e-5;
const MOMENTUM = 0.1;

/** Per-channel statistics such that norm(x) = (x - mean) / sqrt(variance + eps), shape (C). */
export interface ChannelStats {
  mean: tf.Tensor;
  variance: tf.Tensor;
  eps: number;
}

/** SPADE's modulation, activation-sized. */
export type GammaBeta = { gamma: tf.Tensor4D; beta: tf.Tensor4D };

export interface Norm {
  specs(): ParamSpec[];
  forward(ctx: Ctx, x: tf.Tensor4D): tf.Tensor4D;
  /** Eval mode: the statistics forward would use, when one set serves the whole batch; else null. */
  evalStats(ctx: Ctx, x: tf.Tensor4D): ChannelStats | null;
  /**
   * Train mode on WebGPU: act(norm(x) * (1 + gamma) + beta) as one op with its own gradient
   * (webgpu_norm_train.ts), act being LeakyReLU(0.2) with `leaky`, else identity. Null where
   * that does not run; the caller then composes forward() and the rest.
   */
  trainFused(ctx: Ctx, x: tf.Tensor4D, mod: GammaBeta | undefined, leaky: boolean): tf.Tensor4D | null;
}

export class BatchNorm2d implements Norm {
  constructor(
    readonly key: string,
    readonly nc: number,
    readonly affine: boolean,
  ) {}

  specs(): ParamSpec[] {
    const k = this.key;
    const s: ParamSpec[] = [];
    if (this.affine) {
      s.push({ key: `${k}.weight`, shape: [this.nc], trainable: true, init: { kind: 'ones' } });
      s.push({ key: `${k}.bias`, shape: [this.nc], trainable: true, init: { kind: 'zeros' } });
    }
    s.push({ key: `${k}.running_mean`, shape: [this.nc], trainable: false, init: { kind: 'zeros' } });
    s.push({ key: `${k}.running_var`, shape: [this.nc], trainable: false, init: { kind: 'ones' } });
    s.push({ key: `${k}.num_batches_tracked`, shape: [], trainable: false, init: { kind: 'zeros' } });
    return s;
  }

  trainFused(ctx: Ctx, x: tf.Tensor4D, mod: GammaBeta | undefined, leaky: boolean): tf.Tensor4D | null {
    if (!ctx.training || ctx.replica || this.affine || !canNormTrainOnWebGPU()) return null;
    const k = this.key;
    const [n, h, w] = x.shape;
    const count = n * h * w;
    if (count < 2) {
      throw new SpadeInputError(`BatchNorm ${k} needs more than one value per channel in train mode (batch ${n}, ${h}x${w})`);
    }
    const r = normTrain(x, { perSample: false, eps: EPS, leaky, ...mod });
    ctx.setBuffer(`${k}.running_mean`, runningStat(ctx.p(`${k}.running_mean`), r.moments, 0, MOMENTUM));
    ctx.setBuffer(`${k}.running_var`, runningStat(ctx.p(`${k}.running_var`), r.moments, 1, MOMENTUM, count / (count - 1)));
    ctx.setBuffer(`${k}.num_batches_tracked`, tf.add(ctx.p(`${k}.num_batches_tracked`), 1));
    return r.y;
  }

  forward(ctx: Ctx, x: tf.Tensor4D): tf.Tensor4D {
    const k = this.key;
    let y: tf.Tensor4D;
    const fused = this.trainFused(ctx, x, undefined, false);
    if (fused) return fused;
    if (ctx.training) {
      const [n, h, w] = x.shape;
      const synced = ctx.replica ? syncMoments(x, ctx.replica) : undefined;
      const count = synced ? synced.count : n * h * w;
      if (count < 2) {
        throw new SpadeInputError(`BatchNorm ${k} needs more than one value per channel in train mode (batch ${n}, ${h}x${w})`);
      }
      const { mean, variance } = synced ?? (canComputeMomentsOnWebGPU() ? channelMoments(x, false) : tf.moments(x, [0, 1, 2]));
      y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
      const m = stopGradient(mean);
      const unbiased = tf.mul(stopGradient(variance), count / (count - 1));
      ctx.setBuffer(`${k}.running_mean`, tf.add(tf.mul(ctx.p(`${k}.running_mean`), 1 - MOMENTUM), tf.mul(m, MOMENTUM)));
      ctx.setBuffer(`${k}.running_var`, tf.add(tf.mul(ctx.p(`${k}.running_var`), 1 - MOMENTUM), tf.mul(unbiased, MOMENTUM)));
      ctx.setBuffer(`${k}.num_batches_tracked`, tf.add(ctx.p(`${k}.num_batches_tracked`), 1));
    } else {
      y = tf.mul(tf.sub(x, ctx.p(`${k}.running_mean`)), tf.rsqrt(tf.add(ctx.p(`${k}.running_var`), EPS)));
    }
    if (this.affine) y = tf.add(tf.mul(y, ctx.p(`${k}.weight`)), ctx.p(`${k}.bias`));
    return y;
  }

  evalStats(ctx: Ctx): ChannelStats | null {
    if (ctx.training || this.affine) return null;
    const k = this.key;
    return { mean: ctx.p(`${k}.running_mean`), variance: ctx.p(`${k}.running_var`), eps: EPS };
  }
}

/** InstanceNorm2d(affine=False, track_running_stats=False): the same in both modes. */
export class InstanceNorm2d implements Norm {
  specs(): ParamSpec[] {
    return [];
  }

  trainFused(ctx: Ctx, x: tf.Tensor4D, mod: GammaBeta | undefined, leaky: boolean): tf.Tensor4D | null {
    if (!ctx.training || !canNormTrainOnWebGPU()) return null;
    return normTrain(x, { perSample: true, eps: EPS, leaky, ...mod }).y;
  }

  forward(ctx: Ctx, x: tf.Tensor4D): tf.Tensor4D {
    const fused = this.trainFused(ctx, x, undefined, false);
    if (fused) return fused;
    const { mean, variance } = canComputeMomentsOnWebGPU() ? channelMoments(x, true) : tf.moments(x, [1, 2], true);
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
  }

  evalStats(_ctx: Ctx, x: tf.Tensor4D): ChannelStats | null {
    if (x.shape[0] !== 1) return null; // one sample's statistics each
    const { mean, variance } = tf.moments(x, [1, 2], true);
    return { mean, variance, eps: EPS };
  }
}
