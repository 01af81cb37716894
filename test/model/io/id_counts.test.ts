import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countIds, formatIdCounts } from '../../../src/model/io/id_counts';

test('countIds counts the kept ids, sorted by id', () => {
  const ids = Int32Array.from([9, 7, 7, 3, 9, 7, -1]);
  assert.deepEqual(countIds(ids, (v) => v !== 3), [{ id: -1, count: 1 }, { id: 7, count: 3 }, { id: 9, count: 2 }]);
  assert.deepEqual(countIds(ids, () => false), []);
});

test('formatIdCounts lists ids with pixel counts, at most `limit` of them', () => {
  assert.equal(formatIdCounts([{ id: 7, count: 120 }, { id: 9, count: 3 }]), '7 (120 px), 9 (3 px)');
  const many = Array.from({ length: 15 }, (_, i) => ({ id: 10 + i, count: 1 }));
  assert.match(formatIdCounts(many), /^10 \(1 px\), .*, 19 \(1 px\) and 5 more$/);
  assert.equal(formatIdCounts(many, 2), '10 (1 px), 11 (1 px) and 13 more');
});
