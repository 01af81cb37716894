/** The run view chart's axis ticks: round values inside the range, powers of ten on a log axis. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatTick, linearTicks, logTicks } from '../../../src/webview/run_view/line_chart';

describe('line chart ticks', () => {
  it('linear: 1, 2 or 5 times a power of ten, inside the range', () => {
    assert.deepEqual(linearTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(linearTicks(0.13, 0.91, 4), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(linearTicks(-1, 1, 4), [-1, -0.5, 0, 0.5, 1]);
    assert.deepEqual(linearTicks(3, 3), [3]);
  });

  it('log: decades, or 1-2-5 within less than two decades', () => {
    assert.deepEqual(logTicks(0.003, 20), [0.01, 0.1, 1, 10]);
    assert.deepEqual(logTicks(0.3, 4), [0.5, 1, 2]);
  });

  it('labels', () => {
    assert.equal(formatTick(0.1 + 0.2), '0.3');
    assert.equal(formatTick(0.0001), '1e-4');
    assert.equal(formatTick(250000), '3e5');
    assert.equal(formatTick(1200), '1200');
  });
});
