// The wasm training kernels (src/model/nn/wasm_kernels.ts) against tfjs' cpu kernels and a
// direct evaluation of the definitions, then a whole SPADE training step's gradients on wasm
// against the same step on cpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { registerWasmTrainingKernels } from '../../../src/model/nn/wasm_kernels';
import { seededNormal } from '../../../src/model/random';
import { relErrArrays as relErr, useBackend } from '../../helpers/reference';
import { initWeights, makeInputs, smallConfig, stepGradients, type HostGrads } from '../../helpers/spade_step';
import { ROOT } from '../../helpers/paths';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Shape4 = [number, number, number, number];

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  pad: Pad;
  seed: number;
}

async function ready(): Promise<void> {
  await useBackend('cpu');
  await useBackend('wasm');
  registerWasmTrainingKernels();
}

/** Both gradients of the conv on `backend`, from the same host data, read back to the host. */
async function backprops(backend: 'cpu' | 'wasm', c: ConvCase): Promise<{ dW: Float32Array; dX: Float32Array; leaked: number }> {
  await tf.setBackend(backend);
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const before = tf.engine().backend.numDataIds();
  const x = tf.tensor4d(seededNormal(sizeOf(c.x), c.seed), c.x);
  const filter = tf.tensor4d(seededNormal(sizeOf(c.filter), c.seed + 1), c.filter);
  const dy = tf.tensor4d(seededNormal(sizeOf(info.outShape), c.seed + 2), info.outShape);
  const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
  const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: c.filter }) as tf.Tensor;
  const dX = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: c.x }) as tf.Tensor;
  assert.deepEqual(dW.shape, c.filter, 'dW shape');
  assert.deepEqual(dX.shape, c.x, 'dX shape');
  const out = { dW: (await dW.data()) as Float32Array, dX: (await dX.data()) as Float32Array };
  tf.dispose([x, filter, dy, dW, dX]);
  return { ...out, leaked: tf.engine().backend.numDataIds() - before };
}

function sizeOf(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** The definitions, evaluated directly in float64: dW = Σ x·dy, dX = Σ dy·W over the taps. */
function naive(c: ConvCase): { dW: Float64Array; dX: Float64Array } {
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const x = seededNormal(sizeOf(c.x), c.seed);
  const f = seededNormal(sizeOf(c.filter), c.seed + 1);
  const dy = seededNormal(n * oh * ow * co, c.seed + 2);
  const dW = new Float64Array(sizeOf(c.filter));
  const dX = new Float64Array(sizeOf(c.x));
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const r = y * sh + i - top;
            const s = z * sw + j - left;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            const xo = ((b * h + r) * w + s) * ci;
            const yo = ((b * oh + y) * ow + z) * co;
            for (let p = 0; p < ci; p++)
              for (let q = 0; q < co; q++) {
                const fo = ((i * kw + j) * ci + p) * co + q;
                dW[fo] += x[xo + p] * dy[yo + q];
                dX[xo + p] += f[fo] * dy[yo + q];
              }
          }
  return { dW, dX };
}

async function checkCase(c: ConvCase, tol = 1e-4): Promise<void> {
  const label = JSON.stringify(c);
  const wasm = await backprops('wasm', c);
  const cpu = await backprops('cpu', c);
  const ref = naive(c);
  assert.equal(wasm.leaked, 0, `${label}: wasm kept ${wasm.leaked} buffers`);
  for (const [name, got, want, exact] of [
    ['dW', wasm.dW, cpu.dW, ref.dW],
    ['dX', wasm.dX, cpu.dX, ref.dX],
  ] as const) {
    const eCpu = relErr(got, want);
    const eRef = relErr(got, exact);
    assert.ok(eCpu <= tol && eRef <= tol, `${label}: ${name} differs from cpu by ${eCpu.toExponential(2)}, from the definition by ${eRef.toExponential(2)}`);
  }
}

test('wasm: the training kernels are registered once, and Conv2DBackpropFilter exists', async () => {
  await ready();
  const filter = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  const input = tf.getKernel('Conv2DBackpropInput', 'wasm');
  assert.ok(filter && input);
  registerWasmTrainingKernels();
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, filter.kernelFunc);
  assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc, input.kernelFunc);
});

// The shapes SPADE trains with: SPADE/resblock 3x3 pad 1, the 1x1 shortcut, the discriminator's
// 4x4 pad 2 at strides 2 and 1, the encoder's 3x3 stride 2 pad 1; with batches of 1 and 2; and
// wide outputs, which take the filter gradient's other path.
const SPADE_SHAPES: ConvCase[] = [
  { x: [1, 24, 24, 16], filter: [3, 3, 16, 32], strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], seed: 1 },
  { x: [2, 16, 16, 32], filter: [3, 3, 32, 8], strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], seed: 2 },
  { x: [2, 16, 16, 24], filter: [1, 1, 24, 12], strides: [1, 1], pad: 'valid', seed: 3 },
  { x: [2, 32, 32, 7], filter: [4, 4, 7, 16], strides: [2, 2], pad: [[0, 0], [2, 2], [2, 2], [0, 0]], seed: 4 },
  { x: [2, 9, 9, 32], filter: [4, 4, 32, 24], strides: [1, 1], pad: [[0, 0], [2, 2], [2, 2], [0, 0]], seed: 5 },
  { x: [1, 32, 32, 3], filter: [3, 3, 3, 16], strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], seed: 6 },
  { x: [1, 17, 15, 5], filter: [3, 3, 5, 9], strides: [2, 2], pad: 'same', seed: 7 },
  { x: [1, 12, 12, 8], filter: [3, 3, 8, 96], strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], seed: 8 },
  { x: [2, 16, 16, 5], filter: [4, 4, 5, 80], strides: [2, 2], pad: [[0, 0], [2, 2], [2, 2], [0, 0]], seed: 9 },
  // Found by the property below: a leading pad longer than the strided window (the crop went negative).
  { x: [1, 1, 1, 1], filter: [1, 3, 1, 1], strides: [1, 3], pad: [[0, 0], [0, 0], [4, 0], [0, 0]], seed: 10 },
];

test('wasm: Conv2DBackpropFilter and Conv2DBackpropInput on the shapes SPADE trains with', async () => {
  await ready();
  for (const c of SPADE_SHAPES) await checkCase(c);
});

test('wasm: conv backprops match cpu for random shapes, strides and paddings (property)', async () => {
  await ready();
  const pad: fc.Arbitrary<Pad> = fc.oneof(
    fc.constant('same' as const),
    fc.constant('valid' as const),
    fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4)).map(([t, b, l, r]): Pad => [[0, 0], [t, b], [l, r], [0, 0]]),
  );
  const convCase = fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 13 }),
      w: fc.integer({ min: 1, max: 13 }),
      ci: fc.integer({ min: 1, max: 9 }),
      // Over 64 output channels (and more than in) the filter gradient takes its other path.
      co: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 65, max: 72 })),
      kh: fc.integer({ min: 1, max: 5 }),
      kw: fc.integer({ min: 1, max: 5 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      pad,
      seed: fc.nat(1000),
    })
    .map((r): ConvCase => ({
      x: [r.n, r.h, r.w, r.ci],
      filter: [r.kh, r.kw, r.ci, r.co],
      strides: [r.sh, r.sw],
      pad: r.pad,
      seed: r.seed,
    }))
    .filter((c) => {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      return info.outHeight > 0 && info.outWidth > 0;
    });
  // A fixed seed keeps CI repeatable; SPADE_FUZZ_SEED explores others (a random one found the case above).
  await fc.assert(
    fc.asyncProperty(convCase, (c) => checkCase(c)),
    { numRuns: 150, seed: Number(process.env.SPADE_FUZZ_SEED ?? 20261125) },
  );
});

test('wasm: NCHW Conv2DBackpropInput still runs on the original kernel', async () => {
  await ready();
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const dy = tf.tensor4d(seededNormal(2 * 4 * 5 * 5, 9), [2, 4, 5, 5]);
    const filter = tf.tensor4d(seededNormal(3 * 3 * 3 * 4, 10), [3, 3, 3, 4]);
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 10, 10] }) as tf.Tensor;
    const d = (await dx.data()) as Float32Array;
    tf.dispose([dy, filter, dx]);
    return d;
  };
  const e = relErr(await run('wasm'), await run('cpu'));
  assert.ok(e <= 1e-5, `NCHW dX differs from cpu by ${e}`);
});

test('wasm: registering before the backend starts keeps the original kernel usable (fresh process)', () => {
  // The backend runs kernels' setupFuncs when it initialises; the NCHW fallback needs its own.
  const script = `
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-wasm');
    const { registerWasmTrainingKernels } = require(${JSON.stringify(path.join(ROOT, 'src', 'model', 'nn', 'wasm_kernels.ts'))});
    tf.env().set('IS_TEST', true);
    registerWasmTrainingKernels();
    tf.setBackend('wasm').then(() => {
      const dy = tf.ones([1, 2, 3, 3]);
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: tf.ones([3, 3, 1, 2]) }, { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 1, 3, 3] });
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 3, 3, 1]), dy: tf.ones([1, 3, 3, 2]) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 2] });
      console.log(JSON.stringify({ backend: tf.getBackend(), dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()) }));
    });
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const { backend, dx, dw } = JSON.parse(out.trim().split('\n').pop()!) as { backend: string; dx: number[]; dw: number[] };
  assert.equal(backend, 'wasm');
  // All-ones 3x3 'same': each input pixel is covered by as many taps as fit (4 at corners, 6 on
  // edges, 9 inside), times 2 channels.
  assert.deepEqual(dx, [8, 12, 8, 12, 18, 12, 8, 12, 8]);
  // dW: per tap the number of output pixels whose window hits the input there, for both output channels.
  assert.deepEqual(dw, [4, 4, 6, 6, 4, 4, 6, 6, 9, 9, 6, 6, 4, 4, 6, 6, 4, 4]);
});

test('wasm: GatherV2 gives exactly what cpu gives, on any axis, with repeated indices and runs (property)', async () => {
  await ready();
  const gatherCase = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      axisPick: fc.nat(),
      picks: fc.array(fc.nat(), { minLength: 0, maxLength: 8 }),
      // Runs of consecutive indices, which the kernel copies as one block each (crops, pastes).
      runs: fc.array(fc.record({ start: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3 }),
      dtype: fc.constantFrom('float32' as const, 'int32' as const),
      seed: fc.nat(1000),
    })
    .map((r) => {
      const axis = r.axisPick % r.shape.length;
      const dim = r.shape[axis];
      const runs = r.runs.flatMap(({ start, len }) =>
        Array.from({ length: len }, (_, j) => (start % dim) + j).filter((i) => i < dim),
      );
      return { ...r, axis, indices: [...r.picks.map((p) => p % dim), ...runs] };
    });
  await fc.assert(
    fc.asyncProperty(gatherCase, async (c) => {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const values = Float32Array.from(seededNormal(sizeOf(c.shape), c.seed), (v) => (c.dtype === 'int32' ? Math.round(v * 100) : v));
        const x = tf.tensor(values, c.shape, c.dtype);
        const y = tf.gather(x, tf.tensor1d(c.indices, 'int32'), c.axis);
        const out = { shape: y.shape, data: Array.from(await y.data()) };
        tf.dispose([x, y]);
        return out;
      };
      assert.deepEqual(await run('wasm'), await run('cpu'));
    }),
    { numRuns: 100, seed: Number(process.env.SPADE_FUZZ_SEED ?? 20261125) },
  );
});

test('wasm: GatherV2 is right when its output makes the wasm memory grow (which detaches heap views)', async () => {
  await ready();
  await tf.setBackend('wasm');
  const heapBytes = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const row = 1 << 16; // floats per gathered slice
  const picks = Math.ceil(heapBytes / (4 * row)) + 1; // more output than the whole heap holds now
  const x = tf.tensor2d(Float32Array.from({ length: 3 * row }, (_, i) => i % 1009), [3, row]);
  const indices = Int32Array.from({ length: picks }, (_, i) => (i * 7) % 3);
  const y = tf.gather(x, tf.tensor1d(indices, 'int32'), 0);
  const got = (await y.data()) as Float32Array;
  assert.ok((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length > heapBytes, 'the heap grew');
  for (let k = 0; k < picks; k += 97) {
    for (const c of [0, 1, row - 1]) assert.equal(got[k * row + c], (indices[k] * row + c) % 1009, `slice ${k}, column ${c}`);
  }
  tf.dispose([x, y]);
});

test('wasm: GatherV2 still refuses out-of-range indices, and batchDims runs on the original kernel', async () => {
  await ready();
  await tf.setBackend('wasm');
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.throws(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'), 1), /index value 3 is not in \[0, 2\]/);
  const batched = tf.gather(x, tf.tensor2d([2, 0, 1, 1], [2, 2], 'int32'), 1, 1);
  assert.deepEqual(Array.from(await batched.data()), [3, 1, 5, 5]);
  tf.dispose([x, batched]);
});

/** Compares gradients per tensor, relative to that tensor's largest value, floored at 1e-3 of its network's largest. */
function compareGrads(got: HostGrads, want: HostGrads, tol: number): { worst: number; name: string } {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'the same parameters have gradients');
  const netMax = new Map<string, number>();
  for (const [k, v] of want) {
    const net = k.split('.')[0];
    netMax.set(net, Math.max(netMax.get(net) ?? 0, maxAbs(v)));
  }
  let worst = 0;
  let name = '';
  for (const [k, v] of want) {
    const a = got.get(k)!;
    let e = 0;
    for (let i = 0; i < v.length; i++) e = Math.max(e, Math.abs(a[i] - v[i]));
    const rel = e / Math.max(maxAbs(v), 1e-3 * netMax.get(k.split('.')[0])!);
    if (!(rel <= worst)) [worst, name] = [rel, k];
  }
  assert.ok(worst <= tol, `gradient of ${name}: relative error ${worst.toExponential(2)} > ${tol}`);
  return { worst, name };
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

// Latent grids of 2x2, so that no norm sees a single value per channel (there the gradient is
// all rounding noise on any backend). 'most' adds one more up block of the same kernels.
// The seeds matter: cpu and wasm round differently (activations agree to ~5e-6), and where an
// activation lies that close to a LeakyReLU/ReLU kink the two backends take different slopes.
// One such element shifts every upstream gradient by ~1e-2 relative (seen with seeds 7/11 for
// the second config, identically with the backprop kernels replaced by plain JS loops: not a
// kernel error). These seeds have no element that close to a kink, so kernel errors show.
const STEP_CONFIGS = [
  smallConfig({ norm_G: 'spectralspadesyncbatch3x3', use_vae: true, num_upsampling_layers: 'normal', crop_size: 64, ngf: 2, ndf: 2, spade_hidden: 4 }),
  smallConfig({ norm_G: 'spectralspadeinstance3x3', num_upsampling_layers: 'more', crop_size: 128, ngf: 2, ndf: 2, spade_hidden: 4, num_D: 1 }),
];

for (const cfg of STEP_CONFIGS) {
  const what = `${cfg.norm_G}, ${cfg.num_upsampling_layers}${cfg.use_vae ? ', VAE' : ''}`;
  test(`wasm: a full G+D(+E) training step's gradients match cpu (${what})`, async () => {
    await ready();
    await tf.setBackend('cpu');
    const weights = await initWeights(cfg, 1);
    const inputs = makeInputs(cfg, 1, 3);
    const cpu = await stepGradients(cfg, weights, inputs);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = await stepGradients(cfg, weights, inputs);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind');
    assert.ok(cpu.grads.size > 100, `only ${cpu.grads.size} gradients`);
    for (const k of ['G', 'D'] as const) {
      assert.ok(Math.abs(wasm.losses[k] - cpu.losses[k]) <= 1e-5 * Math.max(1, Math.abs(cpu.losses[k])), `loss ${k}: ${wasm.losses[k]} vs ${cpu.losses[k]}`);
    }
    const { worst, name } = compareGrads(wasm.grads, cpu.grads, 1e-3);
    console.log(`  ${what}: ${cpu.grads.size} gradients, worst relative difference ${worst.toExponential(2)} (${name})`);
  });
}
