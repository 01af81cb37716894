/**
 * A k x k conv over the resized one-hot segmap, as gathers: at each pixel only one input
 * channel is 1, so the conv is the sum, over the k*k kernel taps, of the weight row picked by
 * the label under that tap (zero-padding picks an all-zero row). That replaces
 * h*w*k*k*semantic_nc*out multiply-adds with k*k row copies of `out` floats per pixel, which
 * pays when semantic_nc is large (COCO-Stuff: 184). The instance-edge channel, when there is
 * one, is not one-hot: it stays a (1-input-channel) conv. Equal to the dense conv up to float
 * summation order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cropPadding, dilate, type Box } from '../nn/box';
import { sampling, type HostSemantic } from './semantic_host';

/** kernel: HWIO (k, k, semantic_nc, out). Returns (N, box rows, box cols, out). */
export function onehotConv(
  kernel: tf.Tensor4D,
  bias: tf.Tensor | undefined,
  sem: HostSemantic,
  h: number,
  w: number,
  box: Box,
): tf.Tensor4D {
  const [k, , , cout] = kernel.shape;
  const p = k >> 1;
  const nc = sem.nc;
  const { rows, cols } = sampling(sem, h, w);
  const bh = box.y1 - box.y0;
  const bw = box.x1 - box.x0;
  return tf.tidy(() => {
    // Per tap, the nc one-hot rows and one zero row for taps that fall in the padding.
    const taps = tf.reshape(tf.slice(kernel, [0, 0, 0, 0], [k, k, nc, cout]), [k * k, nc, cout]);
    const table = tf.reshape(tf.concat([taps, tf.zeros([k * k, 1, cout])], 1), [k * k * (nc + 1), cout]);
    let sum: tf.Tensor | null = null;
    const idx = new Int32Array(sem.n * bh * bw);
    for (let ty = 0; ty < k; ty++) {
      for (let tx = 0; tx < k; tx++) {
        const base = (ty * k + tx) * (nc + 1);
        let o = 0;
        for (let b = 0; b < sem.n; b++) {
          for (let y = box.y0; y < box.y1; y++) {
            const sy = y + ty - p;
            const row = sy >= 0 && sy < h ? (b * sem.h + rows[sy]) * sem.w : -1;
            for (let x = box.x0; x < box.x1; x++, o++) {
              const sx = x + tx - p;
              idx[o] = base + (row >= 0 && sx >= 0 && sx < w ? sem.ids[row + cols[sx]] : nc);
            }
          }
        }
        const picked = tf.gather(table, tf.tensor1d(idx, 'int32'));
        sum = sum ? tf.add(sum, picked) : picked;
      }
    }
    let y = tf.reshape(sum!, [sem.n, bh, bw, cout]) as tf.Tensor4D;
    if (sem.edges) {
      const inp = dilate(box, p, h, w);
      y = tf.add(
        y,
        tf.conv2d(
          edgeCrop(sem, rows, cols, inp),
          tf.slice(kernel, [0, 0, nc, 0], [k, k, 1, cout]) as tf.Tensor4D,
          1,
          cropPadding(box, inp, p),
        ),
      );
    }
    return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
  });
}

function edgeCrop(sem: HostSemantic, rows: Int32Array, cols: Int32Array, box: Box): tf.Tensor4D {
  const bh = box.y1 - box.y0;
  const bw = box.x1 - box.x0;
  const data = new Float32Array(sem.n * bh * bw);
  let o = 0;
  for (let b = 0; b < sem.n; b++) {
    for (let y = box.y0; y < box.y1; y++) {
      const row = (b * sem.h + rows[y]) * sem.w;
      for (let x = box.x0; x < box.x1; x++) data[o++] = sem.edges![row + cols[x]];
    }
  }
  return tf.tensor4d(data, [sem.n, bh, bw, 1]);
}
