// writePth against our own reader: the same names, shapes and values, and the dtypes torch
// would give them (float32, int64 counters), in torch's zip layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync } from 'fflate';
import { writePth } from '../../../src/model/checkpoint/pth_writer';
import { readPth } from '../../../src/model/checkpoint/pth';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';

function sample(): NamedTensors {
  const t: NamedTensors = new Map();
  const draw = (n: number, seed: number) =>
    Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898 + seed) * 43758.5453) % 1);
  t.set('head_0.conv_0.weight_orig', { shape: [4, 3, 3, 3], data: draw(108, 1), sourceDtype: 'F32' });
  t.set('head_0.conv_0.weight_u', { shape: [4], data: draw(4, 2), sourceDtype: 'F32' });
  t.set('fc.weight', { shape: [5, 7], data: draw(35, 3), sourceDtype: 'F32' });
  t.set('norm.param_free_norm.num_batches_tracked', { shape: [], data: Float32Array.of(123457), sourceDtype: 'F32' });
  t.set('empty', { shape: [0, 3], data: new Float32Array(0), sourceDtype: 'F32' });
  return t;
}

test('a written .pth reads back with the same names, order, shapes and bits', () => {
  const tensors = sample();
  const back = readPth(writePth(tensors, { archiveName: 'latest_net_G' }), 'G.pth');
  assert.deepEqual([...back.keys()], [...tensors.keys()]);
  for (const [k, t] of tensors) {
    const b = back.get(k)!;
    assert.deepEqual(b.shape, t.shape, k);
    assert.deepEqual(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength), new Uint8Array(t.data.buffer), k);
  }
});

test('num_batches_tracked is stored as int64 and everything else as float32', () => {
  const back = readPth(writePth(sample()), 'x.pth');
  for (const [k, t] of back) assert.equal(t.sourceDtype, k.endsWith('num_batches_tracked') ? 'I64' : 'F32', k);
});

test('the archive has torch\'s entries: data.pkl, byteorder, one data/<key> per tensor, version', () => {
  const files = unzipSync(writePth(sample(), { archiveName: 'latest_net_D' }));
  const names = Object.keys(files);
  assert.deepEqual(names.filter((n) => !n.includes('/data/')), ['latest_net_D/data.pkl', 'latest_net_D/byteorder', 'latest_net_D/version']);
  assert.equal(names.filter((n) => n.startsWith('latest_net_D/data/')).length, sample().size);
  assert.equal(new TextDecoder().decode(files['latest_net_D/byteorder']), 'little');
  assert.equal(files['latest_net_D/data/3'].length, 8, 'the counter takes 8 bytes');
});

test('a counter that is not an integer, or data that does not fit its shape, is refused', () => {
  const bad = sample();
  bad.set('bn.num_batches_tracked', { shape: [], data: Float32Array.of(1.5), sourceDtype: 'F32' });
  assert.throws(() => writePth(bad), /not an integer/);
  const short = new Map([['w', { shape: [2, 2], data: new Float32Array(3), sourceDtype: 'F32' }]]);
  assert.throws(() => writePth(short), /3 values for shape/);
});

test('every storage starts at a multiple of 64 bytes in the file, as torch.save places them', () => {
  const bytes = writePth(sample(), { archiveName: 'latest_net_G' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: Record<string, number> = {};
  // Walk the local headers: signature, sizes at 18, name and extra lengths at 26 and 28.
  for (let pos = 0; view.getUint32(pos, true) === 0x04034b50; ) {
    const size = view.getUint32(pos + 18, true);
    const nameLen = view.getUint16(pos + 26, true);
    const extraLen = view.getUint16(pos + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(pos + 30, pos + 30 + nameLen));
    starts[name] = pos + 30 + nameLen + extraLen;
    pos = starts[name] + size;
  }
  const storages = Object.keys(starts).filter((n) => n.includes('/data/'));
  assert.equal(storages.length, sample().size);
  for (const n of storages) assert.equal(starts[n] % 64, 0, `${n} starts at ${starts[n]}`);
});
