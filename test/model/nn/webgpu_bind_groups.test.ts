// Bind groups and uniforms made once per distinct dispatch (Dawn on llvmpipe): the uniform bytes
// are TF.js's, bit for bit; results match cpu, also when the uniform slots run out within one
// submit; and a repeated computation creates no new bind group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { canNormalizeOnWebGPU, normalizeDetached } from '../../../src/model/nn/webgpu_normalize';
import { installBindGroupCache, UniformPacker, withUniformSite, type ProgramUniform } from '../../../src/model/nn/webgpu_bind_groups';

/** Few slots, so that one submit's dispatches overrun them. */
const SLOTS = 5;

let created = 0;

test('setup: webgpu with the cache, counting the bind groups Dawn creates', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  const { globals } = (await import('webgpu')) as unknown as { globals: { GPUDevice: { prototype: GPUDevice } } };
  const proto = globals.GPUDevice.prototype;
  const create = proto.createBindGroup;
  proto.createBindGroup = function (this: GPUDevice, d: GPUBindGroupDescriptor) {
    created++;
    return create.call(this, d);
  };
  await tf.setBackend('cpu');
  await selectBackend('webgpu');
});

test("UniformPacker lays out TF.js's uniforms byte for byte", async () => {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const tfjs = (uniforms: ProgramUniform[]): Uint8Array => {
    let written: Uint8Array | undefined;
    const fake = {
      bufferManager: { acquireBuffer: () => ({}) },
      queue: {
        writeBuffer: (_b: unknown, _o: number, data: ArrayBuffer, off: number, size: number) => {
          written = new Uint8Array(data, off, size).slice();
        },
      },
      uniformPendingDisposal: [] as unknown[],
    };
    (WebGPUBackend.prototype as unknown as { makeUniforms(u: ProgramUniform[]): unknown }).makeUniforms.call(fake, uniforms);
    return written!;
  };
  const value = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double(), fc.constantFrom(NaN, Infinity, -0));
  const uniform = fc.record({
    type: fc.constantFrom('float32', 'int32', 'uint32'),
    data: fc.array(value, { minLength: 0, maxLength: 6 }),
  });
  const packer = new UniformPacker();
  fc.assert(
    fc.property(fc.array(uniform, { minLength: 1, maxLength: 14 }), (list) => {
      const copy = () => list.map((u) => ({ type: u.type, data: u.data.map((v) => (u.type === 'uint32' ? v >>> 0 : v)) }));
      const want = tfjs(copy());
      // After other uniforms: the padding must come out zero all the same.
      packer.pack([{ type: 'float32', data: Array.from({ length: 6 }, () => NaN) }, ...Array(9).fill({ type: 'int32', data: [-1, -1, -1, -1, -1, -1] })]);
      const size = packer.pack(copy());
      if (want.length > 256) assert.equal(size, -1);
      else assert.deepEqual(new Uint8Array(packer.bytes, 0, size), want);
    }),
    { numRuns: 300 },
  );
});

test('a computation repeated creates no new bind group', async () => {
  await tf.setBackend('webgpu');
  const v = tf.variable(tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1));
  const k = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2));
  const step = async () => {
    const all = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.relu(tf.conv2d(v as tf.Tensor4D, k as tf.Tensor4D, 1, 'same')))), [k]);
      return tf.concat([tf.reshape(value, [1]), tf.reshape(grads[k.name], [-1])]);
    });
    const out = await all.data();
    all.dispose();
    return out;
  };
  const first = await step();
  await step();
  const before = created;
  const again = await step();
  assert.equal(created - before, 0, 'bind groups created by the third identical step');
  assert.deepEqual(again, first);
  // Cached bind groups do not hide a changed input: new values, new result.
  v.assign(tf.mul(v, 2));
  const doubled = await step();
  assert.ok(Math.abs(doubled[0] - 4 * first[0]) <= 1e-4 * Math.abs(first[0]), `${doubled[0]} vs 4 × ${first[0]}`);
});

test("a site's uniform slot is rewritten only once what read it was submitted", async () => {
  await tf.setBackend('webgpu');
  assert.ok(canNormalizeOnWebGPU());
  // ||x|| = 0.3 < eps: the normalize divides by eps, a uniform.
  const x = tf.tensor1d([0.1, 0.2, 0.2]);
  const site = {};
  const at = (eps: number) => withUniformSite(site, () => normalizeDetached(x, eps));
  // Two in one submit: the second may not overwrite the first's uniforms.
  const [a, b] = [at(1), at(2)];
  const c = at(4);
  const [ga, gb, gc] = await Promise.all([a.data(), b.data(), c.data()]);
  // After a submit the slot is rewritten in place.
  const d = at(8);
  const gd = await d.data();
  const close = (got: ArrayLike<number>, div: number) =>
    [0.1, 0.2, 0.2].forEach((v, i) => assert.ok(Math.abs(got[i] - v / div) < 1e-7, `eps ${div}: ${got[i]} vs ${v / div}`));
  close(ga, 1);
  close(gb, 2);
  close(gc, 4);
  close(gd, 8);
  tf.dispose([x, a, b, c, d]);
});

/** Slices of decreasing length, each added to: every dispatch's uniforms differ. */
function chain(x: tf.Tensor1D, steps: number): tf.Tensor {
  return tf.tidy(() => {
    let y: tf.Tensor1D = x;
    for (let k = 1; k <= steps; k++) y = tf.add(tf.slice(y, k % 3, y.size - 1 - (k % 3)), tf.slice(y, 0, y.size - 1 - (k % 3)));
    return tf.relu(tf.sub(y, 1));
  });
}

test('results match cpu, with more distinct uniforms in one submit than slots', async () => {
  await tf.setBackend('webgpu');
  installBindGroupCache(SLOTS);
  const values = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * 0.37));
  await tf.setBackend('cpu');
  const want = chain(tf.tensor1d(values), 40);
  const w = want.dataSync().slice();
  want.dispose();
  await tf.setBackend('webgpu');
  for (let round = 0; round < 3; round++) {
    const x = tf.tensor1d(values);
    const got = chain(x, 40);
    const g = await got.data();
    assert.equal(g.length, w.length);
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(g[i] - w[i]) <= 1e-4 * Math.max(1, Math.abs(w[i])), `round ${round} [${i}]: ${g[i]} vs ${w[i]}`);
    tf.dispose([x, got]);
  }
});
