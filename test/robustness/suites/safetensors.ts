/**
 * safetensors: fast-check writes valid files (round trip), then lies in the header: its length,
 * dtypes, shapes against byte counts, offsets that overlap, run backwards or past the end,
 * metadata of the wrong type, prototype-polluting names, and bytes that are not JSON at all.
 * Each broken file goes through the raw reader and through readCheckpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { readSafetensors, writeSafetensors } from '../../../src/model/checkpoint/safetensors';
import { readCheckpoint } from '../../../src/model/checkpoint/spade_checkpoint';
import type { NamedTensors } from '../../../src/model/checkpoint/host_tensor';
import { finish, input, runCase } from '../cases';

const FILE = 'fuzz.safetensors';
const opts = { numRuns: input.numRuns, seed: input.seed, endOnFailure: true };
const enc = new TextEncoder();

const tensorsArb: fc.Arbitrary<NamedTensors> = fc
  .uniqueArray(
    fc.record({
      name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      seed: fc.integer(),
    }),
    { selector: (t) => t.name, minLength: 1, maxLength: 4 },
  )
  .map((list) => new Map(list.map(({ name, shape, seed }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return [name, { shape, data: Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i) * 100)), sourceDtype: 'F32' }];
  })));

/** A file from a header object and a data section (the length prefix can lie). */
function file(header: unknown, data: Uint8Array, length?: bigint): Uint8Array {
  const json = typeof header === 'string' ? enc.encode(header) : enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>,
    data: bytes.subarray(8 + n),
  };
}

function both(name: string, bytes: Uint8Array): void {
  runCase(`${name} / reader`, FILE, () => readSafetensors(bytes, FILE));
  runCase(`${name} / checkpoint`, FILE, () => readCheckpoint(bytes, FILE));
}

// 1. Round trip (F32 and F16 storage).
fc.check(
  fc.property(tensorsArb, fc.boolean(), (tensors, half) => {
    const bytes = writeSafetensors(tensors, { note: 'fuzz' }, () => (half ? 'F16' : 'F32'));
    return runCase(`valid ${tensors.size} tensors${half ? ' (F16)' : ''}`, FILE, () => {
      const back = readSafetensors(bytes, FILE);
      for (const [name, t] of tensors) {
        const got = back.tensors.get(name);
        if (!got || got.shape.join() !== t.shape.join()) throw new Error(`tensor ${name} lost or reshaped`);
        for (let i = 0; i < t.data.length; i++) {
          const tol = half ? Math.abs(t.data[i]) * 1e-3 + 1e-3 : 0;
          if (Math.abs(got.data[i] - t.data[i]) > tol) throw new Error(`tensor ${name}[${i}] = ${got.data[i]}, wrote ${t.data[i]}`);
        }
      }
    });
  }),
  opts,
);

// 2. Lying headers.
const junk = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({}),
);
const lieArb = fc.oneof(
  fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 400n })) }),
  fc.record({ kind: fc.constant('dtype' as const), value: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'f32', '', 'constructor'), junk) }),
  fc.record({ kind: fc.constant('shape' as const), value: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constant(2 ** 40), fc.constant(1.5), fc.constant(2 ** 53)), { maxLength: 4 }), junk) }),
  fc.record({ kind: fc.constant('offsets' as const), value: fc.oneof(fc.tuple(fc.integer({ min: -8, max: 80 }), fc.integer({ min: -8, max: 80 })), fc.tuple(fc.constant(0), fc.constant(2 ** 60)), junk) }),
  fc.record({ kind: fc.constant('metadata' as const), value: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), junk), junk, fc.constant({ format: 'spade-studio/1', config: '{' }), fc.constant({ format: 'spade-studio/1', config: '{"ngf": -1}' }), fc.constant({ format: 'spade-studio/1', label_set: '[]' })) }),
  fc.record({ kind: fc.constant('name' as const), value: fc.constantFrom('__proto__', 'constructor', 'G.', 'G.__proto__', '', 'toString') }),
  fc.record({ kind: fc.constant('notjson' as const), value: fc.uint8Array({ maxLength: 60 }) }),
  fc.record({ kind: fc.constant('truncate' as const), value: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

fc.check(
  fc.property(tensorsArb, lieArb, fc.nat(), (tensors, lie, pick) => {
    const good = writeSafetensors(tensors, {});
    const { header, data } = split(good);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const target = names[pick % names.length];
    const entry = header[target] as Record<string, unknown>;
    let bytes: Uint8Array;
    switch (lie.kind) {
      case 'length': bytes = file(header, data, lie.value); break;
      case 'dtype': entry.dtype = lie.value; bytes = file(header, data); break;
      case 'shape': entry.shape = lie.value; bytes = file(header, data); break;
      case 'offsets': entry.data_offsets = lie.value; bytes = file(header, data); break;
      case 'metadata': header.__metadata__ = lie.value; bytes = file(header, data); break;
      case 'name': bytes = file(JSON.stringify(header).replace(`"${target}"`, JSON.stringify(lie.value)), data); break;
      case 'notjson': bytes = file(new TextDecoder('latin1').decode(lie.value), data); break;
      case 'truncate': bytes = good.subarray(0, Math.floor(lie.value * good.length)); break;
    }
    both(`${lie.kind} lie ${JSON.stringify(lie.value, (_, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? `${v.length} bytes` : v))}`, bytes);
    return true;
  }),
  opts,
);

// 3. The hand-made corpus.
const CORPUS = path.join(__dirname, '..', '..', 'fixtures', 'bad', 'safetensors');
export const SAFETENSORS_CORPUS: Record<string, RegExp> = {
  'header_past_end.safetensors': /header length 1000000 runs past the end of the file/,
  'header_len_2_63.safetensors': /header length 9223372036854775808 runs past the end/,
  'offsets_overlap.safetensors': /tensors 'a' and 'b' overlap/,
  'offsets_past_end.safetensors': /data_offsets \[16, 32\] run past the end of the data \(16 bytes\)/,
  'offsets_reversed.safetensors': /data_offsets \[16, 0\]/,
  'dtype_shape_mismatch.safetensors': /F32 shape \[2,3\] needs 24 bytes but data_offsets give 16/,
  'unknown_dtype.safetensors': /unsupported dtype "F8_E4M3"/,
  'negative_shape.safetensors': /shape is not a list of non-negative integers/,
  'not_json.safetensors': /header is not valid JSON/,
  'header_array.safetensors': /header is not a JSON object/,
  'metadata_not_string.safetensors': /__metadata__\.format is not a string/,
  'bad_config.safetensors': /metadata\.config is not valid JSON/,
  'bad_label_set.safetensors': /metadata\.label_set is invalid/,
  'huge_shape.safetensors': /shape \[1099511627776,1099511627776\] needs [\d.e+]+ bytes but data_offsets give 16/,
};
for (const [name, want] of Object.entries(SAFETENSORS_CORPUS)) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(CORPUS, name)));
  runCase(`corpus ${name}`, name, () => readCheckpoint(bytes, name), want);
}

finish();
