// SharedSum in one thread: one replica sums to itself; a missing replica times out; abort and
// overflow fail at once. (Two threads summing are in test/cli/train/data_parallel.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaAbortedError, SharedSum } from '../../../src/model/train/shared_sum';

test('one replica: the sum is its own values, in a fresh array, again and again', () => {
  const s = new SharedSum(SharedSum.allocate(1, 4), 0, 1);
  assert.equal(s.capacity, 4);
  const v = Float32Array.of(1, 2.5, -3);
  const out = s.sum(v);
  assert.deepEqual(Array.from(out), [1, 2.5, -3]);
  assert.notEqual(out, v);
  assert.deepEqual(Array.from(s.sum(Float32Array.of(7))), [7]);
  assert.throws(() => s.sum(new Float32Array(5)), /5 values to sum, room for 4/);
});

test('a replica whose partner never comes times out; after an abort every sum fails at once', () => {
  const buf = SharedSum.allocate(2, 2);
  const lonely = new SharedSum(buf, 0, 2, 50);
  assert.throws(() => lonely.sum(Float32Array.of(1)), (e: unknown) => e instanceof ReplicaAbortedError && /no word .* in 0.05 s/.test(e.message));
  const other = new SharedSum(buf, 1, 2, 50);
  assert.ok(other.aborted, 'the timeout aborts the group');
  assert.throws(() => other.sum(Float32Array.of(1)), /another training worker failed/);
  assert.throws(() => new SharedSum(buf, 2, 2), /replica 2 of 2/);
});
