import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededNormal } from '../../src/model/random';

test('seeded style codes are reproducible for every seed, 0 included, and look standard normal', () => {
  assert.deepEqual(seededNormal(64, 0), seededNormal(64, 0));
  assert.notDeepEqual(seededNormal(64, 0), seededNormal(64, 1));
  const x = seededNormal(100_000, 7);
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
});
