/** A run's series: columns per key, bucketing, and a run logged again into the same file. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { TrainMetrics } from '../../../src/extension/finetune/metrics';
import { RunSeries, bucketRows, orderKeys } from '../../../src/extension/run_view/run_series';

const m = (step: number, values: Record<string, number>, steps_per_s?: number): TrainMetrics =>
  ({ step, steps_total: 10, steps_per_s, values });

describe('run series', () => {
  it('keeps one point a row while the rows fit, with null where a row lacks a key', () => {
    const s = new RunSeries();
    s.append([m(1, { G_GAN: 1 }), m(2, { G_GAN: 2, G_KLD: 5 }), m(3, { G_GAN: 3 }, 1.5)]);
    const b = s.bucketed(1000);
    assert.equal(b.bucket, 1);
    assert.deepEqual(b.steps, [1, 2, 3]);
    assert.deepEqual(b.values, { G_GAN: [1, 2, 3], G_KLD: [null, 5, null], steps_per_s: [null, null, 1.5] });
  });

  it('averages buckets of ceil(rows / maxPoints) rows, each at its last step; a short last bucket too', () => {
    const steps = [10, 20, 30, 40, 50, 60, 70];
    const b = bucketRows(steps, new Map([['G_GAN', [1, 3, 5, 7, 9, 11, 13]]]), 3);
    assert.equal(b.bucket, 3);
    assert.deepEqual(b.steps, [30, 60, 70]);
    assert.deepEqual(b.values.G_GAN, [3, 9, 13]);
  });

  it('drops the rows a run logged again from an earlier step (a restart without --resume)', () => {
    const s = new RunSeries();
    s.append([m(1, { G_GAN: 1 }), m(2, { G_GAN: 2 }), m(3, { G_GAN: 3, G_KLD: 1 })]);
    s.append([m(2, { G_GAN: 20 }), m(3, { G_GAN: 30 })]);
    const b = s.bucketed(10);
    assert.deepEqual(b.steps, [1, 2, 3]);
    assert.deepEqual(b.values.G_GAN, [1, 20, 30]);
    assert.equal(b.values.G_KLD, undefined, 'a key only the dropped row had has no line');
    assert.equal(s.rows, 3);
  });

  it('clears for a file read afresh', () => {
    const s = new RunSeries();
    s.append([m(1, { G_GAN: 1 })]);
    s.clear();
    assert.equal(s.rows, 0);
    assert.equal(s.progress, undefined);
    assert.deepEqual(s.bucketed(10), { bucket: 1, steps: [], values: {} });
  });

  it('orders keys: generator losses, discriminator losses, learning rates, speed', () => {
    assert.deepEqual(orderKeys(['steps_per_s', 'lr_G', 'D_real', 'G_KLD', 'D_Fake', 'G_GAN']), ['G_GAN', 'G_KLD', 'D_Fake', 'D_real', 'lr_G', 'steps_per_s']);
  });
});
