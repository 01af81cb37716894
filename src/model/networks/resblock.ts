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

/** The block's three (SPADE, conv) steps: the learned shortcut's, conv_0's and conv_1's. */
export type BlockStage = 'shortcut' | 'conv_0' | 'conv_1';

/** How compose runs each step: on the whole grid (forward) or on crops (the live renderer). */
export interface BlockOps {
  /** The block's input as the stage's SPADE reads it. */
  input(stage: 'shortcut' | 'conv_0'): tf.Tensor4D;
  spade(s: SPADE, x: tf.Tensor4D, stage: BlockStage, leaky: boolean): tf.Tensor4D;
  conv(c: Conv2d, x: tf.Tensor4D, stage: BlockStage): tf.Tensor4D;
}

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
    const out = this.compose({
      input: () => x,
      spade: (s, t, _stage, leaky) => s.forward(ctx, t, seg, mods?.get(s.key), leaky),
      conv: (c, t) => {
        const y = c.forward(ctx, t);
        ctx.tap(c.key, y);
        return y;
      },
    });
    ctx.tap(this.key, out);
    return out;
  }

  /**
   * The block's dataflow, written once: the shortcut, then norm -> lrelu -> conv twice, added.
   * forward runs it on whole tensors; the live renderer runs it on crops (live_renderer.ts),
   * so the two cannot drift apart.
   */
  compose(ops: BlockOps): tf.Tensor4D {
    const xs = this.conv_s && this.norm_s
      ? ops.conv(this.conv_s, ops.spade(this.norm_s, ops.input('shortcut'), 'shortcut', false), 'shortcut')
      : ops.input('shortcut');
    const dx0 = ops.conv(this.conv_0, ops.spade(this.norm_0, ops.input('conv_0'), 'conv_0', true), 'conv_0');
    const dx1 = ops.conv(this.conv_1, ops.spade(this.norm_1, dx0, 'conv_1', true), 'conv_1');
    return tf.add(xs, dx1) as tf.Tensor4D;
  }

  /** The block's SPADE layers, in the order they run. */
  spades(): SPADE[] {
    return this.norm_s ? [this.norm_s, this.norm_0, this.norm_1] : [this.norm_0, this.norm_1];
  }
}
