import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { throwsInput } from '../../helpers/throws_input';
import { readNpy, writeNpy, formatShape } from '../../../src/model/io/npy';
import { TEST_DIR } from '../../helpers/paths';

// Fixtures written by numpy 2.x: see test/fixtures/npy/make_fixtures.py.
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(TEST_DIR, 'fixtures', 'npy', name)));

const BASE = [-0.5, -0.25, 0, 0.25, 0.5, 0.75];

/** A .npy v1.0 file with the given header text (padded like numpy) and data bytes. */
function handNpy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let h = header;
  while ((pre + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(data, pre + h.length);
  return out;
}

const f32bytes = (xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);

// ---------------------------------------------------------------------------------------------
// reading numpy's files

test('reads <f4 written by numpy', () => {
  const a = readNpy(fixture('f4_2x3.npy'), 'f4_2x3.npy');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.data], BASE);
  assert.ok(a.data instanceof Float32Array);
});

test('reads <f8 and <f2, converting to float32', () => {
  for (const name of ['f8_2x3.npy', 'f2_2x3.npy']) {
    const a = readNpy(fixture(name), name);
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual([...a.data], BASE, name);
    assert.ok(a.data instanceof Float32Array);
  }
});

test('reads format versions 2.0 and 3.0', () => {
  for (const name of ['f4_v2_2x3.npy', 'f4_v3_2x3.npy']) {
    const bytes = fixture(name);
    assert.equal(bytes[6], name.includes('v2') ? 2 : 3);
    const a = readNpy(bytes, name);
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual([...a.data], BASE);
  }
});

test('reads scalars, empty arrays and 4-D arrays', () => {
  const s = readNpy(fixture('f4_scalar.npy'), 's.npy');
  assert.deepEqual(s.shape, []);
  assert.deepEqual([...s.data], [1.5]);
  const e = readNpy(fixture('f4_empty_0x3.npy'), 'e.npy');
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.data.length, 0);
  const d = readNpy(fixture('f4_1x4x2x2.npy'), 'd.npy');
  assert.deepEqual(d.shape, [1, 4, 2, 2]);
  assert.equal(d.data.length, 16);
  assert.equal(d.data[0], -1);
  assert.equal(d.data[15], 1);
});

test('works on a view at an odd byte offset (copies, never aliases the input)', () => {
  const src = fixture('f4_2x3.npy');
  const buf = new Uint8Array(src.length + 3);
  buf.set(src, 1);
  const view = buf.subarray(1, 1 + src.length);
  const a = readNpy(view, 'odd.npy');
  assert.deepEqual([...a.data], BASE);
  buf.fill(0);
  assert.deepEqual([...a.data], BASE);
});

// ---------------------------------------------------------------------------------------------
// refusing what we do not support

test('Fortran order is refused clearly (1-D "Fortran" arrays are the same bytes and allowed)', () => {
  throwsInput(() => readNpy(fixture('f4_fortran_2x3.npy'), 'w.npy'), /^w\.npy: array \(2, 3\) is stored in Fortran \(column-major\) order, only C order is supported/);
  const oneD = handNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", f32bytes([1, 2, 3]));
  assert.deepEqual([...readNpy(oneD, 'v.npy').data], [1, 2, 3]);
});

test('unsupported dtypes are named', () => {
  throwsInput(() => readNpy(fixture('f4_bigendian_2x3.npy'), 'be.npy'), /^be\.npy: unsupported dtype >f4 \(expected little-endian float/);
  throwsInput(() => readNpy(fixture('i4_2x3.npy'), 'i.npy'), /^i\.npy: unsupported dtype <i4 /);
  const structured = handNpy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
  throwsInput(() => readNpy(structured, 'st.npy'), /^st\.npy: unsupported dtype \[\('a', '<f4'\), \('b', '<i4'\)\]/);
});

test('bad magic, unknown version', () => {
  throwsInput(() => readNpy(new TextEncoder().encode('PK\x03\x04 this is a zip (npz?)'), 'a.npz'), /^a\.npz: not a NumPy \.npy file \(bad magic/);
  throwsInput(() => readNpy(new Uint8Array(0), 'e.npy'), /^e\.npy: truncated \.npy file \(0 bytes\)$/);
  const v9 = fixture('f4_2x3.npy').slice();
  v9[6] = 9;
  throwsInput(() => readNpy(v9, 'v9.npy'), /^v9\.npy: unsupported \.npy format version 9\.0/);
});

test('truncated files: every prefix gives a one-line SpadeInputError', () => {
  const bytes = fixture('f4_2x3.npy');
  for (let n = 0; n < bytes.length; n++) {
    throwsInput(() => readNpy(bytes.subarray(0, n), 't.npy'), /^t\.npy: truncated \.npy file/);
  }
  throwsInput(() => readNpy(bytes.subarray(0, bytes.length - 4), 't.npy'), /^t\.npy: truncated \.npy file: shape \(2, 3\) of <f4 needs 24 data bytes, file has 20$/);
});

test('extra data after the array is a shape/length mismatch', () => {
  const src = fixture('f4_2x3.npy');
  const longer = new Uint8Array(src.length + 4);
  longer.set(src);
  throwsInput(() => readNpy(longer, 'x.npy'), /^x\.npy: \.npy data is 28 bytes but shape \(2, 3\) of <f4 needs 24 \(shape and data length disagree\)$/);
});

// ---------------------------------------------------------------------------------------------
// the header parser

test('header parser: Python 2 long ints, double quotes, odd spacing, key order', () => {
  const h = handNpy('{"shape":(2L,3L),"fortran_order":False , "descr":"<f4"}', f32bytes(BASE));
  const a = readNpy(h, 'py2.npy');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.data], BASE);
  const v2 = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", f32bytes(BASE), 2);
  assert.deepEqual(readNpy(v2, 'v2.npy').shape, [6]);
});

test('header parser never evaluates: code in the header is a parse error', () => {
  const evil = handNpy("{'descr': __import__('os').system('rm -rf /'), 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4));
  throwsInput(() => readNpy(evil, 'evil.npy'), /^evil\.npy: cannot parse \.npy header \(unexpected "_" at character 10\)/);
  const notDict = handNpy("('descr', '<f4')", new Uint8Array(4));
  throwsInput(() => readNpy(notDict, 'nd.npy'), /^nd\.npy: \.npy header is not a dict$/);
  const missing = handNpy("{'descr': '<f4', 'shape': (1,)}", new Uint8Array(4));
  throwsInput(() => readNpy(missing, 'm.npy'), /lacks one of 'descr', 'fortran_order', 'shape'/);
  const badShape = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", new Uint8Array(8));
  throwsInput(() => readNpy(badShape, 'bs.npy'), /^bs\.npy: \.npy header has an invalid shape \(2, -1\)$/);
  const deep = handNpy("{'descr': " + '['.repeat(50) + ']'.repeat(50) + '}', new Uint8Array(0));
  throwsInput(() => readNpy(deep, 'deep.npy'), /nesting too deep/);
});

// ---------------------------------------------------------------------------------------------
// optional checks

test('expectShape: null matches any size; mismatch names both shapes', () => {
  const bytes = fixture('f4_2x3.npy');
  assert.deepEqual(readNpy(bytes, 'z.npy', { expectShape: [2, null] }).shape, [2, 3]);
  assert.deepEqual(readNpy(bytes, 'z.npy', { expectShape: [null, 3] }).shape, [2, 3]);
  throwsInput(() => readNpy(bytes, 'z.npy', { expectShape: [1, 256] }), /^z\.npy: array has shape \(2, 3\), expected \(1, 256\)$/);
  throwsInput(() => readNpy(bytes, 'z.npy', { expectShape: [6] }), /^z\.npy: array has shape \(2, 3\), expected \(6,\)$/);
  throwsInput(() => readNpy(bytes, 'z.npy', { expectShape: [null, null, 3] }), /expected \(\?, \?, 3\)$/);
});

test('finite: NaN and Inf are rejected with counts and the first index', () => {
  const bytes = fixture('f4_nan_inf.npy');
  const a = readNpy(bytes, 'n.npy');
  assert.ok(Number.isNaN(a.data[1]));
  assert.equal(a.data[3], Infinity);
  throwsInput(() => readNpy(bytes, 'n.npy', { finite: true }), /^n\.npy: array contains non-finite values: 1 NaN, 2 infinite \(first at index \[1\]\)$/);
  const d2 = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32bytes([0, 0, 0, 0, 0, -Infinity]));
  throwsInput(() => readNpy(d2, 'm.npy', { finite: true }), /1 infinite \(first at index \[1, 2\]\)$/);
  assert.doesNotThrow(() => readNpy(fixture('f4_2x3.npy'), 'ok.npy', { finite: true }));
  // a finite float64 beyond float32 range becomes Inf after conversion: caught too
  const big = new Uint8Array(new Float64Array([1e300]).buffer);
  throwsInput(() => readNpy(handNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", big), 'b.npy', { finite: true }), /1 infinite/);
});

// ---------------------------------------------------------------------------------------------
// writing

test('writeNpy is byte-identical to numpy.save for float32', () => {
  const cases: Array<[string, number[]]> = [
    ['f4_2x3.npy', [2, 3]],
    ['f4_arange40.npy', [40]],
    ['f4_scalar.npy', []],
    ['f4_empty_0x3.npy', [0, 3]],
    ['f4_1x4x2x2.npy', [1, 4, 2, 2]],
  ];
  for (const [name, shape] of cases) {
    const theirs = fixture(name);
    const { data } = readNpy(theirs, name);
    const ours = writeNpy(shape, data);
    assert.deepEqual(ours, theirs, name);
    assert.equal((10 + (ours[8] | (ours[9] << 8))) % 64, 0, `${name}: data starts on a 64-byte boundary`);
    assert.equal(ours[10 + (ours[8] | (ours[9] << 8)) - 1], 0x0a, `${name}: header ends with a newline`);
  }
});

test('writeNpy → readNpy round trip, and shape/data mismatch is a RangeError', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e3);
  const back = readNpy(writeNpy([2, 3, 4], data), 'r.npy');
  assert.deepEqual(back.shape, [2, 3, 4]);
  assert.deepEqual(back.data, data);
  assert.throws(() => writeNpy([5], data), RangeError);
  assert.throws(() => writeNpy([2.5, 2], new Float32Array(5)), RangeError);
  assert.throws(() => writeNpy([-1], new Float32Array(0)), RangeError);
  const view = new Float32Array(new ArrayBuffer(40), 8, 3);
  view.set([1, 2, 3]);
  assert.deepEqual([...readNpy(writeNpy([3], view), 'v.npy').data], [1, 2, 3]);
});

test('formatShape follows Python tuple repr', () => {
  assert.equal(formatShape([]), '()');
  assert.equal(formatShape([3]), '(3,)');
  assert.equal(formatShape([2, null]), '(2, ?)');
});
