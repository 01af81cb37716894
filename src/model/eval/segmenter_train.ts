/**
 * Training the segmenter: class-weighted softmax cross-entropy with dontcare pixels masked
 * out, and our Adam (torch's update rule). Used by scripts/train_segmenter.ts and the tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Adam } from '../train/adam';
import type { Segmenter } from './segmenter';

/**
 * Nearest-neighbour resampling of label ids (h, w) -> (s, s), sampling each output pixel's
 * centre: for a 2x downscale, the lower-right pixel of each 2x2 block.
 */
export function resizeLabels(ids: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Int32Array {
  const out = new Int32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / outH));
    for (let x = 0; x < outW; x++) out[y * outW + x] = ids[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / outW))];
  }
  return out;
}

/**
 * Mean of -w[y]·log softmax(z)[y] over the pixels whose id y is a class (0..k-1), divided by
 * the sum of their weights; other ids (dontcare) weigh nothing. `labels`: N*S*S ids.
 */
export function segmentationLoss(logits: tf.Tensor4D, labels: Int32Array, classWeights: Float32Array): tf.Scalar {
  const k = logits.shape[3];
  const pixelW = new Float32Array(labels.length);
  const target = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y >= 0 && y < k) {
      pixelW[i] = classWeights[y];
      target[i] = y;
    }
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [-1, k]));
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(target, 'int32'), k)), 1);
    const w = tf.tensor1d(pixelW);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
  });
}

export class SegmenterTrainer {
  private readonly adam: Adam;

  constructor(readonly seg: Segmenter) {
    this.adam = new Adam('S', seg.params);
  }

  /** One Adam step on a batch (N, S, S, 3) in [-1, 1] with its N*S*S label ids; returns the loss. */
  async step(x: tf.Tensor4D, labels: Int32Array, classWeights: Float32Array, lr: number): Promise<number> {
    const vars = this.seg.params.trainableVariables();
    const { value, grads } = tf.variableGrads(() => segmentationLoss(this.seg.logits(x), labels, classWeights), vars);
    const byKey = new Map<string, tf.Tensor>();
    for (const spec of this.seg.params.specs) {
      if (spec.trainable) byKey.set(spec.key, grads[this.seg.params.get(spec.key).name]);
    }
    this.adam.apply(byKey, lr, 0.9, 0.999);
    const loss = (await value.data())[0];
    value.dispose();
    return loss;
  }

  dispose(): void {
    this.adam.dispose();
  }
}
