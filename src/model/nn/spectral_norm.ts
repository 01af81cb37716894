/**
 * torch.nn.utils.spectral_norm (dim 0, one power iteration, eps 1e-12).
 * Keys: `<key>.weight_orig` (trained), `<key>.weight_u` (out), `<key>.weight_v` (in*kh*kw).
 *
 * Eval: sigma = u . (W v) from the stored vectors: no iteration and no SVD, as PyTorch.
 * Train: v = normalize(W^T u), u = normalize(W v), written back as buffers; sigma uses the
 * new u, v, which are constants for the gradient (PyTorch computes them under no_grad).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Ctx } from './context';
import type { ParamSpec } from './params';
import { stopGradient } from './ops';
import { canNormalizeOnWebGPU, normalizeDetached } from './webgpu_normalize';
import { canSpectralTrainOnWebGPU, spectralTrain } from './webgpu_spectral_norm';

const EPS = 1e-12;

export function spectralSpecs(key: string, weightShape: number[], gain: number): ParamSpec[] {
  const [out, ...rest] = weightShape;
  const inner = rest.reduce((a, b) => a * b, 1);
  return [
    { key: `${key}.weight_orig`, shape: weightShape, trainable: true, init: { kind: 'xavier', gain } },
    { key: `${key}.weight_u`, shape: [out], trainable: false, init: { kind: 'unit_normal' } },
    { key: `${key}.weight_v`, shape: [inner], trainable: false, init: { kind: 'unit_normal' } },
  ];
}

function normalize(t: tf.Tensor): tf.Tensor {
  return tf.div(t, tf.maximum(tf.norm(t), EPS));
}

/** normalize(t) with no gradient: one WebGPU dispatch there (webgpu_normalize.ts), the composed ops elsewhere. */
function detachedNormalize(t: tf.Tensor): tf.Tensor {
  return canNormalizeOnWebGPU() ? normalizeDetached(t, EPS) : stopGradient(normalize(t));
}

/** weight_orig (TF layout) as PyTorch's (out, -1) matrix, flattened in OIHW order. */
export function weightMatrix(w: tf.Tensor): tf.Tensor2D {
  if (w.rank === 4) {
    const out = w.shape[3] as number;
    return tf.reshape(tf.transpose(w, [3, 2, 0, 1]), [out, -1]);
  }
  return tf.transpose(w as tf.Tensor2D); // Linear, stored (in, out)
}

/** The weight actually used: weight_orig / sigma, in the layout weight_orig is stored in. */
export function spectralWeight(ctx: Ctx, key: string): tf.Tensor {
  const w = ctx.p(`${key}.weight_orig`);
  let u = ctx.p(`${key}.weight_u`);
  let v = ctx.p(`${key}.weight_v`);
  if (ctx.training && canSpectralTrainOnWebGPU()) {
    // The same step without transposes, in seven dispatches (webgpu_spectral_norm.ts).
    const r = spectralTrain(w, u, v, EPS);
    ctx.setBuffer(`${key}.weight_u`, r.u);
    ctx.setBuffer(`${key}.weight_v`, r.v);
    return r.weight;
  }
  const wMat = weightMatrix(w);
  if (ctx.training) {
    // reshape, not squeeze: a 1-channel conv has u of shape [1], which squeeze would drop.
    v = detachedNormalize(tf.reshape(tf.matMul(wMat, tf.reshape(u, [-1, 1]), true, false), [-1]));
    u = detachedNormalize(tf.reshape(tf.matMul(wMat, tf.reshape(v, [-1, 1])), [-1]));
    ctx.setBuffer(`${key}.weight_u`, u);
    ctx.setBuffer(`${key}.weight_v`, v);
  }
  const sigma = tf.sum(tf.mul(u, tf.squeeze(tf.matMul(wMat, tf.reshape(v, [-1, 1])), [1])));
  return tf.div(w, sigma);
}
