// Data-parallel training (spade train --workers): two replicas, this thread and a worker thread
// running the CLI's entry script, against one trainer on the whole batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/cli/backend';
import { DataParallel, rowsOf, sliceBatch } from '../../../src/cli/train/data_parallel';
import { SpadeModel } from '../../../src/model/model';
import { readCheckpoint, writeCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { SpadeTrainer, type StepLosses, type TrainBatch } from '../../../src/model/train/trainer';
import { makeTrainOptions } from '../../../src/model/train/options';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { makeInputs, smallConfig } from '../../helpers/spade_step';
import { ROOT } from '../../helpers/paths';

tf.env().set('PROD', true);
/** The worker runs the CLI's entry from the sources, as the bundle would run dist/cli.js. */
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src', 'cli', 'index.ts'))});`;

test('rows split evenly, and a batch slices into them', () => {
  assert.deepEqual([0, 1].map((r) => rowsOf(r, 2, 5)), [{ start: 0, end: 2 }, { start: 2, end: 5 }]);
  assert.deepEqual([0, 1, 2].map((r) => rowsOf(r, 3, 3)), [{ start: 0, end: 1 }, { start: 1, end: 2 }, { start: 2, end: 3 }]);
  const b: TrainBatch = {
    labels: { ids: Int32Array.from({ length: 3 * 4 }, (_, i) => i), n: 3, h: 2, w: 2 },
    images: Float32Array.from({ length: 3 * 12 }, (_, i) => i),
  };
  const s = sliceBatch(b, 1, 3);
  assert.equal(s.labels.n, 2);
  assert.deepEqual(Array.from(s.labels.ids), [4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(Array.from(s.images.subarray(0, 2)), [12, 13]);
  assert.equal(s.images.length, 24);
});

/** Every float tensor of a checkpoint (G, E, D, Adam moments, BN statistics, u/v), by name. */
async function state(model: SpadeModel, trainer: SpadeTrainer): Promise<NamedTensors> {
  const ck = await model.toCheckpoint();
  const out: NamedTensors = new Map();
  for (const [net, t] of Object.entries(ck.nets)) for (const [k, v] of t ?? []) out.set(`${net}.${k}`, v);
  for (const [k, v] of await trainer.stateToHost()) out.set(k, v);
  return out;
}

function batchOf(n: number, seed: number): TrainBatch {
  const cfg = smallConfig({});
  const inp = makeInputs(cfg, n, seed);
  return { labels: { ids: inp.ids, n, h: inp.h, w: inp.w }, images: inp.image };
}

test('two workers on halves of a batch of 4 make the update of one trainer on the whole batch (SyncBN)', async () => {
  await selectBackend('wasm');
  // Batch-norm SPADE in G (the statistics that must be shared), the VAE encoder (the KLD, a sum
  // over the batch), instance norm in D and E.
  const cfg = smallConfig({
    use_vae: true, norm_G: 'spectralspadesyncbatch3x3', no_instance: true, contain_dontcare_label: false,
  });
  const init = SpadeModel.initialise(cfg, 5, { discriminator: true });
  const bytes = writeCheckpoint(await init.toCheckpoint());
  init.dispose();
  const copy = () => SpadeModel.fromCheckpoint(readCheckpoint(bytes, 'test'), 'test');
  const options = makeTrainOptions({ batchSize: 4, niter: 100 });
  const batches = [batchOf(4, 11), batchOf(4, 12)];

  // The gradients each step applies (summed over the replicas), by step and name.
  const recorder = (into: Map<string, Float32Array>[]) => (step: number, grads: ReadonlyMap<string, tf.Tensor>) => {
    into[step] ??= new Map();
    for (const [k, g] of grads) into[step].set(k, (g.dataSync() as Float32Array).slice());
  };
  const refGrads: Map<string, Float32Array>[] = [];
  const dpGrads: Map<string, Float32Array>[] = [];
  const ref = copy();
  const refTrainer = new SpadeTrainer(ref, options, { seed: 3, onGradients: recorder(refGrads) });
  const refLosses: StepLosses[] = [];
  for (const b of batches) refLosses.push(await refTrainer.trainStep(b));

  const model = copy();
  const { G, E, D } = model.params;
  const dp = new DataParallel(2, 4, Math.max(G.paramCount(), E!.paramCount(), D!.paramCount()));
  const trainer = new SpadeTrainer(model, options, { seed: 3, replica: dp.part(0), onGradients: recorder(dpGrads) });
  try {
    await dp.start(model, trainer, { script: ENTRY, eval: true, backend: 'wasm', seed: 3 });
    for (const [i, b] of batches.entries()) {
      const q = dp.queueStep(trainer, b, 'test batch');
      const losses = await q.read();
      q.dispose();
      for (const [k, v] of Object.entries(refLosses[i])) {
        const got = losses[k as keyof StepLosses]!;
        assert.ok(Math.abs(got - v) <= 1e-4 * Math.max(1, Math.abs(v)), `step ${i + 1} ${k}: ${got} vs one trainer's ${v}`);
      }
    }
    // The gradients of every step: those of one trainer on the whole batch, to float tolerance.
    // (Not the weights: Adam's first steps move a weight by about lr whatever the size of its
    // gradient, and a bias before a batch norm has a gradient of rounding noise only.)
    assert.equal(dpGrads.length, 2);
    let compared = 0;
    const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    for (const [step, grads] of refGrads.entries()) {
      assert.deepEqual([...dpGrads[step].keys()], [...grads.keys()]);
      // Rounding noise (e.g. a bias before a batch norm, whose true gradient is 0) is measured
      // against the step's largest gradient.
      const floor = 1e-5 * Math.max(...[...grads.values()].map(largest));
      for (const [k, e] of grads) {
        const g = dpGrads[step].get(k)!;
        const scale = largest(e);
        let diff = 0;
        for (let i = 0; i < e.length; i++) diff = Math.max(diff, Math.abs(g[i] - e[i]));
        assert.ok(diff <= 1e-3 * scale + floor, `step ${step + 1} gradient ${k}: off by ${diff}, largest ${scale}`);
        if (scale > 100 * floor) worst = Math.max(worst, diff / scale);
        compared++;
      }
    }
    console.log(`largest relative gradient difference (tensors above the noise floor): ${worst.toExponential(2)}`);
    assert.ok(compared > 50, `${compared} gradients compared`);
    // The batch-norm running statistics: those of the whole batch.
    const got = await state(model, trainer);
    const expected = await state(ref, refTrainer);
    const stats = [...expected.keys()].filter((k) => /running_(mean|var)$/.test(k));
    assert.ok(stats.length > 5, stats.join());
    for (const k of stats) {
      const e = expected.get(k)!.data;
      const g = got.get(k)!.data;
      for (let i = 0; i < e.length; i++)
        assert.ok(Math.abs(g[i] - e[i]) <= 1e-4 * Math.max(1, Math.abs(e[i])), `${k}[${i}]: ${g[i]} vs ${e[i]}`);
    }
    // The worker's copy is this thread's, bit for bit.
    const other = readCheckpoint(await dp.snapshot(1), 'worker snapshot');
    for (const [net, t] of Object.entries(other.nets))
      for (const [k, v] of t ?? []) assert.deepEqual(v.data, got.get(`${net}.${k}`)!.data, `${net}.${k}`);
    for (const [k, v] of other.extra) assert.deepEqual(v.data, got.get(k)!.data, k);
  } finally {
    await dp.close();
    trainer.dispose();
    model.dispose();
    refTrainer.dispose();
    ref.dispose();
  }
});
