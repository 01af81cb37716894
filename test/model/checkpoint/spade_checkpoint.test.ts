import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint, writeCheckpoint, attachPth, type SpadeCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import { readSafetensors, writeSafetensors } from '../../../src/model/checkpoint/safetensors';
import { floatToHalf, halfToFloat } from '../../../src/model/checkpoint/half';
import { SpadeModel } from '../../../src/model/model';
import { parseOptTxt } from '../../../src/model/opt_txt';
import { SpadeInputError } from '../../../src/model/errors';
import { FIXTURES, assertActivation, loadCase, netWeights, ref, useBackend } from '../../helpers/reference';

const dir = path.join(FIXTURES, 'gen_normal_vae');
const bytes = (f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
const cfg = parseOptTxt(fs.readFileSync(path.join(dir, 'opt.txt'), 'utf8'), 'opt.txt');
const c = loadCase('gen_normal_vae');

function evalOut(ck: SpadeCheckpoint): tf.Tensor4D {
  const model = SpadeModel.fromCheckpoint(ck, 'test');
  const ids = ref(c, 'label_ids');
  const z = tf.tensor2d(ref(c, 'z').data, [2, 256]);
  const out = model.synthesize({ ids: Int32Array.from(ids.data), n: 2, h: ids.shape[1], w: ids.shape[2] }, { z });
  model.dispose();
  return out;
}

test('G.pth, G_legacy.pth and our safetensors (F32) give the reference output', async () => {
  await useBackend('cpu');
  for (const f of ['G.pth', 'G_legacy.pth']) {
    const ck = readCheckpoint(bytes(f), f, { config: cfg });
    assertActivation(evalOut(ck), ref(c, 'out_eval'), 1e-4, `${f} out_eval`);
    const again = readCheckpoint(writeCheckpoint(ck), 'rt.safetensors');
    assert.deepEqual(again.config, cfg, 'config travels in the metadata');
    assertActivation(evalOut(again), ref(c, 'out_eval'), 1e-4, `${f} -> safetensors out_eval`);
  }
});

test('float16 checkpoints halve the size and stay within float16 rounding of the reference', async () => {
  await useBackend('cpu');
  const ck = readCheckpoint(bytes('G.pth'), 'G.pth', { config: cfg });
  attachPth(ck, 'E', bytes('E.pth'), 'E.pth');
  attachPth(ck, 'D', bytes('D_legacy.pth'), 'D_legacy.pth');
  const f32 = writeCheckpoint(ck);
  const f16 = writeCheckpoint(ck, { dtype: 'F16' });
  assert.ok(f16.length < 0.6 * f32.length, `${f16.length} vs ${f32.length}`);
  const back = readCheckpoint(f16, 'half.safetensors');
  assert.ok(back.nets.E && back.nets.D, 'E and D travel');
  assert.equal(readSafetensors(f16, 'x').tensors.get('G.head_0.norm_0.param_free_norm.running_var')!.sourceDtype, 'F32', 'buffers stay F32');
  assertActivation(evalOut(back), ref(c, 'out_eval'), 2e-2, 'float16 out_eval');
});

test('PyTorch 1.0 state dicts without weight_v load exactly when the normalised weight is stored', async () => {
  await useBackend('cpu');
  const G = netWeights(c, 'G');
  for (const k of [...G.keys()]) {
    if (!k.endsWith('.weight_v')) continue;
    const base = k.slice(0, -'_v'.length);
    G.delete(k);
    G.set(base, c.weights.get(`G.${base}_effective`)!);
  }
  const ck = readCheckpoint(writeSafetensors(new Map([...G].map(([k, v]) => [`G.${k}`, v])), {}), 'old.safetensors', { config: cfg });
  assert.ok(ck.nets.G.has('head_0.conv_0.weight_v') && !ck.nets.G.has('head_0.conv_0.weight'));
  assertActivation(evalOut(ck), ref(c, 'out_eval'), 1e-4, 'out_eval from solved v');
});

test('options that contradict the checkpoint name the tensor and both shapes', () => {
  const wrong = parseOptTxt(fs.readFileSync(path.join(dir, 'opt.txt'), 'utf8').replace(/ngf: 1/, 'ngf: 2'), 'opt.txt');
  const ck = readCheckpoint(bytes('G.pth'), 'G.pth', { config: wrong });
  assert.throws(() => SpadeModel.fromCheckpoint(ck, 'G.pth'), (e: Error) => e instanceof SpadeInputError && /G\.pth.*fc\.weight has shape \[64,256\] but the options imply \[128,256\]/.test(e.message));
  assert.throws(() => readCheckpoint(bytes('G.pth'), 'G.pth'), /G\.pth: .*--opt opt\.txt/);
});

test('safetensors reader refuses hostile headers with a clear message', () => {
  const good = writeSafetensors(new Map([['a', { shape: [2], data: new Float32Array([1, 2]), sourceDtype: 'F32' }]]), {});
  const hl = Number(new DataView(good.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + hl)));
  const make = (h: object, dataLen = 8) => {
    const j = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + j.length + dataLen);
    new DataView(out.buffer).setBigUint64(0, BigInt(j.length), true);
    out.set(j, 8);
    return out;
  };
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /shorter than the 8-byte header/],
    [(() => { const b = good.slice(); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return b; })(), /runs past the end/],
    [make({ a: { ...header.a, data_offsets: [0, 16] } }), /run past the end of the data/],
    [make({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), /needs 12 bytes but data_offsets give 8/],
    [make({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] } }), /overlap/],
    [make({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }), /unsupported dtype/],
    [make({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), /shape/],
  ];
  for (const [b, re] of cases) {
    assert.throws(() => readSafetensors(b, 'bad.safetensors'), (e: Error) => e instanceof SpadeInputError && e.message.startsWith('bad.safetensors: ') && re.test(e.message), String(re));
  }
});

test('float16 conversion rounds to nearest even and keeps specials', () => {
  for (const v of [0, 1, -2, 65504, 6.1035156e-5, 5.9604645e-8, 0.1, 1e-3]) {
    const back = halfToFloat(floatToHalf(v));
    assert.ok(Math.abs(back - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v} -> ${back}`);
  }
  assert.equal(halfToFloat(floatToHalf(70000)), Infinity);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  assert.equal(floatToHalf(1 + 2 ** -11), floatToHalf(1), 'tie rounds to even');
});
