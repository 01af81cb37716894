// The kept training state: what it stores at which precision, and what it refuses to read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { readSafetensors, writeSafetensors } from '../../../src/model/checkpoint/safetensors';
import { readTrainStateFile, writeTrainStateFile, type TrainStateFile } from '../../../src/model/checkpoint/train_state_file';
import { SpadeInputError } from '../../../src/model/errors';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';

const SHA = 'ab'.repeat(32);

function tensor(values: number[], shape = [values.length]) {
  return { shape, data: Float32Array.from(values), sourceDtype: 'F32' };
}

function sample(): TrainStateFile {
  const D: NamedTensors = new Map([
    ['model0.0.weight_orig', tensor([0.1, -0.25, 0.3337, 1e-3])],
    ['model0.0.weight_u', tensor([0.123456789, 0.5])],
    ['model0.0.bias', tensor([0.01, -0.02])],
  ]);
  const extra: NamedTensors = new Map([
    ['optim.D.exp_avg.model0.0.weight_orig', tensor([1e-3, -2e-3, 3e-9, 0])],
    ['optim.D.exp_avg_sq.model0.0.weight_orig', tensor([1e-6, 4e-6, 9e-18, 0])],
    ['optim.D.steps', tensor([1234])],
    ['step', tensor([1234])],
  ]);
  return { weightsSha256: SHA, D, extra, trainState: '{"step":1234}' };
}

test('D in float16, moments in bfloat16 (tiny v survives), counters and u/v exact; first moments left out at beta1 0', () => {
  const bytes = writeTrainStateFile(sample(), 0);
  const raw = readSafetensors(bytes, 'state');
  const dtypes = Object.fromEntries([...raw.tensors].map(([k, t]) => [k, t.sourceDtype]));
  assert.deepEqual(dtypes, {
    'D.model0.0.bias': 'F16',
    'D.model0.0.weight_orig': 'F16',
    'D.model0.0.weight_u': 'F32',
    'optim.D.exp_avg_sq.model0.0.weight_orig': 'BF16',
    'optim.D.steps': 'F32',
    step: 'F32',
  });
  const back = readTrainStateFile(bytes, 'state');
  assert.equal(back.weightsSha256, SHA);
  assert.equal(back.trainState, '{"step":1234}');
  assert.deepEqual(Array.from(back.D.get('model0.0.weight_u')!.data), Array.from(Float32Array.of(0.123456789, 0.5)));
  back.D.get('model0.0.weight_orig')!.data.forEach((x, i) => assert.ok(Math.abs(x - sample().D.get('model0.0.weight_orig')!.data[i]) <= 2e-4, `w[${i}] ${x}`));
  const v = back.extra.get('optim.D.exp_avg_sq.model0.0.weight_orig')!.data;
  sample().extra.get('optim.D.exp_avg_sq.model0.0.weight_orig')!.data.forEach((x, i) => assert.ok(Math.abs(v[i] - x) <= x * 2 ** -8, `v[${i}] ${v[i]} for ${x}`));
  assert.ok(v[2] > 0, 'a v of 9e-18 must not become 0');
  assert.deepEqual(Array.from(back.extra.get('optim.D.exp_avg.model0.0.weight_orig')!.data), [0, 0, 0, 0], 'm comes back as zeros');
  assert.equal(back.extra.get('step')!.data[0], 1234);
});

test('first moments kept (bfloat16) when beta1 is not 0', () => {
  const back = readTrainStateFile(writeTrainStateFile(sample(), 0.5), 'state');
  const m = back.extra.get('optim.D.exp_avg.model0.0.weight_orig')!.data;
  sample().extra.get('optim.D.exp_avg.model0.0.weight_orig')!.data.forEach((x, i) => assert.ok(Math.abs(m[i] - x) <= Math.abs(x) * 2 ** -8, `m[${i}] ${m[i]}`));
  assert.ok(m[2] !== 0);
});

test('refuses a file that is not a kept state, or names no weights, naming the file', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ format: 'spade-studio/1' }, /is not a training state file/],
    [{ format: 'spade-studio-train-state/1', train_state: '{}' }, /names no weights file/],
    [{ format: 'spade-studio-train-state/1', weights_sha256: 'xyz', train_state: '{}' }, /names no weights file/],
    [{ format: 'spade-studio-train-state/1', weights_sha256: SHA }, /has no train_state/],
  ];
  for (const [meta, msg] of cases) {
    const bytes = writeSafetensors(new Map([['D.x.weight', tensor([1])]]), meta);
    assert.throws(
      () => readTrainStateFile(bytes, 'kept.safetensors'),
      (e: unknown) => e instanceof SpadeInputError && msg.test(e.message) && e.message.includes('kept.safetensors'),
    );
  }
  const noD = writeSafetensors(new Map([['step', tensor([1])]]), { format: 'spade-studio-train-state/1', weights_sha256: SHA, train_state: '{}' });
  assert.throws(() => readTrainStateFile(noD, 'kept.safetensors'), /holds no discriminator/);
});

test('read as a model, a kept state says what it is', () => {
  assert.throws(
    () => readCheckpoint(writeTrainStateFile(sample(), 0), 'kept.safetensors'),
    (e: unknown) => e instanceof SpadeInputError && /kept\.safetensors.*is a kept training state, not a model: give it to spade train --state/.test(e.message),
  );
});
