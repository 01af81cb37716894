/**
 * ConvEncoder (encoder.py): image -> (mu, logvar) style code.
 *
 * The input is always resized to 256x256 (bilinear, align_corners=False), so six stride-2
 * layers are needed to reach fc_mu's 4x4 grid. NVlabs only creates `layer6` when
 * crop_size >= 256 and so crashes for smaller crops; we always create it, which is the
 * only configuration that runs (and the one the reference fixtures use).
 * NVlabs hard-codes the code width to 256; we use z_dim (default 256) so E and G agree.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Linear } from '../nn/conv';
import { flattenNCHW, leakyRelu } from '../nn/ops';
import { NormConv2d } from './norm_conv';
import { parsePlainNorm, type SpadeConfig } from '../config';

export const ENCODER_INPUT = 256;

export class ConvEncoder {
  readonly layers: NormConv2d[];
  readonly fc_mu: Linear;
  readonly fc_var: Linear;

  constructor(readonly cfg: SpadeConfig) {
    const ndf = cfg.ngf; // NVlabs: "ndf = opt.ngf"
    const norm = parsePlainNorm(cfg.norm_E, 'norm_E');
    const widths = [3, ndf, ndf * 2, ndf * 4, ndf * 8, ndf * 8, ndf * 8];
    this.layers = widths.slice(1).map((cout, i) => new NormConv2d(`layer${i + 1}`, norm, widths[i], cout, 3, 2, 1));
    this.fc_mu = new Linear('fc_mu', ndf * 8 * 4 * 4, cfg.z_dim);
    this.fc_var = new Linear('fc_var', ndf * 8 * 4 * 4, cfg.z_dim);
  }

  specs(): ParamSpec[] {
    return [...this.layers, this.fc_mu, this.fc_var].flatMap((m) => m.specs());
  }

  /** image: (N, H, W, 3) in [-1, 1]. */
  forward(ctx: Ctx, image: tf.Tensor4D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    let x = image;
    if (x.shape[1] !== ENCODER_INPUT || x.shape[2] !== ENCODER_INPUT) {
      x = tf.image.resizeBilinear(x, [ENCODER_INPUT, ENCODER_INPUT], false, true);
    }
    ctx.tap('input_resized', x);
    // Each layer's LeakyReLU is applied by the layer itself (fused with its norm on WebGPU),
    // unless the layers' outputs before it are tapped.
    const own = !ctx.taps;
    this.layers.forEach((layer, i) => {
      x = own ? layer.forward(ctx, x, true) : layer.forward(ctx, i === 0 ? x : leakyRelu(x));
      ctx.tap(`layer${i + 1}`, x);
    });
    const flat = flattenNCHW(own ? x : leakyRelu(x));
    return { mu: this.fc_mu.forward(ctx, flat), logvar: this.fc_var.forward(ctx, flat) };
  }
}

/** z = eps * exp(0.5 * logvar) + mu. */
export function reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(eps, tf.exp(tf.mul(logvar, 0.5))), mu);
}
