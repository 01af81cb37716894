/**
 * The quality metric's segmenter: a small U-Net that labels a landscape photo pixel by pixel,
 * the role DeepLab plays in the SPADE paper's mIoU. It is trained on real procedural images
 * only (scripts/train_segmenter.ts), then run on real and on synthesized images of the same
 * label maps: the closer the synthesized mIoU comes to the real one, the more the generator's
 * pictures look like their labels.
 *
 * Every input is resized to `input_size`² (bilinear, half-pixel centres: a 2x2 box average
 * for 256² inputs), and the logits are resized back to the label map's size before argmax.
 * Convs are plain 3x3 + ReLU (no normalisation, so eval and train forwards are the same).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SpadeInputError } from '../errors';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { Conv2d } from '../nn/conv';
import { Ctx } from '../nn/context';
import { ParamStore, type ParamSpec } from '../nn/params';
import { upsample2x } from '../nn/ops';

export const SEGMENTER_FORMAT = 'spade-studio/segmenter/1';

export interface SegmenterConfig {
  /** Side of the square the network sees; a multiple of 2^(widths.length - 1). */
  input_size: number;
  /** Channels per level, full resolution first; each further level halves the size. */
  widths: number[];
  /** Class names, in label-id order (the label set's ids 0..n-1; dontcare is never predicted). */
  classes: string[];
  /** Name of the label set the classes come from (e.g. `landscapes`). */
  label_set: string;
}

export const DEFAULT_SEGMENTER_CONFIG: Omit<SegmenterConfig, 'classes' | 'label_set'> = { input_size: 128, widths: [16, 24, 32, 48, 64] };

/** He-normal init (ReLU nets): xavier_normal with gain √2 equals it for square fans. */
const HE_GAIN = Math.SQRT2;

export class Segmenter {
  private readonly convs: Record<string, Conv2d>;

  private constructor(
    readonly config: SegmenterConfig,
    readonly params: ParamStore,
  ) {
    this.convs = layers(config);
  }

  static initialise(config: SegmenterConfig, seed: number): Segmenter {
    checkConfig(config, 'Segmenter.initialise');
    return new Segmenter(config, ParamStore.initialise(specsOf(config), seed));
  }

  /** Reads a segmenter file; every problem is a SpadeInputError naming `file`. */
  static fromSafetensors(bytes: Uint8Array, file: string): Segmenter {
    const { tensors, metadata } = readSafetensors(bytes, file);
    if (metadata.format !== SEGMENTER_FORMAT) throw new SpadeInputError(`not a segmenter file (format '${metadata.format ?? 'missing'}', expected '${SEGMENTER_FORMAT}')`, file);
    let config: SegmenterConfig;
    try {
      config = JSON.parse(metadata.config ?? '') as SegmenterConfig;
    } catch {
      throw new SpadeInputError('segmenter metadata has no valid config JSON', file);
    }
    checkConfig(config, file);
    return new Segmenter(config, ParamStore.fromHost(specsOf(config), tensors, file));
  }

  /** float16 weights, config (and whatever `info` adds, e.g. training facts) in the metadata. */
  async toSafetensors(info: Record<string, string> = {}): Promise<Uint8Array> {
    const host = await this.params.toHost();
    return writeSafetensors(host, { ...info, format: SEGMENTER_FORMAT, config: JSON.stringify(this.config) }, () => 'F16');
  }

  get numClasses(): number {
    return this.config.classes.length;
  }

  paramCount(): number {
    return this.params.paramCount();
  }

  /** Images (N, H, W, 3) in [-1, 1], any size, as the network's input (N, S, S, 3). */
  resizeInput(images: tf.Tensor4D): tf.Tensor4D {
    const s = this.config.input_size;
    const [, h, w] = images.shape;
    if (h === s && w === s) return images;
    return tf.image.resizeBilinear(images, [s, s], false, true);
  }

  /** Logits (N, S, S, classes) for inputs already at input_size. */
  logits(x: tf.Tensor4D): tf.Tensor4D {
    const ctx = new Ctx(this.params, false);
    const c = this.convs;
    const n = this.config.widths.length;
    const skips: tf.Tensor4D[] = [];
    let h = x;
    for (let l = 0; l < n; l++) {
      if (l > 0) h = tf.relu(c[`down${l}`].forward(ctx, h));
      h = tf.relu(c[`enc${l}`].forward(ctx, h));
      skips.push(h);
    }
    for (let l = n - 2; l >= 0; l--) {
      h = tf.relu(c[`dec${l}`].forward(ctx, tf.concat([upsample2x(h), skips[l]], 3)));
    }
    return c.head.forward(ctx, h);
  }

  /**
   * Per-pixel class ids (argmax) for one image (1, H, W, 3) in [-1, 1], at `outH` x `outW`:
   * logits are resized bilinearly to the label map's size, so scores are compared where the
   * labels are.
   */
  async predict(image: tf.Tensor4D, outH: number, outW: number): Promise<Int32Array> {
    const ids = tf.tidy(() => {
      const z = this.logits(this.resizeInput(image));
      const up = z.shape[1] === outH && z.shape[2] === outW ? z : tf.image.resizeBilinear(z, [outH, outW], false, true);
      return tf.argMax(up, 3);
    });
    const data = (await ids.data()) as Int32Array;
    ids.dispose();
    return Int32Array.from(data);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * The U-Net: level l has `enc{l}` (3x3, widths[l]); `down{l}` (3x3, stride 2) enters level l
 * from l-1. The decoder upsamples (nearest), concatenates the skip and mixes with `dec{l}`; at
 * full resolution that mix is a 1x1 conv, because a 3x3 there would cost as much as the rest of
 * the net together. `head` is a 1x1 conv to the class scores.
 */
function layers(cfg: SegmenterConfig): Record<string, Conv2d> {
  const w = cfg.widths;
  const out: Record<string, Conv2d> = {};
  for (let l = 0; l < w.length; l++) {
    if (l > 0) out[`down${l}`] = new Conv2d(`down${l}`, w[l - 1], w[l], 3, { stride: 2, pad: 1 });
    out[`enc${l}`] = new Conv2d(`enc${l}`, l === 0 ? 3 : w[l], w[l], 3);
  }
  for (let l = w.length - 2; l >= 0; l--) {
    out[`dec${l}`] = new Conv2d(`dec${l}`, w[l + 1] + w[l], w[l], l === 0 ? 1 : 3);
  }
  out.head = new Conv2d('head', w[0], cfg.classes.length, 1);
  return out;
}

function specsOf(cfg: SegmenterConfig): ParamSpec[] {
  return Object.values(layers(cfg)).flatMap((conv) =>
    conv.specs().map((s) => (s.init.kind === 'xavier' ? { ...s, init: { kind: 'xavier' as const, gain: HE_GAIN } } : s)),
  );
}

function checkConfig(cfg: SegmenterConfig, file: string): void {
  const fail = (msg: string): never => {
    throw new SpadeInputError(`segmenter config: ${msg}`, file);
  };
  if (typeof cfg !== 'object' || cfg === null) fail('not an object');
  if (!Array.isArray(cfg.widths) || cfg.widths.length < 2 || !cfg.widths.every((c) => Number.isInteger(c) && c > 0 && c <= 1024)) fail('widths must be 2 or more positive integers');
  if (
    !Number.isInteger(cfg.input_size) ||
    cfg.input_size < 8 ||
    cfg.input_size > 2048 ||
    cfg.input_size % 2 ** (cfg.widths.length - 1) !== 0
  ) {
    fail(`input_size must be a multiple of ${2 ** (cfg.widths.length - 1)} from 8 to 2048, got ${cfg.input_size}`);
  }
  if (!Array.isArray(cfg.classes) || cfg.classes.length < 2 || !cfg.classes.every((c) => typeof c === 'string')) fail('classes must be a list of 2 or more names');
  if (typeof cfg.label_set !== 'string') fail('label_set must be a name');
}
