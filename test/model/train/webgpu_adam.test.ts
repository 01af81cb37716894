// The in-place WebGPU Adam update (Dawn on llvmpipe through OpenGL ES, as CI runs it) against
// Adam's composed ops on the cpu backend, on random shapes and values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { adamInPlace, canUpdateInPlace, type AdamScalars } from '../../../src/model/train/webgpu_adam';
import { Adam } from '../../../src/model/train/adam';
import { ParamStore, type ParamSpec } from '../../../src/model/nn/params';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';

/** Adam's update as src/model/train/adam.ts composes it from TF.js ops. */
function composed(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamScalars) {
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const v1 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    const p1 = tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.div(tf.sqrt(v1), s.c2), s.eps)), s.stepSize));
    return [p1, m1, v1].map((t) => t.dataSync().slice());
  });
}

function close(got: Float32Array, want: Float32Array, what: string) {
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-6 * Math.max(1, Math.abs(want[i]));
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`);
  }
}

const shapes = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 600 })),
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })),
  fc.tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 12 }),
  ),
);

test('in-place WebGPU Adam matches the composed ops on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canUpdateInPlace());
  await fc.assert(
    fc.asyncProperty(shapes, fc.integer({ min: 1, max: 1000 }), fc.integer(), async (shape, t, seed) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const rnd = (k: number, scale: number) =>
        Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 0.37 + i * 1.3 + k * 7.1) * scale);
      const [beta1, beta2, lr] = [0.5, 0.999, 2e-4];
      const s: AdamScalars = { beta1, beta2, stepSize: lr / (1 - beta1 ** t), c2: Math.sqrt(1 - beta2 ** t), eps: 1e-8 };
      const host = { p: rnd(0, 1), m: rnd(1, 0.01), v: rnd(2, 1e-4).map(Math.abs), g: rnd(3, 0.05) };

      await tf.setBackend('cpu');
      // Two updates: the second checks that host copies read after the first are not left stale.
      const once = composed(
        tf.tensor(host.p, shape),
        tf.tensor(host.m, shape),
        tf.tensor(host.v, shape),
        tf.tensor(host.g, shape),
        s,
      );
      const ref = composed(
        tf.tensor(once[0], shape),
        tf.tensor(once[1], shape),
        tf.tensor(once[2], shape),
        tf.tensor(host.g, shape),
        s,
      );

      await tf.setBackend('webgpu');
      const p = tf.variable(tf.tensor(host.p, shape), false);
      // m then v in one buffer, as adam.ts keeps them on WebGPU.
      const mv = tf.variable(tf.tensor1d(Float32Array.from([...host.m, ...host.v])), false);
      const g = tf.tensor(host.g, shape);
      adamInPlace(p, mv, g, s);
      close((await p.data()) as Float32Array, once[0] as Float32Array, 'p after one update');
      await mv.data();
      adamInPlace(p, mv, g, s);
      const both = (await mv.data()) as Float32Array;
      close(both.subarray(0, n), ref[1] as Float32Array, 'm');
      close(both.subarray(n), ref[2] as Float32Array, 'v');
      close((await p.data()) as Float32Array, ref[0] as Float32Array, 'p');
      tf.dispose([p, mv, g]);
    }),
    { numRuns: 25 },
  );
});

test('Adam on WebGPU (m and v in one buffer) writes and restores the same checkpoint state as on cpu', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const specs: ParamSpec[] = [
    { key: 'conv.weight', shape: [3, 2, 3, 3], trainable: true, init: { kind: 'xavier', gain: 0.02 } },
    { key: 'conv.bias', shape: [3], trainable: true, init: { kind: 'zeros' } },
  ];
  const run = async (backend: string, from?: NamedTensors) => {
    await selectBackend(backend);
    const params = ParamStore.initialise(specs, 1);
    const adam = new Adam('G', params);
    if (from) adam.restore(from, 'test state');
    for (let step = 0; step < 2; step++) {
      const grads = new Map(specs.map((s, k) => {
        const p = params.get(s.key);
        return [s.key, tf.tensor(Float32Array.from({ length: p.size }, (_, i) => Math.sin(i + k * 3 + step)), p.shape)] as const;
      }));
      adam.apply(grads, 0.01, 0.5, 0.999);
    }
    const state = await adam.toHost();
    adam.dispose();
    params.dispose();
    return state;
  };
  const want = await run('cpu');
  const got = await run('webgpu');
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, w] of want) {
    assert.deepEqual(got.get(k)!.shape, w.shape, k);
    close(got.get(k)!.data as Float32Array, w.data as Float32Array, k);
  }
  // Resumed from cpu's state, two more steps on each backend agree too.
  const again = await run('webgpu', want);
  const againCpu = await run('cpu', want);
  for (const [k, w] of againCpu) close(again.get(k)!.data as Float32Array, w.data as Float32Array, `${k} after resuming`);
});
