// Spectral norm's train step on WebGPU (Dawn on llvmpipe) against the composed ops on cpu
// (spectralWeight with the kernels turned off): the weight, the new u and v, and the gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/cli/backend';
import { Ctx } from '../../../src/model/nn/context';
import { ParamStore } from '../../../src/model/nn/params';
import { spectralSpecs, spectralWeight } from '../../../src/model/nn/spectral_norm';
import { canSpectralTrainOnWebGPU } from '../../../src/model/nn/webgpu_spectral_norm';

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol: number) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: webgpu ${got[i]} vs cpu ${want[i]}`);
  }
}

test('spectralTrain: spectralWeight composed on cpu, conv and linear weights, values and gradients', async () => {
  process.env.SPADE_DAWN_FLAGS = 'backend=opengles';
  await selectBackend('webgpu');
  assert.ok(canSpectralTrainOnWebGPU());
  const cases = fc.record({
    conv: fc.boolean(),
    k: fc.integer({ min: 1, max: 3 }),
    cin: fc.integer({ min: 1, max: 70 }),
    cout: fc.integer({ min: 1, max: 70 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  });
  await fc.assert(
    fc.asyncProperty(cases, async ({ conv, k, cin, cout, seed }) => {
      // PyTorch's shapes; the store keeps weight_orig in TF layout ((kh, kw, in, out) or (in, out)).
      const specs = spectralSpecs('l', conv ? [cout, cin, k, k] : [cout, cin], 1);
      const shape = conv ? [k, k, cin, cout] : [cin, cout];
      const size = shape.reduce((a, b) => a * b, 1);
      const dyData = Float32Array.from({ length: size }, (_, i) => Math.cos(i * 0.37 + seed));
      const fill = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.91 + k * 2.3));
      const run = async () => {
        const params = ParamStore.initialise(specs, seed);
        // The same values on both backends, whatever the initialiser draws.
        for (const [i, key] of ['l.weight_orig', 'l.weight_u', 'l.weight_v'].entries()) {
          const p = params.get(key);
          p.assign(tf.tensor(fill(p.size, i), p.shape));
        }
        const ctx = new Ctx(params, true);
        const gradCtx = new Ctx(params, true);
        const out = tf.tidy(() => {
          const dy = tf.tensor(dyData, shape);
          const weight = spectralWeight(ctx, 'l');
          const w = params.get('l.weight_orig');
          assert.deepEqual(w.shape, shape);
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(spectralWeight(gradCtx, 'l'), dy)) as tf.Scalar, [w]);
          return [weight, ctx.updates.get('l.weight_u')!, ctx.updates.get('l.weight_v')!, grads[w.name]];
        });
        const values = await Promise.all(out.map((t) => t.data()));
        tf.dispose(out);
        for (const t of [...ctx.updates.values(), ...gradCtx.updates.values()]) t.dispose();
        params.dispose();
        return values;
      };
      await tf.setBackend('cpu');
      const want = await run();
      await tf.setBackend('webgpu');
      const got = await run();
      const names = ['weight', 'u', 'v'];
      for (let i = 0; i < 3; i++) close(got[i], want[i], names[i], 1e-4);
      // The gradient to 1e-5 of its largest value (it measures about 2e-7).
      const scale = Math.max(...Array.from(want[3], Math.abs));
      for (let i = 0; i < want[3].length; i++) {
        assert.ok(Math.abs(got[3][i] - want[3][i]) <= 1e-5 * scale, `dweight_orig[${i}]: webgpu ${got[3][i]} vs cpu ${want[3][i]}`);
      }
    }),
    { numRuns: 30 },
  );
});
