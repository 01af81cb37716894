/**
 * SPADEGenerator (generator.py). The input is either a style code z through a Linear `fc`
 * (VAE mode) or the segmap shrunk to the latent grid through a 3x3 conv `fc`; then
 * head_0, G_middle_0/1 and up_0..up_3 (up_4 for 'most'), doubling the grid between blocks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Conv2d, Linear } from '../nn/conv';
import { leakyRelu, resizeNearest, upsample2x } from '../nn/ops';
import { SPADEResnetBlock } from './resblock';
import type { Modulation } from './spade';
import { latentSize, parseNormG, semanticNc, type SpadeConfig } from '../config';
import { SpadeInputError } from '../errors';

export class SPADEGenerator {
  readonly sw: number;
  readonly sh: number;
  readonly fc: Linear | Conv2d;
  readonly blocks: SPADEResnetBlock[];
  readonly conv_img: Conv2d;

  constructor(readonly cfg: SpadeConfig) {
    const nf = cfg.ngf;
    const norm = parseNormG(cfg.norm_G);
    const sem = semanticNc(cfg);
    const hidden = cfg.spade_hidden;
    ({ sw: this.sw, sh: this.sh } = latentSize(cfg));

    this.fc = cfg.use_vae ? new Linear('fc', cfg.z_dim, 16 * nf * this.sw * this.sh) : new Conv2d('fc', sem, 16 * nf, 3);
    const block = (key: string, fin: number, fout: number) => new SPADEResnetBlock(key, fin, fout, norm, sem, hidden);
    this.blocks = [
      block('head_0', 16 * nf, 16 * nf),
      block('G_middle_0', 16 * nf, 16 * nf),
      block('G_middle_1', 16 * nf, 16 * nf),
      block('up_0', 16 * nf, 8 * nf),
      block('up_1', 8 * nf, 4 * nf),
      block('up_2', 4 * nf, 2 * nf),
      block('up_3', 2 * nf, nf),
    ];
    let finalNc = nf;
    if (cfg.num_upsampling_layers === 'most') {
      finalNc = Math.floor(nf / 2);
      this.blocks.push(block('up_4', nf, finalNc));
    }
    this.conv_img = new Conv2d('conv_img', finalNc, 3, 3);
  }

  specs(): ParamSpec[] {
    return [this.fc, ...this.blocks, this.conv_img].flatMap((m) => m.specs());
  }

  /**
   * Whether the grid doubles before block i: before every block but head_0, and before
   * G_middle_1 only when num_upsampling_layers is 'more' or 'most'. The forward pass and the
   * live renderer both read the schedule from here.
   */
  doublesBefore(i: number): boolean {
    return i === 1 || i >= 3 || (i === 2 && this.cfg.num_upsampling_layers !== 'normal');
  }

  /** Each block's grid (rows, columns), in block order. */
  blockGrids(): Array<{ h: number; w: number }> {
    let [h, w] = [this.sh, this.sw];
    return this.blocks.map((_, i) => {
      if (this.doublesBefore(i)) [h, w] = [2 * h, 2 * w];
      return { h, w };
    });
  }

  /**
   * seg: one-hot semantic map (N, H, W, semantic_nc). z: (N, z_dim), required in VAE mode.
   * mods: every SPADE layer's cached (gamma, beta) by key (src/model/live/modulation.ts); seg
   * is then only read by the non-VAE fc.
   */
  forward(ctx: Ctx, seg: tf.Tensor4D, z?: tf.Tensor2D, mods?: ReadonlyMap<string, Modulation>): tf.Tensor4D {
    // In eval each block's intermediates are freed as soon as it is done, which keeps the
    // peak to about one block (COCO-size at 256² otherwise nears wasm's 4 GB heap). Training
    // keeps them: the gradient tape needs them.
    const step = (f: () => tf.Tensor4D) => (ctx.training ? f() : tf.tidy(f));
    let x = this.input(ctx, seg, z);
    this.blocks.forEach((block, i) => {
      const input = x;
      x = step(() => block.forward(ctx, this.doublesBefore(i) ? upsample2x(input) : input, seg, mods));
    });
    return this.output(ctx, x);
  }

  /** head_0's input: fc(z) viewed as NCHW (VAE), or fc over the segmap on the latent grid. */
  input(ctx: Ctx, seg: tf.Tensor4D, z?: tf.Tensor2D): tf.Tensor4D {
    const n = seg.shape[0];
    let x: tf.Tensor4D;
    if (this.fc instanceof Linear) {
      if (!z) throw new SpadeInputError('this generator was trained with use_vae: it needs a style code z');
      const flat = this.fc.forward(ctx, z);
      ctx.tap('fc', flat);
      // PyTorch views fc's output as NCHW: flat index = c*sh*sw + h*sw + w.
      x = tf.transpose(tf.reshape(flat, [n, -1, this.sh, this.sw]), [0, 2, 3, 1]);
    } else {
      const fcIn = resizeNearest(seg, this.sh, this.sw);
      ctx.tap('fc_in', fcIn);
      x = this.fc.forward(ctx, fcIn);
      ctx.tap('fc', x);
    }
    ctx.tap('head_0_in', x);
    return x;
  }

  /** The image from the last block's output: conv_img(leaky_relu(x)), tanh. */
  output(ctx: Ctx, last: tf.Tensor4D): tf.Tensor4D {
    const x = this.conv_img.forward(ctx, leakyRelu(last));
    ctx.tap('conv_img', x);
    return tf.tanh(x);
  }
}
