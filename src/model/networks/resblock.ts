/**
 * SPADEResnetBlock (architecture.py): norm -> lrelu -> conv, twice, plus a shortcut that is
 * learned (SPADE + 1x1 conv, no bias) when fin != fout.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from '../nn/context';
import type { ParamSpec } from '../nn/params';
import { Conv2d, join } from '../nn/conv';
import { SPADE, type Modulation } from './spade';
import type { SpadeNormSpec } from '../config';

export class SPADEResnetBlock {
  readonly learnedShortcut: boolean;
  readonly conv_0: Conv2d;
  readonly conv_1: Conv2d;
  readonly conv_s?: Conv2d;
  readonly norm_0: SPADE;
  readonly norm_1: SPADE;
  readonly norm_s?: SPADE;

  constructor(
    readonly key: string,
    fin: number,
    fout: number,
    norm: SpadeNormSpec,
    semanticNc: number,
    nhidden: number,
  ) {
    this.learnedShortcut = fin !== fout;
    const fmiddle = Math.min(fin, fout);
    const spectral = norm.spectral;
    this.conv_0 = new Conv2d(join(key, 'conv_0'), fin, fmiddle, 3, { spectral });
    this.conv_1 = new Conv2d(join(key, 'conv_1'), fmiddle, fout, 3, { spectral });
    this.norm_0 = new SPADE(join(key, 'norm_0'), norm, fin, semanticNc, nhidden);
    this.norm_1 = new SPADE(join(key, 'norm_1'), norm, fmiddle, semanticNc, nhidden);
    if (this.learnedShortcut) {
      this.conv_s = new Conv2d(join(key, 'conv_s'), fin, fout, 1, { spectral, bias: false });
      this.norm_s = new SPADE(join(key, 'norm_s'), norm, fin, semanticNc, nhidden);
    }
  }

  specs(): ParamSpec[] {
    // PyTorch registration order: conv_0, conv_1, conv_s, norm_0, norm_1, norm_s.
    const mods = [this.conv_0, this.conv_1, this.conv_s, this.norm_0, this.norm_1, this.norm_s];
    return mods.flatMap((m) => (m ? m.specs() : []));
  }

  /** `mods`: cached (gamma, beta) by SPADE key (src/model/live/modulation.ts). */
  forward(ctx: Ctx, x: tf.Tensor4D, seg: tf.Tensor4D, mods?: ReadonlyMap<string, Modulation>): tf.Tensor4D {
    const xs = this.shortcut(ctx, x, seg, mods);
    let dx = this.conv_0.forward(ctx, this.norm_0.forward(ctx, x, seg, mods?.get(this.norm_0.key), true));
    ctx.tap(this.conv_0.key, dx);
    dx = this.conv_1.forward(ctx, this.norm_1.forward(ctx, dx, seg, mods?.get(this.norm_1.key), true));
    ctx.tap(this.conv_1.key, dx);
    const out = tf.add(xs, dx) as tf.Tensor4D;
    ctx.tap(this.key, out);
    return out;
  }

  private shortcut(ctx: Ctx, x: tf.Tensor4D, seg: tf.Tensor4D, mods?: ReadonlyMap<string, Modulation>): tf.Tensor4D {
    if (!this.conv_s || !this.norm_s) return x;
    const xs = this.conv_s.forward(ctx, this.norm_s.forward(ctx, x, seg, mods?.get(this.norm_s.key)));
    ctx.tap(this.conv_s.key, xs);
    return xs;
  }

  /** The block's SPADE layers, in the order they run. */
  spades(): SPADE[] {
    return this.norm_s ? [this.norm_s, this.norm_0, this.norm_1] : [this.norm_0, this.norm_1];
  }
}
