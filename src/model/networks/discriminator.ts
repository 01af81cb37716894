/**
 * MultiscaleDiscriminator of NLayerDiscriminators (discriminator.py).
 * Kernel 4 with symmetric zero padding 2 (not TF 'same'); strides 2,...,2,1 then a stride-1
 * conv to one channel. Between scales: avg_pool2d(3, 2, pad 1, count_include_pad=False),
 * which is TF.js avgPool with explicit padding (TF excludes padded cells from the mean).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Conv2d } from '../nn/conv';
import { leakyRelu } from '../nn/ops';
import { NormConv2d } from './norm_conv';
import { parsePlainNorm, type SpadeConfig } from '../config';

const KW = 4;
const PADW = Math.ceil((KW - 1) / 2);

export function discriminatorInputNc(cfg: SpadeConfig): number {
  return cfg.label_nc + cfg.output_nc + (cfg.contain_dontcare_label ? 1 : 0) + (cfg.no_instance ? 0 : 1);
}

export class NLayerDiscriminator {
  readonly models: (Conv2d | NormConv2d)[];

  constructor(
    readonly key: string,
    readonly cfg: SpadeConfig,
  ) {
    const norm = parsePlainNorm(cfg.norm_D, 'norm_D');
    let nf = cfg.ndf;
    this.models = [new Conv2d(`${key}.model0.0`, discriminatorInputNc(cfg), nf, KW, { stride: 2, pad: PADW })];
    for (let n = 1; n < cfg.n_layers_D; n++) {
      const prev = nf;
      nf = Math.min(nf * 2, 512);
      const stride = n === cfg.n_layers_D - 1 ? 1 : 2;
      this.models.push(new NormConv2d(`${key}.model${n}.0`, norm, prev, nf, KW, stride, PADW));
    }
    this.models.push(new Conv2d(`${key}.model${cfg.n_layers_D}.0`, nf, 1, KW, { stride: 1, pad: PADW }));
  }

  specs(): ParamSpec[] {
    return this.models.flatMap((m) => m.specs());
  }

  /** Every layer's output (LeakyReLU applied to all but the last). */
  forward(ctx: Ctx, input: tf.Tensor4D): tf.Tensor4D[] {
    const results: tf.Tensor4D[] = [];
    let x = input;
    this.models.forEach((m, i) => {
      const leaky = i < this.models.length - 1;
      if (m instanceof NormConv2d) {
        x = m.forward(ctx, x, leaky);
      } else {
        x = m.forward(ctx, x);
        if (leaky) x = leakyRelu(x);
      }
      results.push(x);
    });
    return results;
  }
}

export class MultiscaleDiscriminator {
  readonly discriminators: NLayerDiscriminator[];

  constructor(readonly cfg: SpadeConfig) {
    this.discriminators = Array.from({ length: cfg.num_D }, (_, i) => new NLayerDiscriminator(`discriminator_${i}`, cfg));
  }

  specs(): ParamSpec[] {
    return this.discriminators.flatMap((d) => d.specs());
  }

  /**
   * One list per scale: all intermediate features when the feature-matching loss is on,
   * else just the final map (as NVlabs returns).
   */
  forward(ctx: Ctx, input: tf.Tensor4D): tf.Tensor4D[][] {
    const result: tf.Tensor4D[][] = [];
    let x = input;
    this.discriminators.forEach((d, i) => {
      const feats = d.forward(ctx, x);
      result.push(this.cfg.no_ganFeat_loss ? [feats[feats.length - 1]] : feats);
      if (i < this.discriminators.length - 1) x = downsample(x);
    });
    return result;
  }
}

/**
 * F.avg_pool2d(x, 3, stride 2, padding 1, count_include_pad=False): the mean over the window's
 * pixels inside the image. Written as a sum over the zero-padded input divided by the count of
 * real pixels, because tfjs' own avgPool(pad 1) excludes the padding going forward but its
 * gradient (AvgPoolGrad) divides by the full 3x3 = 9 at the borders too: the discriminator's
 * input gradient, which is what trains G, came out wrong along the edges (~4% of G's gradient).
 */
export function downsample(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() => {
    const sum9 = tf.avgPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid');
    const [, oh, ow] = sum9.shape;
    const inside = (o: number, n: number) => Math.min(2 * o + 1, n - 1) - Math.max(2 * o - 1, 0) + 1;
    const scale = new Float32Array(oh * ow);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) scale[i * ow + j] = 9 / (inside(i, h) * inside(j, w));
    return tf.mul(sum9, tf.tensor4d(scale, [1, oh, ow, 1]));
  });
}
