// The f16 forward conv on WebGPU (Dawn on an adapter with shader-f16: lavapipe from Mesa >= 25)
// against TF.js's f32 conv on the cpu backend.
import { test } from 'node:test';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AS_F32_FLAG, F16_FLAG, packedFilterCount, registerWebGPUF16Conv } from '../../../src/model/nn/webgpu_conv';
import { mulberry32 } from '../../../src/model/random';
import { useBackend } from '../../helpers/reference';
import { f16Here } from '../../helpers/f16_adapter';
import { ROOT } from '../../helpers/paths';
import { configFrom, loadModel, readLabels } from '../../../src/cli/load';
import { rgbBytes } from '../../../src/model/image_bytes';

const MODEL = path.join(ROOT, 'media', 'models', 'default.safetensors');

type Act = 'linear' | 'relu' | 'leakyrelu';
interface Case {
  x: number[];
  k: number;
  cout: number;
  stride: number;
  pad: 'same' | 'valid' | number;
  act: Act;
  bias: boolean;
}

const CASES: Case[] = [
  { x: [1, 9, 11, 5], k: 3, cout: 7, stride: 1, pad: 1, act: 'relu', bias: true },
  { x: [2, 16, 12, 8], k: 3, cout: 16, stride: 2, pad: 'same', act: 'linear', bias: true },
  { x: [1, 8, 8, 3], k: 1, cout: 65, stride: 1, pad: 'valid', act: 'leakyrelu', bias: false },
  // A long reduction (k = 9 * 600 > 4096): split over k, then the finishing pass adds the bias.
  { x: [1, 6, 5, 600], k: 3, cout: 9, stride: 1, pad: 1, act: 'relu', bias: true },
];

function run(c: Case, x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const pad = typeof c.pad === 'number' ? ([[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as [[0, 0], [number, number], [number, number], [0, 0]]) : c.pad;
  return tf.fused.conv2d({ x, filter: w, strides: c.stride, pad, bias: b, activation: c.act, leakyreluAlpha: 0.2 });
}

test('the f16 conv matches the f32 conv on cpu within f16 rounding', async () => {
  await useBackend('webgpu');
  if (!f16Here(registerWebGPUF16Conv())) return;
  tf.env().set(F16_FLAG, true);
  const rnd = mulberry32(11);
  for (const c of CASES) {
    const cin = c.x[3];
    const xs = Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, () => rnd() * 2 - 1);
    const ws = Float32Array.from({ length: c.k * c.k * cin * c.cout }, () => (rnd() * 2 - 1) / Math.sqrt(c.k * c.k * cin));
    const bs = Float32Array.from({ length: c.cout }, () => rnd() - 0.5);
    const wshape: [number, number, number, number] = [c.k, c.k, cin, c.cout];
    const conv = async () => {
      const out = tf.tidy(() => {
        const x = tf.tensor4d(xs, c.x as [number, number, number, number]);
        return run(c, x, tf.tensor4d(ws, wshape), c.bias ? tf.tensor1d(bs) : undefined);
      });
      const data = await out.data();
      out.dispose();
      return data;
    };
    tf.env().set(AS_F32_FLAG, true);
    const gemm32 = await conv();
    tf.env().set(AS_F32_FLAG, false);
    const got = await conv();
    await tf.setBackend('cpu');
    const want = await conv();
    await tf.setBackend('webgpu');
    assert.equal(got.length, want.length);
    // Both operands rounded to f16 (relative 2^-11 each); the terms' rounding errors add up
    // like a random walk, so the bound is a few times 2^-11 times the size of the terms.
    let worst = 0;
    let worst32 = 0;
    let scale = 0;
    for (let i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      worst32 = Math.max(worst32, Math.abs(gemm32[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    // The benchmark's baseline (the same kernel in f32) is f32 to float rounding.
    assert.ok(worst32 <= 1e-5 * Math.max(scale, 1), `${JSON.stringify(c)}: max |f32 GEMM - cpu| ${worst32}`);
    assert.ok(worst <= 4e-3 * Math.max(scale, 1), `${JSON.stringify(c)}: max |f16 - f32| ${worst} (output scale ${scale})`);
    // Not f32 in disguise: f16 rounding shows.
    assert.ok(worst > 1e-6 * scale, `${JSON.stringify(c)}: no f16 rounding seen (${worst})`);
  }
  tf.env().set(F16_FLAG, false);
});

test('under a gradient (a train step) the conv stays f32', async () => {
  await useBackend('webgpu');
  if (!f16Here(registerWebGPUF16Conv())) return;
  const x = tf.randomNormal([1, 6, 6, 4]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 4, 5]) as tf.Tensor4D;
  // Linear: TF.js fuses under a gradient only without an activation (else it runs Conv2D).
  const c: Case = { ...CASES[0], act: 'linear' };
  const conv = (f16: boolean) => {
    tf.env().set(F16_FLAG, f16);
    return tf.tidy(() => run(c, x, w));
  };
  const plain = await conv(false).data();
  const half = await conv(true).data();
  const seen: tf.Tensor[] = [];
  tf.grad((xx: tf.Tensor) => {
    const y = run(c, xx as tf.Tensor4D, w);
    seen.push(tf.keep(tf.clone(y)));
    return tf.sum(y);
  })(x).dispose();
  tf.env().set(F16_FLAG, false);
  assert.notDeepEqual(half, plain, 'f16 outside a gradient');
  assert.deepEqual(await seen[0].data(), plain, 'f32 under a gradient');
  tf.dispose([x, w, ...seen]);
});

test('a filter is packed to f16 once and its packed copy goes with it', async () => {
  await useBackend('webgpu');
  if (!f16Here(registerWebGPUF16Conv())) return;
  tf.env().set(F16_FLAG, true);
  const x = tf.randomNormal([1, 8, 8, 4]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 4, 6]) as tf.Tensor4D;
  const before = packedFilterCount();
  for (let i = 0; i < 3; i++) tf.tidy(() => run(CASES[0], x, w)).dispose();
  assert.equal(packedFilterCount(), before + 1);
  w.dispose();
  const w2 = tf.randomNormal([3, 3, 4, 6]) as tf.Tensor4D;
  tf.tidy(() => run(CASES[0], x, w2)).dispose();
  assert.equal(packedFilterCount(), before + 1, 'the disposed filter\'s packed copy was dropped');
  tf.dispose([x, w2]);
  tf.env().set(F16_FLAG, false);
});

test('the default model\'s picture with f16 convs is within one 8-bit level of f32', async () => {
  await useBackend('webgpu');
  if (!f16Here(registerWebGPUF16Conv())) return;
  const model = loadModel(MODEL, configFrom({}, MODEL));
  try {
    const labelFile = path.join(ROOT, 'media', 'samples', 'landscape.label.png');
    const labels = readLabels(model, labelFile);
    const picture = async (f16: boolean) => {
      tf.env().set(F16_FLAG, f16);
      const img = model.synthesize(labels, { seed: 1 }, labelFile);
      const bytes = rgbBytes(await img.data());
      img.dispose();
      return bytes;
    };
    const f32 = await picture(false);
    const f16 = await picture(true);
    tf.env().set(F16_FLAG, false);
    let worst = 0;
    let sum = 0;
    let off = 0;
    for (let i = 0; i < f32.length; i++) {
      const d = Math.abs(f16[i] - f32[i]);
      worst = Math.max(worst, d);
      sum += d;
      if (d > 0) off++;
    }
    console.log(`default model, landscape sample, f16 vs f32 convs on webgpu: max ${worst} levels, ` +
      `mean ${(sum / f32.length).toFixed(4)}, ${((100 * off) / f32.length).toFixed(2)} % of values differ`);
    assert.ok(off > 0, 'the f16 convs ran (the picture changed)');
    assert.ok(worst <= 1, `max difference ${worst} 8-bit levels`);
  } finally {
    model.dispose();
  }
});
