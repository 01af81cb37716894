/**
 * Gradients of Sum and Mean without an activation-sized `ones` tensor. TF.js 4.22 broadcasts
 * dy by multiplying it with `ones(x.shape)`, made on the host, which on WebGPU is an upload of
 * the whole input's size on every backward pass. Broadcasting dy itself gives the same values
 * bit for bit (dy * 1 is dy; Mean divides before broadcasting instead of after, the same
 * division of the same numbers), so only the GPU traffic changes. Registered when webgpu runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

let registered = false;

function expanded(dy: Tensor, x: Tensor, attrs: NamedAttrMap): Tensor {
  const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.reshape(dy, shape);
}

/** Registers the Sum and Mean gradients above (once per process) while webgpu is the backend. */
export function registerWebGPUGradients(): void {
  if (registered || tf.getBackend() !== 'webgpu') return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => tf.broadcastTo(expanded(dy as Tensor, x, attrs), x.shape) };
    },
  });
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const e = expanded(dy as Tensor, x, attrs);
      const reduceSize = x.size / e.size;
      return { x: () => tf.broadcastTo(tf.div(e, reduceSize), x.shape) };
    },
  });
}
