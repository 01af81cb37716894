/**
 * Batch statistics over a batch split between replicas (NVlabs' SynchronizedBatchNorm2d): each
 * replica holds a part of the batch, and the per-channel mean and biased variance are those of
 * the whole batch, from the replicas' partial sums. The backward pass sums the statistics'
 * incoming gradients over the replicas too, so that with every replica's loss weighted by its
 * share of the batch, the summed parameter gradients are those of one replica on the whole batch.
 *
 * Two single-output customGrads, as in webgpu_moments.ts: the mean's gradient is Σ dy / count;
 * the variance's, 2 (x − mean) Σ dy / count for x and zero for the mean (the deviations of the
 * whole batch sum to zero). The partial sums are read to the host, so this is for the CPU
 * backends (wasm, cpu), where a read costs nothing.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Element-wise sum over every replica of a data-parallel step. Every replica calls it the same
 * number of times, in the same order, with arrays of the same length; it blocks until all have.
 * Every replica gets identical results, so replicas that start equal stay equal.
 */
export interface CrossReplica {
  readonly rank: number;
  readonly size: number;
  sum(values: Float32Array): Float32Array;
}

/** Host values of a (small) tensor, summed over the replicas. */
function summed(replica: CrossReplica, t: tf.Tensor, extra: number[] = []): Float32Array {
  const local = t.dataSync() as Float32Array;
  const values = new Float32Array(local.length + extra.length);
  values.set(local);
  values.set(extra, local.length);
  return replica.sum(values);
}

/**
 * tf.moments(x, [0, 1, 2]) over the whole split batch: mean and biased variance, shapes (C),
 * and the number of values per channel in the whole batch.
 */
export function syncMoments(x: tf.Tensor4D, replica: CrossReplica): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const [n, h, w, c] = x.shape;
  let count = 0;
  const meanOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    const partial = tf.sum(input, [0, 1, 2]);
    const totals = summed(replica, partial, [n * h * w]);
    partial.dispose();
    count = totals[c];
    const value = tf.div(tf.tensor1d(totals.subarray(0, c)), count);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.broadcastTo(tf.div(tf.tensor1d(summed(replica, dy as tf.Tensor)), count), input.shape),
    };
  });
  const varOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, mu] = args as tf.Tensor[];
    // The backward pass outlives the forward's intermediates: x and the mean are kept for it.
    (args[2] as tf.GradSaveFunc)([input, mu]);
    const partial = tf.tidy(() => tf.sum(tf.square(tf.sub(input, mu)), [0, 1, 2]));
    const value = tf.div(tf.tensor1d(summed(replica, partial)), count);
    partial.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf.mul(tf.sub(saved[0], saved[1]), tf.mul(tf.tensor1d(summed(replica, dy as tf.Tensor)), 2 / count)),
        tf.zerosLike(saved[1]),
      ],
    };
  });
  const mean = meanOp(x) as tf.Tensor1D;
  return { mean, variance: varOp(x, mean) as tf.Tensor1D, count };
}
