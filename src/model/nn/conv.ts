/**
 * nn.Conv2d and nn.Linear, optionally wrapped in spectral_norm.
 * The kernel lives at `<key>.weight` (or `<key>.weight_orig` + u, v with spectral norm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from './context';
import type { ParamSpec } from './params';
import { conv2d, linear, type ConvPadding } from './ops';
import { spectralSpecs, spectralWeight } from './spectral_norm';

/** NVlabs initialises every conv/linear weight with xavier_normal_(gain=init_variance=0.02). */
export const INIT_GAIN = 0.02;

export interface ConvOptions {
  stride?: number;
  pad?: number;
  bias?: boolean;
  spectral?: boolean;
}

export class Conv2d {
  readonly stride: number;
  readonly pad: number;
  readonly bias: boolean;
  readonly spectral: boolean;

  constructor(
    readonly key: string,
    readonly cin: number,
    readonly cout: number,
    readonly k: number,
    opts: ConvOptions = {},
  ) {
    this.stride = opts.stride ?? 1;
    this.pad = opts.pad ?? Math.floor(k / 2);
    this.bias = opts.bias ?? true;
    this.spectral = opts.spectral ?? false;
  }

  specs(): ParamSpec[] {
    const shape = [this.cout, this.cin, this.k, this.k];
    const s: ParamSpec[] = this.spectral
      ? spectralSpecs(this.key, shape, INIT_GAIN)
      : [{ key: `${this.key}.weight`, shape, trainable: true, init: { kind: 'xavier', gain: INIT_GAIN } }];
    if (this.bias) s.push({ key: `${this.key}.bias`, shape: [this.cout], trainable: true, init: { kind: 'zeros' } });
    return s;
  }

  kernel(ctx: Ctx): tf.Tensor {
    if (!this.spectral) return ctx.p(`${this.key}.weight`);
    const cache = ctx.training ? undefined : ctx.kernels;
    const hit = cache?.get(this.key);
    if (hit) return hit;
    const w = spectralWeight(ctx, this.key);
    cache?.set(this.key, tf.keep(w));
    return w;
  }

  /** `relu`: the ReLU that follows this conv (SPADE's mlp_shared), fused into it in eval mode. */
  forward(ctx: Ctx, x: tf.Tensor4D, relu = false): tf.Tensor4D {
    return this.forwardPadded(ctx, x, this.pad, relu);
  }

  /** forward with other padding: the live renderer runs the conv on crops (modulation.ts, regionConv). */
  forwardPadded(ctx: Ctx, x: tf.Tensor4D, pad: ConvPadding, relu = false): tf.Tensor4D {
    const b = this.bias ? ctx.p(`${this.key}.bias`) : undefined;
    return conv2d(x, this.kernel(ctx), this.stride, pad, b, { relu, fused: !ctx.training });
  }
}

export class Linear {
  constructor(
    readonly key: string,
    readonly fin: number,
    readonly fout: number,
  ) {}

  specs(): ParamSpec[] {
    return [
      { key: `${this.key}.weight`, shape: [this.fout, this.fin], trainable: true, init: { kind: 'xavier', gain: INIT_GAIN } },
      { key: `${this.key}.bias`, shape: [this.fout], trainable: true, init: { kind: 'zeros' } },
    ];
  }

  forward(ctx: Ctx, x: tf.Tensor2D): tf.Tensor2D {
    return linear(x, ctx.p(`${this.key}.weight`), ctx.p(`${this.key}.bias`));
  }
}

/** `prefix.name` or `name` at the top level. */
export function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
