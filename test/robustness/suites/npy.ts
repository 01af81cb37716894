/**
 * `.npy` style codes and style images: fast-check round-trips valid arrays, then writes headers
 * with wrong dtypes (ints, big-endian, objects, which numpy would unpickle), wrong, negative or
 * huge shapes, Fortran order, code where a literal belongs, and data of the wrong length, NaN or Inf.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { readNpy, writeNpy } from '../../../src/model/io/npy';
import { finish, input, runCase } from '../cases';

const FILE = 'fuzz.npy';
const opts = { numRuns: input.numRuns, seed: input.seed, endOnFailure: true };

/** A v1.0 file around any header text (padded as numpy pads it). */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  let text = header;
  text += ' '.repeat((64 - ((pre + text.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i) & 255;
  out.set(data, pre + text.length);
  return out;
}

// 1. Valid arrays round-trip exactly, with and without the finite check.
fc.check(
  fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), fc.integer(), (shape, seed) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.cos(seed + i)));
    const bytes = writeNpy(shape, data);
    return runCase(`valid shape (${shape})`, FILE, () => {
      const a = readNpy(bytes, FILE, { finite: true, expectShape: shape.map(() => null) });
      if (a.shape.join() !== shape.join() || a.data.some((v, i) => v !== data[i])) throw new Error('round trip changed the array');
    });
  }),
  opts,
);

// 2. Hostile headers and data.
const descrArb = fc.constantFrom("'<f4'", "'<f8'", "'<f2'", "'<i4'", "'>f4'", "'|O'", "'<c8'", "'|u1'", "'<U8'", '[(\'a\', \'<f4\')]', "__import__('os')", '1', "'<f4", '"<f4"');
const shapeArb = fc.oneof(
  fc.array(fc.oneof(fc.integer({ min: -2, max: 9 }), fc.constantFrom(2 ** 31, 2 ** 40, 2 ** 53 + 1)), { maxLength: 4 }).map((d) => (d.length === 1 ? `(${d[0]},)` : `(${d.join(', ')})`)),
  fc.constantFrom('(1.5,)', "('a',)", '[64]', 'None', '(64L,)', '((2,),)', '()', '(' + '('.repeat(40) + ')'.repeat(40) + ')'),
);
const headerArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(descrArb, fc.constantFrom('False', 'True', '0', 'None'), shapeArb, fc.constantFrom('', "'extra': 1, ", "'descr': '<i8', ")).map(([d, f, s, x]) => `{'descr': ${d}, 'fortran_order': ${f}, 'shape': ${s}, ${x}}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom("{'descr': '<f4', 'fortran_order': False}", '{', '', "{'descr': '<f4' 'shape': (1,)}", "{'a': " + '['.repeat(5000) + '}') },
);
const dataArb = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(fc.oneof(fc.float(), fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 16 })
    .map((v) => new Uint8Array(Float32Array.from(v).buffer)),
);
fc.check(
  fc.property(headerArb, dataArb, fc.constantFrom(1, 2, 3, 7), (header, data, version) => {
    const bytes = npy(header, data, version === 7 ? 1 : version);
    if (version === 7) bytes[6] = 7;
    const name = `header ${JSON.stringify(header.slice(0, 100))} v${version}, ${data.length} data bytes`;
    runCase(`${name} / plain`, FILE, () => readNpy(bytes, FILE));
    runCase(`${name} / style code`, FILE, () => readNpy(bytes, FILE, { finite: true, expectShape: [null] }));
    return true;
  }),
  opts,
);

// 3. Truncations of a valid file.
fc.check(
  fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (cut) => {
    const good = writeNpy([4, 3], new Float32Array(12).fill(0.25));
    const bytes = good.subarray(0, Math.floor(cut * (good.length - 1)));
    return runCase(`truncated to ${bytes.length} bytes`, FILE, () => readNpy(bytes, FILE), /./);
  }),
  opts,
);

// 4. The hand-made corpus, read as a 64-wide style code would be.
const CORPUS = path.join(__dirname, '..', '..', 'fixtures', 'bad', 'npy');
export const NPY_CORPUS: Record<string, RegExp> = {
  'int_dtype.npy': /unsupported dtype <i4/,
  'big_endian.npy': /unsupported dtype >f4/,
  'object_dtype.npy': /unsupported dtype \|O/,
  'nan.npy': /non-finite values: 1 NaN \(first at index \[0\]\)/,
  'inf.npy': /non-finite values: 1 infinite \(first at index \[63\]\)/,
  'wrong_shape.npy': /array has shape \(8, 8\), expected \(\?,\)/,
  'fortran.npy': /Fortran \(column-major\) order/,
  'truncated.npy': /truncated \.npy file: shape \(64,\) of <f4 needs 256 data bytes, file has 100/,
  'code_in_header.npy': /cannot parse \.npy header/,
  'huge_shape.npy': /truncated \.npy file: shape \(1099511627776,\)|too large/,
  'negative_shape.npy': /invalid shape \(-64,\)/,
  'version_9.npy': /unsupported \.npy format version 9\.0/,
};
for (const [name, want] of Object.entries(NPY_CORPUS)) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(CORPUS, name)));
  runCase(`corpus ${name}`, name, () => readNpy(bytes, name, { finite: true, expectShape: [null] }), want);
}

finish();
