/** The run view's messages from the webview are validated; smoothing is TensorBoard's debiased EMA. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseRunViewMessage, smooth } from '../../src/shared/run_view_protocol';
import { formatRunProgress, formatValue } from '../../src/shared/run_format';

describe('run view protocol', () => {
  it('accepts the messages the webview sends', () => {
    assert.deepEqual(parseRunViewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseRunViewMessage({ type: 'addRuns', extra: 1 }), { type: 'addRuns' });
    assert.deepEqual(parseRunViewMessage({ type: 'removeRun', id: 2 }), { type: 'removeRun', id: 2 });
    const shown = { type: 'shown', runs: [{ id: 0, rows: 12, lastStep: 12, samples: 3 }, { id: 1, rows: 0, lastStep: null, samples: 0 }] };
    assert.deepEqual(parseRunViewMessage(shown), shown);
  });

  it('refuses malformed ones', () => {
    for (const bad of [
      null, 'ready', {}, { type: 'nope' }, { type: 'removeRun' }, { type: 'removeRun', id: -1 }, { type: 'removeRun', id: 1.5 },
      { type: 'shown' }, { type: 'shown', runs: [{ id: 0, rows: -1, lastStep: 1, samples: 0 }] },
      { type: 'shown', runs: [{ id: 0, rows: 1, lastStep: '1', samples: 0 }] },
      { type: 'shown', runs: Array.from({ length: 65 }, (_, id) => ({ id, rows: 0, lastStep: null, samples: 0 })) },
    ]) assert.equal(parseRunViewMessage(bad), null, JSON.stringify(bad));
  });

  it('smooths with a debiased EMA that starts at the first value and keeps gaps', () => {
    assert.deepEqual(smooth([4, null, 4, 4], 0.9), [4, null, 4, 4]);
    const s = smooth([0, 10], 0.5) as number[];
    assert.ok(Math.abs(s[1] - 20 / 3) < 1e-12, String(s[1])); // (0.5·0.5·0 + 0.5·10) / (1 − 0.25)
    assert.deepEqual(smooth([1, 2, 3], 0), [1, 2, 3]);
    // A bucket of k rows weighs weight^k: two buckets of 2 at 0.5 smooth like one point at 0.25.
    assert.deepEqual(smooth([0, 10], 0.5, 2), smooth([0, 10], 0.25));
  });

  it('formats progress and values', () => {
    assert.equal(formatRunProgress({ step: 120, stepsTotal: 500, stepsPerS: 1.3, etaS: 250 }), 'step 120/500 · 1.3 steps/s · ETA 4:10');
    assert.equal(formatRunProgress({ step: 500, stepsTotal: 500, stepsPerS: 0.05, etaS: 0 }), 'step 500/500 · 20 s/step · done');
    assert.equal(formatValue(0.00012), '1.20e-4');
    assert.equal(formatValue(1.23456), '1.235');
  });
});
