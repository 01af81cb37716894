/**
 * get_nonspade_norm_layer (normalization.py) applied to a conv: `[spectral]<norm>`.
 * With a norm the conv loses its bias and sits at `<key>.0`, the norm at `<key>.1`
 * (an nn.Sequential); without one the conv is the module itself, at `<key>`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Conv2d, join } from '../nn/conv';
import { leakyRelu } from '../nn/ops';
import { BatchNorm2d, InstanceNorm2d, type Norm } from '../nn/norms';
import type { PlainNormSpec } from '../config';

export class NormConv2d {
  readonly conv: Conv2d;
  readonly norm?: Norm;

  constructor(key: string, spec: PlainNormSpec, cin: number, cout: number, k: number, stride: number, pad: number) {
    const hasNorm = spec.sub !== 'none';
    this.conv = new Conv2d(hasNorm ? join(key, '0') : key, cin, cout, k, { stride, pad, bias: !hasNorm, spectral: spec.spectral });
    if (spec.sub === 'batch') this.norm = new BatchNorm2d(join(key, '1'), cout, true);
    else if (spec.sub === 'instance') this.norm = new InstanceNorm2d();
  }

  specs(): ParamSpec[] {
    return [...this.conv.specs(), ...(this.norm ? this.norm.specs() : [])];
  }

  /** `leaky`: LeakyReLU(0.2) after the norm, fused with it where that runs (webgpu_norm_train.ts). */
  forward(ctx: Ctx, x: tf.Tensor4D, leaky = false): tf.Tensor4D {
    const y = this.conv.forward(ctx, x);
    const fused = this.norm ? this.norm.trainFused(ctx, y, undefined, leaky) : null;
    if (fused) return fused;
    const out = this.norm ? this.norm.forward(ctx, y) : y;
    return leaky ? leakyRelu(out) : out;
  }
}
