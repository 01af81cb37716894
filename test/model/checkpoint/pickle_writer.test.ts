// Our pickler against our allow-listing reader: every value it can write reads back as itself,
// and it offers no way past the reader's allow-list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dumps, PyCall, PyGlobal, PyOrderedDictValue, PyPersistentId } from '../../../src/model/checkpoint/pickle_writer';
import { PyOrderedDict, TorchStorageRef, TorchTensorRef, unpickle } from '../../../src/model/checkpoint/pickle';

const plain = { allowList: new Map() };

test('integers of every width read back exactly (BININT1, BININT2, BININT, LONG1)', () => {
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (n) => {
    const v = unpickle(dumps(n), 0, plain).value;
    assert.equal(BigInt(v as number | bigint), n);
  }));
  for (const n of [0, 255, 256, 65535, 65536, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1]) {
    assert.equal(Number(unpickle(dumps(n), 0, plain).value), n, `${n}`);
  }
});

test('strings, booleans, None and nested tuples read back as themselves', () => {
  fc.assert(fc.property(fc.string(), fc.boolean(), (s, b) => {
    const value = [s, b, null, [], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4, [s]]];
    assert.deepEqual(unpickle(dumps(value), 0, plain).value, value);
  }));
});

test('an OrderedDict keeps its items in order, past one SETITEMS batch', () => {
  const items = Array.from({ length: 2500 }, (_, i) => [`k${i}`, i] as const);
  const v = unpickle(dumps(new PyOrderedDictValue(items)), 0).value;
  assert.ok(v instanceof PyOrderedDict);
  assert.deepEqual([...v.entries()], items.map(([k, n]) => [k, n]));
});

test('a tensor call with a persistent storage id reads back as the tensor it describes', () => {
  const storage = new PyPersistentId(['storage', new PyGlobal('torch', 'FloatStorage'), '7', 'cpu', 6]);
  const call = new PyCall(new PyGlobal('torch._utils', '_rebuild_tensor_v2'), [storage, 0, [2, 3], [3, 1], false, new PyCall(new PyGlobal('collections', 'OrderedDict'), [])]);
  const pids: unknown[] = [];
  const t = unpickle(dumps(call), 0, { persistentLoad: (pid) => (pids.push(pid), new TorchStorageRef('7', 'F32', 6)) }).value;
  assert.ok(t instanceof TorchTensorRef);
  assert.deepEqual([t.size, t.stride, t.storageOffset], [[2, 3], [3, 1], 0]);
  assert.equal((pids[0] as unknown[])[2], '7');
});

test('a global outside the reader\'s allow-list is never written', () => {
  assert.throws(() => dumps(new PyCall(new PyGlobal('os', 'system'), ['true'])), /'os\.system' is not an allow-listed global/);
});

test('values a state dict never holds are refused, not written approximately', () => {
  assert.throws(() => dumps(0.5), /not an integer/);
  assert.throws(() => dumps(new PyGlobal('os', 'system\nevil')), /not a Python name/);
});
