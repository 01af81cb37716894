// Our f32 forward conv on WebGPU (Dawn on llvmpipe), the train step's conv, against the cpu
// backend's: Conv2D and FusedConv2D (bias, relu, leakyrelu) on random shapes, split reductions,
// and the gradients a train step takes through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { planGemm } from '../../../src/model/nn/webgpu_gemm';
import { CONV_FLAG, registerWebGPUConv } from '../../../src/model/nn/webgpu_conv';
import { registerWebGPUConvBackpropFilter } from '../../../src/model/nn/webgpu_conv_backprop_filter';
import { registerWebGPUConvBackpropInput } from '../../../src/model/nn/webgpu_conv_backprop_input';
import { closeTo, convCase, convCases, values, type ConvCase } from '../../helpers/conv_cases';

type Act = 'linear' | 'relu' | 'leakyrelu';
interface Forward {
  conv: ConvCase;
  bias: boolean;
  act: Act;
  /** Conv2D rather than FusedConv2D (only without bias and activation). */
  plain: boolean;
}

function forward(f: Forward): tf.Tensor {
  const { conv: c } = f;
  const x = tf.tensor4d(values(c.xShape, c.seed), c.xShape);
  const w = tf.tensor4d(values(c.filterShape, c.seed + 1), c.filterShape);
  if (f.plain) return tf.conv2d(x, w, c.stride, c.pad);
  const bias = f.bias ? tf.tensor1d(values([c.filterShape[3]], c.seed + 2)) : undefined;
  return tf.fused.conv2d({ x, filter: w, strides: c.stride, pad: c.pad, bias, activation: f.act, leakyreluAlpha: 0.2 });
}

async function run(backend: string, f: Forward): Promise<Float32Array> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => forward(f));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/** The shader keys of our f32 conv compiled so far. */
function ourConvShaders(): string[] {
  const cache = (tf.findBackend('webgpu') as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  return Object.keys(cache).filter((key) => key.startsWith('spadeConvF32_'));
}

async function check(f: Forward | null): Promise<void> {
  if (!f) return;
  const want = await run('cpu', f);
  const got = await run('webgpu', f);
  closeTo(got, want, `conv ${JSON.stringify(f)}`);
  // Ours ran (not TF.js's, which would match as well): its shader for this conv is compiled.
  const c = f.conv;
  const [k, , ci, co] = c.filterShape;
  const m = c.dyShape[0] * c.dyShape[1] * c.dyShape[2];
  // A split reduction's GEMM writes plain sums; the bias and activation come after it.
  const split = planGemm(m, co, k * k * ci).splits > 1;
  const act = f.plain || split ? 'linear' : f.act;
  const bias = f.bias && !split;
  const prefix = `spadeConvF32_${bias}_${act}_${act === 'leakyrelu' ? 0.2 : 0}_${co}_${k}_`;
  assert.ok(
    ourConvShaders().some((key) => key.startsWith(prefix)),
    `no ${prefix}* shader: TF.js's conv ran`,
  );
}

async function setUp(): Promise<void> {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  registerWebGPUConv();
  registerWebGPUConvBackpropFilter();
  registerWebGPUConvBackpropInput();
  tf.env().set(CONV_FLAG, true);
}

const forwards = fc
  .record({
    conv: convCases(),
    bias: fc.boolean(),
    act: fc.constantFrom<Act>('linear', 'relu', 'leakyrelu'),
    plain: fc.boolean(),
  })
  .map(({ conv, bias, act, plain }) => (conv ? { conv, bias: bias && !plain, act: plain ? 'linear' : act, plain } : null));

test('Conv2D and FusedConv2D on webgpu match cpu on random shapes', async () => {
  await setUp();
  await fc.assert(fc.asyncProperty(forwards, check), { numRuns: 40 });
});

test('the webgpu conv: split reductions with bias and activation, several tiles each way', async () => {
  await setUp();
  // 3*3*600 = 5,400 taps: split over k, then the finishing pass adds the bias and the activation.
  const long = convCase([1, 6, 5, 600], 3, 9, 1, 1, 21)!;
  assert.ok(planGemm(6 * 5, 9, 3 * 3 * 600).splits > 1);
  // 2*17*19 pixels by 40 channels: several tiles each way, one slice.
  const wide = convCase([2, 17, 19, 12], 3, 40, 1, 1, 22)!;
  assert.equal(planGemm(2 * 17 * 19, 40, 3 * 3 * 12).splits, 1);
  await check({ conv: long, bias: true, act: 'leakyrelu', plain: false });
  await check({ conv: long, bias: false, act: 'linear', plain: true });
  await check({ conv: wide, bias: true, act: 'relu', plain: false });
});

test('gradients through the webgpu conv match cpu', async () => {
  await setUp();
  const c = convCase([2, 9, 7, 5], 3, 6, 2, 1, 31)!;
  const grads = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const x = tf.tensor4d(values(c.xShape, c.seed), c.xShape);
    const w = tf.tensor4d(values(c.filterShape, c.seed + 1), c.filterShape);
    const b = tf.tensor1d(values([6], c.seed + 2));
    const target = tf.tensor4d(values(c.dyShape, c.seed + 3), c.dyShape);
    // A loss whose gradient is not uniform, through both kernels (fused with bias, then plain).
    const loss = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor): tf.Scalar => {
      const y = tf.fused.conv2d({ x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, strides: 2, pad: 1, bias: bi, activation: 'leakyrelu', leakyreluAlpha: 0.2 });
      const z = tf.conv2d(y, tf.transpose(wi, [0, 1, 3, 2]) as tf.Tensor4D, 1, 1);
      const d = tf.sub(y, target);
      return tf.add(tf.sum(tf.mul(d, d)), tf.mul(tf.sum(tf.mul(z, z)), 0.1));
    };
    const out = tf.grads(loss)([x, w, b]);
    const data = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([x, w, b, target, ...out]);
    return data;
  };
  const before = ourConvShaders().length;
  const want = await grads('cpu');
  const got = await grads('webgpu');
  ['dx', 'dW', 'db'].forEach((name, i) => closeTo(got[i], want[i], name));
  assert.ok(ourConvShaders().length > before, "TF.js's conv ran under the gradient, not ours");
});
