// Our Conv2DBackpropInput on WebGPU (Dawn on llvmpipe) against the cpu backend's, on random
// shapes: batch, odd sizes, channels that are not multiples of 4, strides 1 and 2, kernels 1, 3
// and 4, SAME/VALID/explicit padding; and small outputs with long reductions, which are split.
// The GEMM is checked at both strides; the registered kernel uses it at stride 1 only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs } from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { planGemm } from '../../../src/model/nn/webgpu_gemm';
import { conv2dBackpropInputGemm, registerWebGPUConvBackpropInput, usesGemm } from '../../../src/model/nn/webgpu_conv_backprop_input';
import { closeTo, convCase, convCases, values, type ConvCase } from '../../helpers/conv_cases';

/** cpu's kernel, or on webgpu our GEMM itself (the registered kernel uses it at stride 1 only). */
async function backpropInput(backend: string, c: ConvCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  const dy = tf.tensor4d(values(c.dyShape, c.seed), c.dyShape);
  const filter = tf.tensor4d(values(c.filterShape, c.seed + 1), c.filterShape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.xShape } as Conv2DBackpropInputAttrs;
  const out =
    backend === 'cpu'
      ? (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor)
      : tf.engine().makeTensorFromTensorInfo(conv2dBackpropInputGemm(tf.backend(), dy, filter, attrs)!);
  const data = (await out.data()) as Float32Array;
  tf.dispose([dy, filter, out]);
  return data;
}

async function check(c: ConvCase | null): Promise<void> {
  if (!c) return;
  const want = await backpropInput('cpu', c);
  const got = await backpropInput('webgpu', c);
  closeTo(got, want, `dx ${JSON.stringify(c)}`);
}

async function setUp(): Promise<void> {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  registerWebGPUConvBackpropInput();
}

test('Conv2DBackpropInput on webgpu matches cpu on random shapes', async () => {
  await setUp();
  await fc.assert(fc.asyncProperty(convCases(), check), { numRuns: 40 });
});

test('Conv2DBackpropInput on webgpu: split reductions and several output tiles', async () => {
  await setUp();
  // A 6x5 input with 3*3*2000 reduction steps per value: split.
  const split = convCase([1, 6, 5, 64], 3, 2000, 1, 1, 21)!;
  assert.ok(planGemm(30, 64, 3 * 3 * 2000).splits > 1);
  // Stride 2, a 4x4 kernel, SAME, odd sizes, 70 input channels: several tiles each way.
  const strided = convCase([2, 13, 11, 70], 4, 9, 2, 'same', 22)!;
  assert.equal(planGemm(2 * 13 * 11, 70, 4 * 4 * 9).splits, 1);
  for (const c of [split, strided]) await check(c);
});

test('Conv2DBackpropInput on webgpu: the registered kernel, the GEMM at stride 1 and TF.js kernel at stride 2', async () => {
  await setUp();
  for (const c of [convCase([2, 9, 7, 5], 3, 6, 1, 'same', 31)!, convCase([2, 9, 7, 5], 4, 6, 2, 1, 32)!]) {
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.xShape } as Conv2DBackpropInputAttrs;
    assert.equal(usesGemm(attrs), c.stride === 1);
    await tf.setBackend('cpu');
    const run = async () => {
      const dy = tf.tensor4d(values(c.dyShape, c.seed), c.dyShape);
      const filter = tf.tensor4d(values(c.filterShape, c.seed + 1), c.filterShape);
      const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      const data = await out.data();
      tf.dispose([dy, filter, out]);
      return data;
    };
    const want = await run();
    await tf.setBackend('webgpu');
    closeTo(await run(), want, `registered dx ${JSON.stringify(c)}`);
  }
});
