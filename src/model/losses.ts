/**
 * GANLoss, feature matching and KLDLoss (loss.py, pix2pix_model.py).
 * A discriminator result is one list per scale; the GAN losses read each scale's last map
 * and average over scales.
 */
import * as tf from '@tensorflow/tfjs-core';
import { canL1MeanOnWebGPU, l1MeanToConstant } from './nn/webgpu_l1_mean';

export type GanMode = 'hinge' | 'ls' | 'original' | 'w';
type DOut = tf.Tensor[][];

/**
 * Σ terms by pairwise adds. tf.addN compiles one WebGPU shader with a storage buffer per input,
 * and devices may allow as few as 8 per stage: the feature-matching sum of a default
 * discriminator (2 scales x 4 layers) then failed validation and came out as 0 on WebGPU.
 */
export function sumScalars(terms: tf.Scalar[]): tf.Scalar {
  return terms.reduce((a, b) => tf.add(a, b));
}

function lossOne(pred: tf.Tensor, targetIsReal: boolean, forD: boolean, mode: GanMode): tf.Scalar {
  switch (mode) {
    case 'hinge':
      if (!forD) return tf.neg(tf.mean(pred));
      return targetIsReal
        ? tf.neg(tf.mean(tf.minimum(tf.sub(pred, 1), 0)))
        : tf.neg(tf.mean(tf.minimum(tf.sub(tf.neg(pred), 1), 0)));
    case 'ls':
      return tf.mean(tf.square(tf.sub(pred, targetIsReal ? 1 : 0)));
    case 'original':
      return tf.losses.sigmoidCrossEntropy(tf.fill(pred.shape, targetIsReal ? 1 : 0), pred) as tf.Scalar;
    case 'w':
      return targetIsReal ? tf.neg(tf.mean(pred)) : tf.mean(pred);
  }
}

/** GANLoss.__call__ on a multiscale result. */
export function ganLoss(pred: DOut, targetIsReal: boolean, forDiscriminator: boolean, mode: GanMode = 'hinge'): tf.Scalar {
  const per = pred.map((scale) => lossOne(scale[scale.length - 1], targetIsReal, forDiscriminator, mode));
  return tf.div(sumScalars(per), per.length);
}

/** Σ_scales Σ_{j<last} L1(fake_j, real_j.detach()) · lambda_feat / num_D. */
export function featureMatchingLoss(fake: DOut, real: DOut, lambdaFeat: number): tf.Scalar {
  const terms: tf.Scalar[] = [];
  fake.forEach((scale, i) => {
    for (let j = 0; j < scale.length - 1; j++) {
      // The real features are detached: on WebGPU one op with no gradient for them (webgpu_l1_mean.ts).
      const [a, b] = [scale[j], real[i][j]];
      terms.push(canL1MeanOnWebGPU() ? l1MeanToConstant(a, b) : tf.mean(tf.abs(tf.sub(a, b))));
    }
  });
  if (terms.length === 0) return tf.scalar(0);
  return tf.mul(sumScalars(terms), lambdaFeat / fake.length);
}

/** -0.5 · Σ(1 + logvar − mu² − exp(logvar)), summed over batch and dims (unweighted). */
export function kldLoss(mu: tf.Tensor, logvar: tf.Tensor): tf.Scalar {
  return tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar))), -0.5);
}
