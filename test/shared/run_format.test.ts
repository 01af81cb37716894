/** How a run's figures read, in the status bar and the run view: durations as a clock, rates. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatRate } from '../../src/shared/run_format';

test('durations read as a clock, rates as steps/s or seconds a step', () => {
  assert.equal(formatDuration(4000), '1:06:40');
  assert.equal(formatDuration(59.6), '1:00');
  assert.equal(formatRate(0.25), '0.25 steps/s');
  assert.equal(formatRate(0.05), '20 s/step');
});
