// The fused SPADE modulation kernel (src/model/nn/fused_spade.ts) on WebGPU through Dawn, a
// real implementation (this machine's software adapter): its values against the formula, the
// NVlabs fixtures through layers that use it, and that it runs where it should and only there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { SPADE } from '../../../src/model/networks/spade';
import { ParamStore } from '../../../src/model/nn/params';
import { Ctx } from '../../../src/model/nn/context';
import { parseNormG } from '../../../src/model/config';
import { KERNEL_NAME, LEAKY_SLOPE, canFuseModulation, fusedModulate } from '../../../src/model/nn/fused_spade';
import { mulberry32 } from '../../../src/model/random';
import type { HostTensor } from '../../../src/model/checkpoint/host_tensor';
import { loadCase, nhwc, ref, relErrArrays, useBackend } from '../../helpers/reference';
import { resblockOf, spadeLayerOf } from '../../helpers/fixture_modules';

const FLAG = 'SPADE_FUSED_MODULATION';
/** BatchNorm's eps, as the model passes it. */
const EPS = 1e-5;

function random(shape: number[], seed: number, lo = -2, hi = 2): tf.Tensor {
  const rnd = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd();
  return tf.tensor(v, shape);
}

/** Names of the kernels `f` runs, and its result's values. */
async function kernelsOf(f: () => tf.Tensor): Promise<{ names: string[]; values: Float32Array }> {
  let y: tf.Tensor | undefined;
  const info = await tf.profile(() => {
    y = f();
    return y;
  });
  return { names: info.kernels.map((k) => k.name), values: await read(y!) };
}

/** A tensor's values (WebGPU in Node reads asynchronously only); disposes it. */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

/** An NHWC activation against an NCHW fixture tensor. */
async function assertFixture(actual: tf.Tensor4D, expected: HostTensor, tol: number, name: string): Promise<void> {
  const e = relErrArrays(await read(tf.transpose(actual, [0, 3, 1, 2])), expected.data);
  actual.dispose();
  assert.ok(e <= tol, `${name}: relative error ${e.toExponential(2)} > ${tol}`);
}

function withFlag<T>(on: boolean, f: () => T): T {
  const before = tf.env().getBool(FLAG);
  tf.env().set(FLAG, on);
  try {
    return f();
  } finally {
    tf.env().set(FLAG, before);
  }
}

test('fused modulation on WebGPU equals (x - mean) / sqrt(variance + eps) * (1 + gamma) + beta, with and without LeakyReLU', async () => {
  await useBackend('webgpu');
  assert.ok(canFuseModulation(), 'the fused kernel is available on webgpu');
  // Channel counts with vec4 loads (8, 36) and without (6, 3); batches of 1 and 2.
  for (const [i, shape] of [[2, 5, 7, 8], [1, 3, 4, 6], [1, 16, 16, 36], [2, 1, 9, 3]].entries()) {
    const c = shape[3];
    const x = random(shape, 10 + i);
    const mean = random([c], 20 + i, -1, 1);
    const variance = random([c], 30 + i, 0.1, 3);
    const gamma = random(shape, 40 + i);
    const beta = random(shape, 50 + i);
    const [xv, mv, sv, gv, bv] = await Promise.all([x, mean, variance, gamma, beta].map((t) => t.data()));
    for (const leaky of [false, true]) {
      const before = tf.memory().numTensors;
      const y = fusedModulate(x as tf.Tensor4D, mean, variance, EPS, gamma as tf.Tensor4D, beta as tf.Tensor4D, leaky);
      assert.deepEqual(y.shape, shape);
      const got = await read(y);
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      const want = new Float32Array(got.length);
      let negatives = 0;
      for (let k = 0; k < want.length; k++) {
        const ch = k % c;
        const v = ((xv[k] - mv[ch]) / Math.sqrt(sv[ch] + EPS)) * (1 + gv[k]) + bv[k];
        if (v < 0) negatives++;
        want[k] = leaky && v < 0 ? v * LEAKY_SLOPE : v;
      }
      assert.ok(negatives > 0 && negatives < want.length, 'the inputs reach both sides of the LeakyReLU');
      const e = relErrArrays(got, want);
      assert.ok(e <= 1e-6, `shape ${shape}, leaky ${leaky}: relative error ${e.toExponential(2)}`);
    }
    tf.dispose([x, mean, variance, gamma, beta]);
  }
  assert.throws(() => fusedModulate(tf.zeros([1, 2, 2, 4]), tf.zeros([3]), tf.zeros([4]), EPS, tf.zeros([1, 2, 2, 4]), tf.zeros([1, 2, 2, 4]), false), /statistics of size 4/);
});

test('SPADE layer and ResNet block on WebGPU run the fused kernel and match NVlabs (eval)', async () => {
  await useBackend('webgpu');
  const c = loadCase('spade_layer');
  const { layer, params } = spadeLayerOf(c);
  const x = nhwc(ref(c, 'x')) as tf.Tensor4D;
  const seg = nhwc(ref(c, 'label_onehot')) as tf.Tensor4D;

  const fused = await kernelsOf(() => layer.forward(new Ctx(params, false), x, seg));
  assert.equal(fused.names.filter((n) => n === KERNEL_NAME).length, 1, `one fused kernel: ${fused.names.join(' ')}`);
  const plain = await kernelsOf(() => withFlag(false, () => layer.forward(new Ctx(params, false), x, seg)));
  assert.equal(plain.names.filter((n) => n === KERNEL_NAME).length, 0, 'the flag turns it off');
  assert.ok(relErrArrays(fused.values, plain.values) <= 1e-5, 'fused and composed agree');
  await assertFixture(layer.forward(new Ctx(params, false), x, seg), ref(c, 'out_eval'), 1e-4, 'out_eval (fused)');
  // Taps (tests, debugging) and train mode keep the composed ops: taps name their parts, and
  // training needs their gradients.
  const tapped = await kernelsOf(() => layer.forward(new Ctx(params, false, new Map()), x, seg));
  assert.ok(!tapped.names.includes(KERNEL_NAME), 'taps keep the composed ops');
  const trained = await kernelsOf(() => layer.forward(new Ctx(params, true), x, seg));
  assert.ok(!trained.names.includes(KERNEL_NAME), 'train mode keeps the composed ops');

  const r = loadCase('resblock');
  const { block, params: bp } = resblockOf(r);
  const bx = nhwc(ref(r, 'x')) as tf.Tensor4D;
  const bseg = nhwc(ref(r, 'label_onehot')) as tf.Tensor4D;
  const run = await kernelsOf(() => block.forward(new Ctx(bp, false), bx, bseg));
  assert.equal(run.names.filter((n) => n === KERNEL_NAME).length, block.spades().length, `a fused kernel per SPADE layer: ${run.names.join(' ')}`);
  assert.ok(!run.names.includes('LeakyRelu'), 'the LeakyReLUs run inside the fused kernels');
  await assertFixture(block.forward(new Ctx(bp, false), bx, bseg), ref(r, 'out_eval'), 1e-4, 'resblock out_eval (fused)');
});

test('instance-norm SPADE on WebGPU fuses one sample and falls back for a batch', async () => {
  await useBackend('webgpu');
  const layer = new SPADE('norm', parseNormG('spadeinstance3x3'), 8, 5, 16);
  const params = ParamStore.initialise(layer.specs(), 7);
  for (const n of [1, 2]) {
    const x = random([n, 12, 10, 8], 60 + n) as tf.Tensor4D;
    const seg = tf.cast(tf.oneHot(tf.tensor(Array.from({ length: n * 12 * 10 }, (_, i) => (i * 7) % 5), [n, 12, 10], 'int32'), 5), 'float32') as tf.Tensor4D;
    const fused = await kernelsOf(() => layer.forward(new Ctx(params, false), x, seg, undefined, true));
    const plain = await kernelsOf(() => withFlag(false, () => layer.forward(new Ctx(params, false), x, seg, undefined, true)));
    assert.equal(fused.names.filter((k) => k === KERNEL_NAME).length, n === 1 ? 1 : 0, `batch ${n}: ${fused.names.join(' ')}`);
    const e = relErrArrays(fused.values, plain.values);
    assert.ok(e <= 1e-5, `batch ${n}: fused vs composed ${e.toExponential(2)}`);
    tf.dispose([x, seg]);
  }
});
