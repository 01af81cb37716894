/**
 * A small protocol-2 pickler: plain data plus the few calls a PyTorch state dict needs.
 *
 * It writes only what it is given as values below: None, bools, ints, strings, tuples,
 * references to named globals, calls of such globals (REDUCE), ordered dicts and persistent
 * ids. There is no way to describe arbitrary objects, so what it writes is exactly what the
 * allow-listing reader in pickle.ts (and `torch.load(weights_only=True)`) accepts, provided
 * the globals named are on that list.
 * No Node / DOM / vscode imports: this also runs in a browser.
 */
import { TORCH_ALLOW_LIST } from './pickle';

/** A module-level name, written as GLOBAL (`module\nname\n`). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
}

/** `callable(*args)`: GLOBAL, an args tuple, REDUCE. */
export class PyCall {
  constructor(readonly callable: PyGlobal, readonly args: readonly PickleValue[]) {}
}

/** `collections.OrderedDict()` filled item by item, as Python pickles one. */
export class PyOrderedDictValue {
  constructor(readonly items: ReadonlyArray<readonly [PickleValue, PickleValue]>) {}
}

/** A value the unpickler hands to its persistent_load (torch: a storage reference). */
export class PyPersistentId {
  constructor(readonly id: PickleValue) {}
}

/** JS arrays are written as tuples: a state dict holds no lists. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly PickleValue[]
  | PyGlobal
  | PyCall
  | PyOrderedDictValue
  | PyPersistentId;

const OP = {
  PROTO: 0x80, STOP: 0x2e, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, LONG1: 0x8a, BINUNICODE: 0x58,
  EMPTY_TUPLE: 0x29, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, MARK: 0x28, TUPLE: 0x74,
  GLOBAL: 0x63, REDUCE: 0x52, SETITEMS: 0x75, BINPERSID: 0x51,
} as const;

/** Python batches SETITEMS by this many pairs; readers accept any count, this keeps the stack small. */
const SETITEMS_BATCH = 1000;

/** Pickles `value` with protocol 2, ending in STOP. */
export function dumps(value: PickleValue): Uint8Array {
  const out = new ByteSink();
  out.byte(OP.PROTO);
  out.byte(2);
  write(out, value);
  out.byte(OP.STOP);
  return out.bytes();
}

export const ORDERED_DICT = new PyGlobal('collections', 'OrderedDict');

function write(out: ByteSink, v: PickleValue): void {
  if (v === null) return out.byte(OP.NONE);
  if (typeof v === 'boolean') return out.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`pickle_writer: ${v} is not an integer (floats are not needed and not written)`);
    return writeInt(out, BigInt(v));
  }
  if (typeof v === 'bigint') return writeInt(out, v);
  if (typeof v === 'string') {
    const utf8 = new TextEncoder().encode(v);
    out.byte(OP.BINUNICODE);
    out.uint32(utf8.length);
    return out.append(utf8);
  }
  if (Array.isArray(v)) return writeTuple(out, v as readonly PickleValue[]);
  if (v instanceof PyGlobal) {
    for (const part of [v.module, v.name]) {
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(part)) throw new Error(`pickle_writer: '${part}' is not a Python name`);
    }
    // We write only what our own reader would load: a checkpoint is data.
    if (!TORCH_ALLOW_LIST.has(`${v.module}.${v.name}`)) throw new Error(`pickle_writer: '${v.module}.${v.name}' is not an allow-listed global`);
    out.byte(OP.GLOBAL);
    return out.append(new TextEncoder().encode(`${v.module}\n${v.name}\n`));
  }
  if (v instanceof PyCall) {
    write(out, v.callable);
    writeTuple(out, v.args);
    return out.byte(OP.REDUCE);
  }
  if (v instanceof PyOrderedDictValue) {
    write(out, new PyCall(ORDERED_DICT, []));
    for (let i = 0; i < v.items.length; i += SETITEMS_BATCH) {
      out.byte(OP.MARK);
      for (const [key, value] of v.items.slice(i, i + SETITEMS_BATCH)) {
        write(out, key);
        write(out, value);
      }
      out.byte(OP.SETITEMS);
    }
    return;
  }
  if (v instanceof PyPersistentId) {
    write(out, v.id);
    return out.byte(OP.BINPERSID);
  }
  throw new Error(`pickle_writer: cannot pickle ${String(v)}`);
}

function writeTuple(out: ByteSink, items: readonly PickleValue[]): void {
  if (items.length === 0) return out.byte(OP.EMPTY_TUPLE);
  if (items.length <= 3) {
    for (const item of items) write(out, item);
    return out.byte([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1]);
  }
  out.byte(OP.MARK);
  for (const item of items) write(out, item);
  out.byte(OP.TUPLE);
}

/** The shortest form Python's pickler picks: BININT1, BININT2, BININT, then LONG1. */
function writeInt(out: ByteSink, n: bigint): void {
  if (n >= 0n && n < 0x100n) {
    out.byte(OP.BININT1);
    return out.byte(Number(n));
  }
  if (n >= 0n && n < 0x10000n) {
    out.byte(OP.BININT2);
    out.byte(Number(n & 0xffn));
    return out.byte(Number(n >> 8n));
  }
  if (n >= -(2n ** 31n) && n < 2n ** 31n) {
    out.byte(OP.BININT);
    return out.uint32(Number(BigInt.asUintN(32, n)));
  }
  // LONG1: little-endian two's complement in as few bytes as keep the sign.
  const bytes: number[] = [];
  let rest = n;
  for (;;) {
    bytes.push(Number(BigInt.asUintN(8, rest)));
    rest >>= 8n;
    const signBit = (bytes[bytes.length - 1] & 0x80) !== 0;
    if ((rest === 0n && !signBit) || (rest === -1n && signBit)) break;
  }
  out.byte(OP.LONG1);
  out.byte(bytes.length);
  out.append(Uint8Array.from(bytes));
}

/** A growable byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1024);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  uint32(n: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.len, n, true);
    this.len += 4;
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
