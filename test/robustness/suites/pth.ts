/**
 * `.pth` checkpoints, zip and legacy. fast-check composes pickles from opcode fragments, mixing
 * allow-listed names with hostile ones (os.system, eval, subprocess, getattr, copyreg...) and every
 * calling opcode (REDUCE, NEWOBJ, NEWOBJ_EX, BUILD, INST, OBJ, BINPERSID), wraps them as torch
 * does, and also flips bytes in a real checkpoint. Hostile payloads `touch` a file in the marker
 * folder; the parent counts those files as code executed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { readPth } from '../../../src/model/checkpoint/pth';
import { finish, input, runCase } from '../cases';
import { concat } from '../png_writer';

const FILE = 'fuzz.pth';
const opts = { numRuns: input.numRuns, seed: input.seed, endOnFailure: true };
const enc = new TextEncoder();
const marker = (tag: string) => path.join(input.markerDir, tag);

function str(s: string): Uint8Array {
  const raw = enc.encode(s);
  const out = new Uint8Array(5 + raw.length);
  out[0] = 0x58; // BINUNICODE
  new DataView(out.buffer).setUint32(1, raw.length, true);
  out.set(raw, 5);
  return out;
}
const op = (...b: number[]) => Uint8Array.from(b);
const global = (module: string, name: string) => enc.encode(`c${module}\n${name}\n`);
const cat = (parts: Uint8Array[]) => concat(...parts);

const HOSTILE_GLOBALS: Array<[string, string]> = [
  ['os', 'system'], ['posix', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['__builtin__', 'eval'],
  ['subprocess', 'Popen'], ['subprocess', 'check_output'], ['builtins', 'getattr'], ['builtins', '__import__'],
  ['copyreg', '_reconstructor'], ['torch', 'load'], ['numpy.core.multiarray', '_reconstruct'], ['pickle', 'loads'],
  ['builtins', 'open'], ['shutil', 'rmtree'], ['torch._utils', '_rebuild_tensor_v2.__globals__'],
];
const ALLOWED_GLOBALS: Array<[string, string]> = [
  ['collections', 'OrderedDict'], ['torch._utils', '_rebuild_tensor_v2'], ['torch._utils', '_rebuild_parameter'],
  ['torch', 'FloatStorage'], ['torch', 'HalfStorage'], ['torch', 'LongStorage'], ['torch.cuda', 'FloatStorage'],
];

/** One fragment of a pickle program; the tag names the payload's marker file. */
const fragment = (tag: string): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_GLOBALS).map(([m, n]) => global(m, n)) },
    { weight: 3, arbitrary: fc.constantFrom(...ALLOWED_GLOBALS).map(([m, n]) => global(m, n)) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          `touch ${marker(tag)}`,
          `__import__('os').system('touch ${marker(tag)}')`,
          'storage',
          '0',
          'cpu',
          'w',
          'module.w',
          'state_dict',
        )
        .map(str),
    },
    // MARK, TUPLE*, LIST, DICT, EMPTY_*, SETITEM(S), APPEND(S), POP, DUP, NONE, bools
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(
          0x28,
          0x74,
          0x85,
          0x86,
          0x87,
          0x29,
          0x5d,
          0x7d,
          0x6c,
          0x64,
          0x73,
          0x75,
          0x61,
          0x65,
          0x30,
          0x31,
          0x32,
          0x4e,
          0x88,
          0x89,
        )
        .map((b) => op(b)),
    },
    // the calling opcodes: REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, BINPERSID, OBJ, INST os system, STACK_GLOBAL
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        op(0x52),
        op(0x62),
        op(0x81),
        op(0x92),
        op(0x51),
        op(0x6f),
        enc.encode('ios\nsystem\n'),
        op(0x93),
      ),
    },
    // integers, including sizes that do not fit memory and negative ones
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.nat(255).map((n) => op(0x4b, n)),
        fc.integer().map((n) => {
          const b = op(0x4a, 0, 0, 0, 0);
          new DataView(b.buffer).setInt32(1, n, true);
          return b;
        }),
        fc.constant(cat([op(0x8a, 9), new Uint8Array(8), op(1)])),
        fc.constant(op(0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x40)),
      ),
    },
    // memo: BINPUT / BINGET small indices (aliasing, cycles)
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(0x71, 0x68), fc.nat(3)).map(([o, i]) => op(o, i)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }) },
  );

const programArb = fc.tuple(fc.string({ minLength: 4, maxLength: 4, unit: fc.constantFrom(...'abcdefgh') }), fc.nat()).chain(([tag]) =>
  fc.array(fragment(tag), { maxLength: 40 }).map((parts) => ({ tag, pkl: cat([op(0x80, 2), ...parts, op(0x2e)]) })),
);

const STORAGE = new Uint8Array(new Float32Array(16).fill(1).buffer);

function zipPth(pkl: Uint8Array): Uint8Array {
  return zipSync({ 'archive/data.pkl': pkl, 'archive/data/0': STORAGE, 'archive/version': enc.encode('3\n') }, { level: 0 });
}

/** Legacy layout: magic, protocol version, sys_info, the main pickle, a key list, the storages. */
function legacyPth(pkl: Uint8Array): Uint8Array {
  const magic = op(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);
  const version = op(0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e);
  const sysInfo = op(0x80, 0x02, 0x7d, 0x2e);
  const keys = cat([op(0x80, 0x02, 0x5d, 0x28), str('0'), op(0x65, 0x2e)]);
  const count = new Uint8Array(8);
  new DataView(count.buffer).setBigUint64(0, 16n, true);
  return cat([magic, version, sysInfo, pkl, keys, count, STORAGE]);
}

fc.check(
  fc.property(programArb, ({ tag, pkl }) => {
    runCase(`zip pickle program ${tag}: ${Buffer.from(pkl).toString('hex').slice(0, 160)}`, FILE, () => readPth(zipPth(pkl), FILE));
    runCase(`legacy pickle program ${tag}: ${Buffer.from(pkl).toString('hex').slice(0, 160)}`, FILE, () => readPth(legacyPth(pkl), FILE));
    return true;
  }),
  opts,
);

// Byte flips and truncations of real checkpoints (both formats), to reach the zip and storage code.
const REF = path.join(__dirname, '..', '..', 'fixtures', 'spade-reference', 'spade_layer');
const sources = ['spade.pth', 'spade_legacy.pth'].map((f) => new Uint8Array(fs.readFileSync(path.join(REF, f))));
fc.check(
  fc.property(
    fc.nat(1),
    fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(255)), { minLength: 1, maxLength: 6 }),
    fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    (which, flips, cut) => {
      const b = sources[which].slice();
      for (const [at, v] of flips) b[Math.min(b.length - 1, Math.floor(at * b.length))] = v;
      const bytes = cut === null ? b : b.subarray(0, Math.floor(cut * b.length));
      runCase(
        `${which ? 'legacy' : 'zip'} reference with ${flips.length} flipped bytes${cut === null ? '' : `, cut at ${bytes.length}`}`,
        FILE,
        () => readPth(bytes, FILE),
      );
      return true;
    },
  ),
  opts,
);

// The hand-made corpus: test/fixtures/bad/*.pth (test/model/checkpoint/pth.test.ts checks their exact messages) and pth/.
const BAD = path.join(__dirname, '..', '..', 'fixtures', 'bad');
for (const file of fs.readdirSync(BAD).filter((f) => f.endsWith('.pth'))) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(BAD, file)));
  runCase(`corpus ${file}`, file, () => readPth(bytes, file), /./);
}
export const PTH_CORPUS: Record<string, RegExp> = {
  // Pickle protocol 2 writes subprocess under its Python 2 name.
  'reduce_subprocess.pth': /non-allow-listed global '(subprocess|commands)\.Popen'/,
  'obj_opcode.pth': /non-allow-listed global 'os\.system'/,
  'build_on_type.pth': /refusing to load: BUILD on the storage type torch\.FloatStorage/,
  'reconstructor.pth': /non-allow-listed global 'copyreg\._reconstructor'/,
  'getattr_eval.pth': /non-allow-listed global 'builtins\.getattr'/,
  'newobj_ex_kwargs.pth': /NEWOBJ_EX with keyword arguments/,
  'reduce_storage_type.pth': /REDUCE on the storage type torch\.FloatStorage, which is not an allow-listed callable/,
  'ordereddict_args.pth': /collections\.OrderedDict expects 0 arguments, got 1/,
  'pid_evil_type.pth': /non-allow-listed global 'os\.system'/,
  'pid_module.pth': /unsupported persistent id 'module'/,
  'broadcast_bomb.pth': /tensor 'w' expands 1 stored elements to 1073741824/,
  'negative_size.pth': /size entry must be a non-negative integer, got -1/,
  'float_size.pth': /size entry must be a non-negative integer, got 1\.5/,
  'numel_2_63.pth': /storage '0' declares an invalid element count/,
  'tuple_chain.pth': /holds a tuple of 1, not a state dict/,
  'self_dict.pth': /checkpoint holds no tensors/,
  'frame_lie.pth': /FRAME at offset \d+ needs 1099511627776 bytes/,
  'long4_big.pth': /LONG4 integer of 100000 bytes .* is too large/,
  'protocol_6.pth': /unsupported pickle protocol 6/,
  'legacy_view_oob.pth': /storage view of '0' is out of bounds/,
};
for (const [file, want] of Object.entries(PTH_CORPUS)) {
  const bytes = new Uint8Array(fs.readFileSync(path.join(BAD, 'pth', file)));
  runCase(`corpus pth/${file}`, file, () => readPth(bytes, file), want);
}

finish();
