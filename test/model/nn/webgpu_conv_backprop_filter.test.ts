// Our Conv2DBackpropFilter on WebGPU (Dawn on llvmpipe) against the cpu backend's, on random
// shapes: batch, odd sizes, channels that are not multiples of 4, strides 1 and 2, kernels 1, 3
// and 4, SAME/VALID/explicit padding; and reductions long enough to be split across workgroups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { planGemm } from '../../../src/model/nn/webgpu_gemm';
import { registerWebGPUConvBackpropFilter } from '../../../src/model/nn/webgpu_conv_backprop_filter';
import { closeTo, convCase, convCases, values, type ConvCase } from '../../helpers/conv_cases';

async function backpropFilter(backend: string, c: ConvCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(values(c.xShape, c.seed), c.xShape);
  const dy = tf.tensor4d(values(c.dyShape, c.seed + 1), c.dyShape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape };
  const out = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  tf.dispose([x, dy, out]);
  return data;
}

async function check(c: ConvCase | null): Promise<void> {
  if (!c) return;
  const want = await backpropFilter('cpu', c);
  const got = await backpropFilter('webgpu', c);
  closeTo(got, want, `dW ${JSON.stringify(c)}`);
}

async function setUp(): Promise<void> {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  registerWebGPUConvBackpropFilter();
}

test('Conv2DBackpropFilter on webgpu matches cpu on random shapes', async () => {
  await setUp();
  await fc.assert(fc.asyncProperty(convCases(), check), { numRuns: 40 });
});

test('Conv2DBackpropFilter on webgpu: split reductions and several output tiles', async () => {
  await setUp();
  // N*OH*OW = 2 * 64 * 61, split (the last slice shorter than the others), 32-wide tiles.
  const split = convCase([2, 64, 61, 16], 3, 24, 1, 1, 11)!;
  assert.ok(planGemm(3 * 3 * 16, 24, 2 * 64 * 61).splits > 1);
  // Stride 2, a 4x4 kernel, SAME, over an odd size: split too.
  const strided = convCase([1, 161, 159, 8], 4, 24, 2, 'same', 12)!;
  assert.ok(planGemm(4 * 4 * 8, 24, 81 * 80).splits > 1);
  // 3*3*70 rows by 40 columns: several tiles each way, no split.
  const wide = convCase([1, 9, 11, 70], 3, 40, 1, 1, 13)!;
  assert.equal(planGemm(3 * 3 * 70, 40, 99).splits, 1);
  // E's first conv (NVlabs' encoder at 256²): a long reduction, unsplit (under the work floor).
  const encoder = convCase([2, 256, 256, 3], 3, 4, 2, 1, 14)!;
  assert.ok(planGemm(27, 4, 2 * 128 * 128).splits > 1);
  for (const c of [split, strided, wide, encoder]) await check(c);
});
