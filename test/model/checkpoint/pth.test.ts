/**
 * Tests for the PyTorch checkpoint reader (src/model/checkpoint/pth.ts) and its pickle VM.
 *
 *  1. Reference fixtures: every `<net>.pth` (zip) and `<net>_legacy.pth` must match the float32
 *     tensors in `weights.safetensors` bit for bit, in state-dict order.
 *  2. Synthetic checkpoints built here (a tiny pickle writer + fflate's zipSync) cover what the
 *     fixtures do not: strides, offsets, dtypes, views, wrappers, big-endian data, protocol 4.
 *  3. Hostile files in test/fixtures/bad/ (made by make_bad.py) must fail fast with a
 *     one-line SpadeInputError naming the file, and must not run anything.
 *  4. VM edge cases straight through `unpickle`.
 *
 * Run: node --import tsx --test test/model/checkpoint/pth.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';

import { readPth } from '../../../src/model/checkpoint/pth';
import { PickleError, PyOrderedDict, isTuple, unpickle } from '../../../src/model/checkpoint/pickle';
import { SpadeInputError } from '../../../src/model/errors';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { TEST_DIR } from '../../helpers/paths';

const FIXTURES = join(TEST_DIR, 'fixtures');
const REFERENCE = join(FIXTURES, 'spade-reference');
const BAD = join(FIXTURES, 'bad');

function load(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

// ---------------------------------------------------------------------------------------------
// 1. Reference fixtures vs weights.safetensors
// ---------------------------------------------------------------------------------------------

interface RefTensor { shape: number[]; data: Float32Array }

/** Minimal safetensors parser: u64 LE header length, JSON header, then raw little-endian F32 data. */
function readSafetensorsF32(bytes: Uint8Array): Map<string, RefTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as
    Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + headerLength;
  const out = new Map<string, RefTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.equal(entry.dtype, 'F32', `${name} is not F32`);
    const [begin, end] = entry.data_offsets;
    // slice() copies, so the Float32Array is aligned whatever the header length.
    out.set(name, { shape: entry.shape, data: new Float32Array(bytes.slice(base + begin, base + end).buffer) });
  }
  return out;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function assertMatchesReference(got: NamedTensors, reference: Map<string, RefTensor>, net: string, order: string[]) {
  const expected = [...reference.keys()]
    .filter((k) => k.startsWith(`${net}.`) && !k.endsWith('weight_effective'))
    .map((k) => k.slice(net.length + 1));
  assert.deepEqual([...got.keys()].sort(), [...expected].sort(), 'key set');
  assert.deepEqual([...got.keys()], order, 'state-dict order (case.json)');
  for (const [name, tensor] of got) {
    const ref = reference.get(`${net}.${name}`);
    assert.ok(ref);
    assert.deepEqual(tensor.shape, ref.shape, `${name} shape`);
    assert.equal(tensor.data.length, ref.data.length, `${name} length`);
    assert.deepEqual(bits(tensor.data), bits(ref.data), `${name} values are not bit-identical`);
    assert.equal(tensor.sourceDtype, name.endsWith('num_batches_tracked') ? 'I64' : 'F32', `${name} dtype`);
  }
}

const referenceFolders = readdirSync(REFERENCE, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('there are reference fixtures to check', () => {
  assert.ok(referenceFolders.length >= 4, referenceFolders.join(', '));
});

for (const folder of referenceFolders) {
  const dir = join(REFERENCE, folder);
  const nets = readdirSync(dir).filter((f) => f.endsWith('.pth') && !f.endsWith('_legacy.pth')).map((f) => f.slice(0, -4));
  const caseJson = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as
    { state_dict_keys: Record<string, [string, number[], string][]> };
  for (const net of nets) {
    for (const file of [`${net}.pth`, `${net}_legacy.pth`]) {
      test(`reference ${folder}/${file} matches weights.safetensors bit for bit`, () => {
        const reference = readSafetensorsF32(load(join(dir, 'weights.safetensors')));
        const order = caseJson.state_dict_keys[net].map(([key]) => key);
        assertMatchesReference(readPth(load(join(dir, file)), file), reference, net, order);
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Synthetic checkpoints
// ---------------------------------------------------------------------------------------------

/** The Python values the test writer can emit. */
type Py =
  | null | boolean | number | bigint | string
  | { tuple: Py[] } | { list: Py[] } | { dict: [Py, Py][] } | { ordered: [Py, Py][] }
  | { global: string } | { reduce: [Py, Py[]] } | { persid: Py } | { build: [Py, Py] };

/** A small protocol-2 (optionally 4-style globals) pickle writer, enough to mimic torch.save. */
class PickleWriter {
  private readonly out: number[] = [];
  constructor(private readonly stackGlobals = false) {}

  static dump(value: Py, opts: { protocol4?: boolean } = {}): Uint8Array {
    const w = new PickleWriter(opts.protocol4);
    w.value(value);
    w.out.push(0x2e); // STOP
    const body = w.out;
    if (!opts.protocol4) return new Uint8Array([0x80, 2, ...body]);
    // PROTO 4 + one FRAME around everything, as CPython does for small pickles.
    return new Uint8Array([0x80, 4, 0x95, ...u64(body.length), ...body]);
  }

  private value(v: Py): void {
    const o = this.out;
    if (v === null) o.push(0x4e);
    else if (v === true) o.push(0x88);
    else if (v === false) o.push(0x89);
    else if (typeof v === 'bigint') this.long(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) o.push(0x4a, ...i32(v)); // BININT
      else if (Number.isInteger(v)) this.long(BigInt(v));
      else o.push(0x47, ...f64be(v)); // BINFLOAT
    } else if (typeof v === 'string') this.str(v);
    else if ('tuple' in v) { o.push(0x28); v.tuple.forEach((x) => this.value(x)); o.push(0x74); }
    else if ('list' in v) { o.push(0x5d, 0x28); v.list.forEach((x) => this.value(x)); o.push(0x65); }
    else if ('dict' in v) { o.push(0x7d); this.items(v.dict); }
    else if ('ordered' in v) { this.global('collections.OrderedDict'); o.push(0x29, 0x52); this.items(v.ordered); }
    else if ('global' in v) this.global(v.global);
    else if ('reduce' in v) { this.value(v.reduce[0]); this.value({ tuple: v.reduce[1] }); o.push(0x52); }
    else if ('persid' in v) { this.value(v.persid); o.push(0x51); }
    else { this.value(v.build[0]); this.value(v.build[1]); o.push(0x62); }
  }

  private items(items: [Py, Py][]): void {
    this.out.push(0x28);
    for (const [k, x] of items) { this.value(k); this.value(x); }
    this.out.push(0x75); // SETITEMS
  }

  private str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.out.push(0x58, ...i32(b.length), ...b); // BINUNICODE
  }

  private long(v: bigint): void {
    const bytes: number[] = [];
    let x = v;
    do { bytes.push(Number(x & 0xffn)); x >>= 8n; } while (x !== 0n && x !== -1n);
    if ((bytes[bytes.length - 1] & 0x80) !== (v < 0n ? 0x80 : 0)) bytes.push(v < 0n ? 0xff : 0);
    this.out.push(0x8a, bytes.length, ...bytes); // LONG1
  }

  private global(qualified: string): void {
    const dot = qualified.lastIndexOf('.');
    const [module, name] = [qualified.slice(0, dot), qualified.slice(dot + 1)];
    if (this.stackGlobals) {
      this.str(module);
      this.str(name);
      this.out.push(0x93, 0x94); // STACK_GLOBAL, MEMOIZE
    } else {
      this.out.push(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)); // GLOBAL
    }
  }
}

function i32(v: number): number[] {
  return [...new Uint8Array(new Int32Array([v]).buffer)];
}
function u64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return [...b];
}
function f64be(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, false);
  return [...b];
}

type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';
const STORAGE_CLASS: Record<Dtype, string> = {
  F64: 'torch.DoubleStorage', F32: 'torch.FloatStorage', F16: 'torch.HalfStorage', BF16: 'torch.BFloat16Storage',
  I64: 'torch.LongStorage', I32: 'torch.IntStorage', U8: 'torch.ByteStorage', BOOL: 'torch.BoolStorage',
};
const ITEM: Record<Dtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

interface StorageSpec { key: string; dtype: Dtype; bytes: Uint8Array }

function storageOf(key: string, dtype: Dtype, values: number[], littleEndian = true): StorageSpec {
  const b = new Uint8Array(values.length * ITEM[dtype]);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    switch (dtype) {
      case 'F64': v.setFloat64(i * 8, x, littleEndian); break;
      case 'F32': v.setFloat32(i * 4, x, littleEndian); break;
      case 'F16': case 'BF16': v.setUint16(i * 2, x, littleEndian); break; // raw bit patterns
      case 'I64': v.setBigInt64(i * 8, BigInt(x), littleEndian); break;
      case 'I32': v.setInt32(i * 4, x, littleEndian); break;
      case 'U8': case 'BOOL': v.setUint8(i, x); break;
    }
  });
  return { key, dtype, bytes: b };
}

/** A tensor reference as torch pickles it; `view` only exists in the legacy format. */
function tensor(s: StorageSpec, size: number[], stride: number[], offset = 0, legacy = false,
  view: Py = null): Py {
  const numel = s.bytes.length / ITEM[s.dtype];
  const pid: Py[] = ['storage', { global: STORAGE_CLASS[s.dtype] }, s.key, 'cpu', numel];
  if (legacy) pid.push(view);
  return {
    reduce: [{ global: 'torch._utils._rebuild_tensor_v2' },
      [{ persid: { tuple: pid } }, offset, { tuple: size }, { tuple: stride }, false, { ordered: [] }]],
  };
}

function zipCheckpoint(root: Py, storages: StorageSpec[], opts: { protocol4?: boolean; byteorder?: string } = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': PickleWriter.dump(root, opts) };
  for (const s of storages) files[`archive/data/${s.key}`] = s.bytes;
  if (opts.byteorder) files['archive/byteorder'] = new TextEncoder().encode(opts.byteorder);
  files['archive/version'] = new TextEncoder().encode('3\n');
  return zipSync(files, { level: 0 });
}

function legacyCheckpoint(root: Py, storages: StorageSpec[]): Uint8Array {
  const parts = [
    PickleWriter.dump(0x1950a86a20f9469cfc6cn),
    PickleWriter.dump(1001),
    PickleWriter.dump({ dict: [['protocol_version', 1001], ['little_endian', true]] }),
    PickleWriter.dump(root),
    PickleWriter.dump({ list: storages.map((s) => s.key) }),
  ];
  for (const s of storages) {
    parts.push(new Uint8Array(u64(s.bytes.length / ITEM[s.dtype])), s.bytes);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function values(t: NamedTensors, name: string): number[] {
  const x = t.get(name);
  assert.ok(x, `missing ${name}`);
  return [...x.data];
}

test('synthetic: strided views, storage offsets, shared storages, broadcasts, scalars and empty tensors', () => {
  const s = storageOf('0', 'F32', [0, 1, 2, 3, 4, 5]);
  const root: Py = {
    ordered: [
      ['plain', tensor(s, [2, 3], [3, 1])],
      ['transposed', tensor(s, [3, 2], [1, 3])],
      ['offset', tensor(s, [2], [1], 4)],
      ['every_other', tensor(s, [3], [2], 0)],
      ['broadcast', tensor(s, [2, 3], [0, 1])],
      ['scalar', tensor(s, [], [], 5)],
      ['empty', tensor(s, [0, 3], [3, 1])],
    ],
  };
  for (const bytes of [zipCheckpoint(root, [s]), legacyCheckpoint(withLegacyPids(root), [s])]) {
    const t = readPth(bytes, 'views.pth');
    assert.deepEqual(values(t, 'plain'), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(values(t, 'transposed'), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(values(t, 'offset'), [4, 5]);
    assert.deepEqual(values(t, 'every_other'), [0, 2, 4]);
    assert.deepEqual(values(t, 'broadcast'), [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(values(t, 'scalar'), [5]);
    assert.deepEqual(t.get('scalar')?.shape, []);
    assert.deepEqual(values(t, 'empty'), []);
    assert.deepEqual(t.get('empty')?.shape, [0, 3]);
  }
});

/** Rewrites zip-style tensor pids (5 fields) into legacy ones (6 fields, view_metadata None). */
function withLegacyPids(v: Py): Py {
  if (v === null || typeof v !== 'object') return v;
  if ('persid' in v && typeof v.persid === 'object' && v.persid !== null && 'tuple' in v.persid) {
    return { persid: { tuple: [...v.persid.tuple, null] } };
  }
  if ('ordered' in v) return { ordered: v.ordered.map(([k, x]) => [k, withLegacyPids(x)]) };
  if ('dict' in v) return { dict: v.dict.map(([k, x]) => [k, withLegacyPids(x)]) };
  if ('reduce' in v) return { reduce: [v.reduce[0], v.reduce[1].map(withLegacyPids)] };
  return v;
}

test('synthetic: a 4-D permuted tensor gathers in row-major order', () => {
  const shape = [2, 3, 4, 5];
  const vals = Array.from({ length: 120 }, (_, i) => i);
  const s = storageOf('0', 'F32', vals);
  // Storage holds an NHWC-contiguous array; the tensor is its NCHW permutation (as .permute(0,3,1,2)).
  const [n, c, h, w] = shape;
  const t = readPth(zipCheckpoint({ ordered: [['x', tensor(s, shape, [h * w * c, 1, w * c, c])]] }, [s]), 'perm.pth');
  const expected: number[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    expected.push(vals[a * h * w * c + y * w * c + x * c + b]);
  }
  assert.deepEqual(values(t, 'x'), expected);
});

test('synthetic: every storage dtype is widened to float32 exactly', () => {
  const storages = [
    // float16 bit patterns: 1, -2, smallest subnormal, largest finite, -0, +inf
    storageOf('h', 'F16', [0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000, 0x7c00]),
    // bfloat16 bit patterns: 1.5, -3.25, 2^-133 (subnormal in float32)
    storageOf('b', 'BF16', [0x3fc0, 0xc050, 0x0001]),
    storageOf('d', 'F64', [0.1, -1e300, 1e-50]),
    storageOf('l', 'I64', [-5, 2 ** 40, 100]),
    storageOf('i', 'I32', [-7, 2 ** 31 - 1]),
    storageOf('u', 'U8', [0, 255]),
    storageOf('z', 'BOOL', [0, 1]),
  ];
  const root: Py = { ordered: storages.map((s) => [s.dtype, tensor(s, [s.bytes.length / ITEM[s.dtype]], [1])] as [Py, Py]) };
  for (const bytes of [zipCheckpoint(root, storages), legacyCheckpoint(withLegacyPids(root), storages)]) {
    const t = readPth(bytes, 'dtypes.pth');
    assert.deepEqual(values(t, 'F16'), [1, -2, 2 ** -24, 65504, -0, Infinity]);
    assert.ok(Object.is(values(t, 'F16')[4], -0));
    assert.deepEqual(values(t, 'BF16'), [1.5, -3.25, 2 ** -133]);
    assert.deepEqual(values(t, 'F64'), [Math.fround(0.1), -Infinity, 0]);
    assert.deepEqual(values(t, 'I64'), [-5, 2 ** 40, 100]);
    assert.deepEqual(values(t, 'I32'), [-7, Math.fround(2 ** 31 - 1)]);
    assert.deepEqual(values(t, 'U8'), [0, 255]);
    assert.deepEqual(values(t, 'BOOL'), [0, 1]);
    assert.deepEqual([...t.values()].map((x) => x.sourceDtype), ['F16', 'BF16', 'F64', 'I64', 'I32', 'U8', 'BOOL']);
  }
});

test('synthetic: big-endian zip data (byteorder entry) is byte-swapped', () => {
  const f = storageOf('0', 'F32', [1.5, -2.25], false);
  const h = storageOf('1', 'F16', [0x3c00], false);
  const root: Py = { ordered: [['f', tensor(f, [2], [1])], ['h', tensor(h, [1], [1])]] };
  const t = readPth(zipCheckpoint(root, [f, h], { byteorder: 'big' }), 'be.pth');
  assert.deepEqual(values(t, 'f'), [1.5, -2.25]);
  assert.deepEqual(values(t, 'h'), [1]);
});

test('synthetic: protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE) and _rebuild_parameter', () => {
  const s = storageOf('0', 'F32', [7, 8]);
  const param: Py = { reduce: [{ global: 'torch._utils._rebuild_parameter' }, [tensor(s, [2], [1]), true, { ordered: [] }]] };
  const t = readPth(zipCheckpoint({ ordered: [['p', param]] }, [s], { protocol4: true }), 'p4.pth');
  assert.deepEqual(values(t, 'p'), [7, 8]);
});

test('synthetic: legacy storage views (view_metadata) index into the root storage', () => {
  const s = storageOf('root', 'F32', [0, 1, 2, 3, 4, 5]);
  const root: Py = {
    ordered: [
      ['whole', tensor(s, [6], [1], 0, true)],
      ['view', tensor(s, [2], [1], 1, true, { tuple: ['view1', 2, 3] })], // root[2:5], then offset 1
    ],
  };
  const t = readPth(legacyCheckpoint(root, [s]), 'legacy_views.pth');
  assert.deepEqual(values(t, 'whole'), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(values(t, 'view'), [3, 4]);
});

test('synthetic: a DataParallel `module.` prefix is stripped and wrapper dicts are unwrapped', () => {
  const s = storageOf('0', 'F32', [1, 2]);
  const inner: Py = { ordered: [['module.conv.weight', tensor(s, [2], [1])], ['module.conv.bias', tensor(s, [1], [1], 1)]] };
  for (const key of ['state_dict', 'model']) {
    const t = readPth(zipCheckpoint({ dict: [['epoch', 3], [key, inner]] }, [s]), 'wrapped.pth');
    assert.deepEqual([...t.keys()], ['conv.weight', 'conv.bias']);
    assert.deepEqual(values(t, 'conv.bias'), [2]);
  }
});

test('synthetic: OrderedDict BUILD with torch `_metadata` state is accepted, non-tensor entries ignored', () => {
  const s = storageOf('0', 'F32', [1]);
  const root: Py = {
    build: [
      { ordered: [['w', tensor(s, [1], [1])], ['_extra_state', 5]] },
      { dict: [['_metadata', { ordered: [['', { dict: [['version', 1]] }]] }]] },
    ],
  };
  const t = readPth(zipCheckpoint(root, [s]), 'meta.pth');
  assert.deepEqual([...t.keys()], ['w']);
});

test('synthetic: structural errors are SpadeInputErrors naming the file', () => {
  const s = storageOf('0', 'F32', [1, 2]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['no tensors', zipCheckpoint({ dict: [['epoch', 3], ['optimizer', { dict: [] }]] }, []), /holds no tensors \(top-level keys: 'epoch', 'optimizer'\)/],
    ['root is a list', zipCheckpoint({ list: [1] }, []), /holds a list of 1, not a state dict/],
    ['missing storage entry', zipCheckpoint({ ordered: [['w', tensor(s, [2], [1])]] }, []), /storage '0' is referenced but the archive has no 'archive\/data\/0'/],
    ['module pid', zipCheckpoint({ persid: { tuple: ['module', 'x', 'y'] } }, []), /unsupported persistent id 'module'/],
    ['duplicate after strip', zipCheckpoint({ ordered: [['module.w', tensor(s, [2], [1])], ['w', tensor(s, [2], [1])]] }, [s]), /duplicate tensor 'w'/],
    ['bad byteorder', zipCheckpoint({ ordered: [] }, [], { byteorder: 'middle' }), /unknown byteorder 'middle'/],
    ['storage called', zipCheckpoint({ reduce: [{ global: 'torch.FloatStorage' }, []] }, []), /REDUCE on the storage type torch\.FloatStorage/],
    ['negative stride', zipCheckpoint({ ordered: [['w', tensor(s, [2], [-1], 1)]] }, [s]), /stride entry must be a non-negative integer/],
  ];
  for (const [label, bytes, pattern] of cases) {
    assert.throws(() => readPth(bytes, 'x.pth'), (e: unknown) => {
      assert.ok(e instanceof SpadeInputError, `${label}: ${String(e)}`);
      assert.match(e.message, /^x\.pth: /, label);
      assert.match(e.message, pattern, label);
      return true;
    });
  }
});

test('synthetic: a legacy storage whose on-disk count disagrees with the pickle is refused', () => {
  const s = storageOf('0', 'F32', [1, 2, 3]);
  const bytes = legacyCheckpoint({ ordered: [['w', tensor(s, [3], [1], 0, true)]] }, [s]);
  // The count header sits right before the 12 data bytes at the end.
  new DataView(bytes.buffer).setBigUint64(bytes.length - 12 - 8, 2n, true);
  assert.throws(() => readPth(bytes, 'count.pth'), /^SpadeInputError: count\.pth: storage '0' holds 2 elements but the pickle declares 3$/);
});

test('input may be an unaligned view into a larger buffer (e.g. a Node Buffer from a pool)', () => {
  for (const file of ['spade.pth', 'spade_legacy.pth']) {
    const bytes = load(join(REFERENCE, 'spade_layer', file));
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 3);
    const a = readPth(padded.subarray(3, 3 + bytes.length), file);
    const b = readPth(bytes, file);
    assert.deepEqual([...a.keys()], [...b.keys()]);
    for (const [name, t] of a) assert.deepEqual(bits(t.data), bits(b.get(name)?.data ?? new Float32Array()));
  }
});

test('corrupted copies of reference checkpoints fail only with SpadeInputError (small fuzz)', () => {
  let seed = 1;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const sources = ['spade.pth', 'spade_legacy.pth'].map((f) => load(join(REFERENCE, 'spade_layer', f)));
  for (let i = 0; i < 400; i++) {
    const source = sources[i % 2];
    let bytes: Uint8Array;
    if (i % 4 < 2) {
      bytes = source.slice(0, Math.floor(random() * source.length));
    } else {
      bytes = source.slice();
      // Flip bytes in the pickle (start) or, for the zip, the central directory (end).
      const region = Math.min(1500, bytes.length);
      for (let k = 0; k < 4; k++) {
        const at = Math.floor(random() * region);
        bytes[i % 4 === 2 ? at : bytes.length - 1 - at] = Math.floor(random() * 256);
      }
    }
    try {
      readPth(bytes, 'fuzz.pth');
    } catch (e) {
      assert.ok(e instanceof SpadeInputError, `iteration ${i}: ${String(e)}`);
      assert.ok(e.message.startsWith('fuzz.pth: '), e.message);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// 3. Hostile files
// ---------------------------------------------------------------------------------------------

/** What make_bad.py's payloads would create if anything ever executed them. */
const MARKER = '/tmp/spade_studio_pth_pwned';

const HOSTILE: Record<string, RegExp> = {
  'evil_system.pth': /non-allow-listed global 'posix\.system'/,
  'evil_system_legacy.pth': /non-allow-listed global 'posix\.system'/,
  'evil_eval.pth': /non-allow-listed global 'builtins\.eval'/,
  'inst_opcode.pth': /refusing to load: .*INST opcode.*0x69/,
  'truncated.pth': /truncated zip archive/,
  'truncated_legacy.pth': /storage '\d+' declares 5760 elements but only \d+ bytes remain/,
  'truncated_legacy_pickle.pth': /pickle data truncated/,
  'empty.pth': /empty file/,
  'random.pth': /not a PyTorch checkpoint \(no zip signature and no legacy magic number\)/,
  'random_pickle.pth': /not a PyTorch checkpoint/,
  'mark_bomb.pth': /nests too deeply/,
  'list_bomb.pth': /nests too deeply/,
  'deep_nesting.pth': /holds a list of 1, not a state dict/,
  'huge_storage.pth': /storage '0' declares 1000000000000 elements \(4000000000000 bytes\) but its zip entry holds 4096 bytes/,
  'huge_storage_legacy.pth': /storage '0' declares 1000000000000 elements but only 4096 bytes remain/,
  'huge_string.pth': /BINUNICODE .* needs 4294967295 bytes but only 4 remain/,
  'tensor_out_of_bounds.pth': /tensor 'w' \(shape \[100\]\) reaches element 99 of a storage of 16/,
  'zip_size_lie.pth': /corrupt zip archive \(entry 'archive\/data\.pkl' claims 4294967280 bytes/,
};

test('every file in test/fixtures/bad has an expectation', () => {
  const files = readdirSync(BAD).filter((f) => f.endsWith('.pth')).sort();
  assert.deepEqual(files, Object.keys(HOSTILE).sort());
});

for (const [file, pattern] of Object.entries(HOSTILE)) {
  test(`hostile: ${file} is refused with a one-line SpadeInputError`, () => {
    rmSync(MARKER, { force: true });
    const bytes = load(join(BAD, file));
    const started = performance.now();
    assert.throws(() => readPth(bytes, file), (e: unknown) => {
      assert.ok(e instanceof SpadeInputError, String(e));
      assert.ok(e.message.startsWith(`${file}: `), e.message);
      assert.ok(!e.message.includes('\n'), e.message);
      assert.match(e.message, pattern);
      return true;
    });
    assert.ok(performance.now() - started < 2000, 'took too long');
    assert.equal(existsSync(MARKER), false, 'the payload ran');
  });
}

test('hostile: the os.system fixtures really carry the payload (so the refusal is meaningful)', () => {
  const text = new TextDecoder('latin1').decode(load(join(BAD, 'evil_system_legacy.pth')));
  assert.ok(text.includes('cposix\nsystem\n'));
  assert.ok(text.includes(`touch ${MARKER}`));
});

// ---------------------------------------------------------------------------------------------
// 4. The VM directly
// ---------------------------------------------------------------------------------------------

function pickleBytes(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else out.push(...new TextEncoder().encode(p));
  }
  return new Uint8Array(out);
}

function assertPickleError(bytes: Uint8Array, pattern: RegExp) {
  assert.throws(() => unpickle(bytes), (e: unknown) => {
    assert.ok(e instanceof PickleError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

test('vm: plain values', () => {
  const v = unpickle(PickleWriter.dump({
    tuple: [null, true, false, -1, 70000, 2 ** 40, -(2n ** 70n), 0.5, 'héllo', { list: [1, 2] }, { dict: [['a', 1]] }],
  })).value;
  assert.ok(isTuple(v));
  assert.deepEqual([...v.slice(0, 10)], [null, true, false, -1, 70000, 2 ** 40, -(2n ** 70n), 0.5, 'héllo', [1, 2]]);
  assert.deepEqual(v[10], new Map([['a', 1]]));
});

test('vm: sequential pickles report where the next one starts', () => {
  const a = PickleWriter.dump(1);
  const b = PickleWriter.dump('two');
  const both = new Uint8Array([...a, ...b]);
  const first = unpickle(both);
  assert.equal(first.end, a.length);
  assert.equal(unpickle(both, first.end).value, 'two');
});

test('vm: allow-listed builders produce inert data', () => {
  const v = unpickle(PickleWriter.dump({ ordered: [['k', 1]] })).value;
  assert.ok(v instanceof PyOrderedDict);
  assert.equal(v.get('k'), 1);
  // A tensor without a storage from the persistent-id hook cannot be forged.
  assertPickleError(PickleWriter.dump({ reduce: [{ global: 'torch._utils._rebuild_tensor_v2' }, ['fake', 0, { tuple: [1] }, { tuple: [1] }, false, null]] }),
    /first argument must be a storage, got 'fake'/);
});

test('vm: refusals and malformed input', () => {
  const cases: [Uint8Array, RegExp][] = [
    [pickleBytes(0x80, 2, 'cos\nsystem\n.'), /non-allow-listed global 'os\.system'/],
    [pickleBytes(0x80, 2, 'csubprocess\nPopen\n.'), /non-allow-listed global 'subprocess\.Popen'/],
    [pickleBytes(0x80, 2, 'c__builtin__\neval\n.'), /non-allow-listed global '__builtin__\.eval'/],
    [PickleWriter.dump({ global: 'builtins.getattr' }, { protocol4: true }), /non-allow-listed global 'builtins\.getattr'/],
    [pickleBytes(0x80, 2, '(cos\nsystem\no.'), /non-allow-listed global 'os\.system'/], // resolved before OBJ
    [pickleBytes(0x80, 2, '(o.'), /OBJ opcode/],
    [pickleBytes(0x80, 2, 0xff, '.'), /unsupported pickle opcode 0xff at offset 2/],
    [pickleBytes(0x80, 2, 'S\'x\'\n.'), /unsupported pickle opcode 0x53/], // text STRING (protocol 0)
    [pickleBytes(0x80, 2, 0x82, 1, '.'), /extension registry/],
    [pickleBytes(0x80, 6, '.'), /unsupported pickle protocol 6/],
    [pickleBytes(0x80, 2, 'h', 5, '.'), /memo entry 5 is read before it is written/],
    [pickleBytes(0x80, 2, 'a.'), /stack underflow: APPEND/],
    [pickleBytes(0x80, 2, ']', '(', 'a.'), /stack underflow: APPEND/], // cannot reach below a MARK
    [pickleBytes(0x80, 2, '.'), /stack underflow: STOP/],
    [pickleBytes(0x80, 2, 't.'), /TUPLE without a matching MARK/],
    [pickleBytes(0x80, 2, ')', 'K', 1, 'a.'), /APPEND on a tuple of 0, not a list/],
    [pickleBytes(0x80, 2, ']', 'K', 1, 'K', 2, 's.'), /SETITEM on a list of 0, not a dict/],
    [pickleBytes(0x80, 2, '}', ')', 'b.'), /BUILD on a dict of 0, which is not an allow-listed object/],
    [pickleBytes(0x80, 2, 'K', 1, ')', 'R.'), /REDUCE on 1, which is not an allow-listed callable/],
    [pickleBytes(0x80, 2, 'ccollections\nOrderedDict\n', 'K', 1, 'R.'), /REDUCE of collections\.OrderedDict with 1 instead of an argument tuple/],
    [pickleBytes(0x80, 2, 'ccollections\nOrderedDict\n', 'K', 1, 0x85, 'R.'), /collections\.OrderedDict expects 0 arguments, got 1/],
    [pickleBytes(0x80, 2, 'N', 'Q.'), /unexpected persistent id/],
    [pickleBytes(0x80, 2, 'X', 10, 0, 0, 0, 'abc'), /BINUNICODE at offset 2 needs 10 bytes but only 3 remain/],
    [pickleBytes(0x80, 2, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 'x.'), /BINUNICODE8 at offset 2 needs \d+ bytes but only 2 remain/],
    [pickleBytes(0x80, 2, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80, '.'), /BINUNICODE8 length at offset 2 is impossibly large/],
    [pickleBytes(0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff, '.'), /BINSTRING at offset 2 has a negative length/],
    [pickleBytes(0x80, 2, 0x8b, 0, 0, 1, 0, '.'), /LONG4 integer of 65536 bytes/],
    [pickleBytes(0x80, 2, 'X', 2, 0, 0, 0, 0xc3, 0x28, '.'), /not valid UTF-8/],
    [pickleBytes(0x80, 2, 'cos'), /pickle data truncated: GLOBAL module at offset 2/],
    [pickleBytes(0x80, 2, 'c', 'a'.repeat(2000), '\n'), /longer than 1024 bytes/],
    [pickleBytes(0x80, 4, 0x95, 0xff, 0, 0, 0, 0, 0, 0, 0, 'N.'), /FRAME at offset 2 needs 255 bytes/],
    [pickleBytes(0x80, 2, 'K'), /BININT1 at offset 2 needs 1 bytes but only 0 remain/],
    [pickleBytes(0x80, 2, 'N'), /truncated at offset 3 \(no STOP opcode\)/],
    [new Uint8Array([0x80, 2, ...new Array(10_001).fill(0x28), 0x2e]), /more than 10000 open MARKs/],
    [new Uint8Array([0x80, 2, ...new Array(10_001).fill(0x4e), 0x2e]), /stack exceeds 10000 entries/],
  ];
  for (const [bytes, pattern] of cases) assertPickleError(bytes, pattern);
});

test('vm: POP, POP_MARK, DUP, DICT, LIST and MEMOIZE behave like CPython', () => {
  // MARK 1 2 DICT -> {1: 2}; MARK None POP_MARK -> nothing; ] MEMOIZE DUP 3 APPEND POP -> [3];
  // MARK memo[0] LIST -> [[3]]; TUPLE3.
  const v = unpickle(pickleBytes(0x80, 4, '(', 'K', 1, 'K', 2, 'd', '(', 'N', '1', ']', 0x94, '2', 'K', 3, 'a', '0',
    '(', 'h', 0, 'l', 0x87, '.')).value;
  assert.ok(isTuple(v));
  assert.deepEqual(v[0], new Map([[1, 2]]));
  assert.deepEqual(v[1], [3]);
  assert.deepEqual(v[2], [[3]]);
  assert.equal((v[2] as unknown[])[0], v[1], 'memo returns the same object');
});
