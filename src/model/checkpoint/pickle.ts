/**
 * A small, allow-list-only pickle VM for PyTorch checkpoints.
 *
 * Python's pickle is a program, not a data format: GLOBAL + REDUCE call any importable
 * function (`os.system`, `builtins.eval`, ...). This VM therefore never resolves a name
 * outside an explicit allow-list, and every allow-listed name maps to a TypeScript
 * function that only builds plain data (tensor descriptors, ordered dicts). Nothing in
 * a pickle can make it run code, touch the file system or allocate more than the input
 * justifies. It covers the opcodes `torch.save` emits (protocols 2-5) plus a few
 * harmless neighbours; everything else is refused with the opcode named.
 *
 * No Node, DOM or vscode imports: this runs in the extension host, the CLI and the webview.
 */

/** Any problem with the pickle data itself. Callers add the file name. */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

// ---------------------------------------------------------------------------------------------
// Values the VM produces
// ---------------------------------------------------------------------------------------------

/**
 * Python values map to: None → null, bool → boolean, int → number (bigint when it does not
 * fit a double exactly), float → number, str → string, bytes → Uint8Array, list → unknown[],
 * tuple → frozen unknown[] (see isTuple), dict → Map, OrderedDict → PyOrderedDict, and
 * allow-listed globals / their results → the classes below.
 */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

export function isList(value: unknown): value is unknown[] {
  return Array.isArray(value) && !Object.isFrozen(value);
}

function tuple(items: unknown[]): readonly unknown[] {
  return Object.freeze(items);
}

/** `collections.OrderedDict`. `attributes` receives the BUILD state (torch stores `_metadata` there). */
export class PyOrderedDict extends Map<unknown, unknown> {
  readonly attributes = new Map<unknown, unknown>();
}

/** An allow-listed callable: the only thing REDUCE / NEWOBJ may call. */
export class PyCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly unknown[]) => unknown,
  ) {}
}

/** Element types of torch storages, named like safetensors dtypes. */
export type TorchDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_ITEM_SIZE: Readonly<Record<TorchDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/**
 * A storage class such as `torch.FloatStorage`. Pickles only use these as type tags inside
 * persistent ids, so this is a marker, not a callable: REDUCE on it is refused.
 */
export class TorchStorageType {
  constructor(
    readonly qualifiedName: string,
    readonly dtype: TorchDType,
  ) {}
}

/**
 * A storage as the checkpoint reader's persistent-id hook describes it: `numel` elements of
 * `dtype` starting `elementOffset` elements into the raw bytes stored under `key`
 * (a nonzero offset only happens for legacy storage views). Only that hook creates these, so
 * a pickle cannot forge one.
 */
export class TorchStorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDType,
    readonly numel: number,
    readonly elementOffset = 0,
  ) {}
}

/** What `torch._utils._rebuild_tensor_v2` describes: a strided view into a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    readonly storageOffset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

// ---------------------------------------------------------------------------------------------
// The allow-list
// ---------------------------------------------------------------------------------------------

export type AllowListEntry = PyCallable | TorchStorageType;

const STORAGE_DTYPES: ReadonlyArray<[string, TorchDType]> = [
  ['DoubleStorage', 'F64'], ['FloatStorage', 'F32'], ['HalfStorage', 'F16'],
  ['BFloat16Storage', 'BF16'], ['LongStorage', 'I64'], ['IntStorage', 'I32'],
  ['ShortStorage', 'I16'], ['CharStorage', 'I8'], ['ByteStorage', 'U8'], ['BoolStorage', 'BOOL'],
];

function expectArgs(name: string, args: readonly unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min}-${max}`;
    throw new PickleError(`${name} expects ${want} arguments, got ${args.length}`);
  }
}

function expectIndex(name: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new PickleError(`${name}: ${what} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

function expectIndexTuple(name: string, what: string, value: unknown): number[] {
  if (!isTuple(value)) throw new PickleError(`${name}: ${what} must be a tuple, got ${describe(value)}`);
  return value.map((v) => expectIndex(name, `${what} entry`, v));
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])` and v1. */
function rebuildTensor(name: string, args: readonly unknown[], min: number, max: number): TorchTensorRef {
  expectArgs(name, args, min, max);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorageRef)) {
    throw new PickleError(`${name}: first argument must be a storage, got ${describe(storage)}`);
  }
  const shape = expectIndexTuple(name, 'size', size);
  const strides = expectIndexTuple(name, 'stride', stride);
  if (shape.length !== strides.length) {
    throw new PickleError(`${name}: size has ${shape.length} dims but stride has ${strides.length}`);
  }
  // requires_grad, backward hooks and metadata do not affect the values: ignored.
  return new TorchTensorRef(storage, expectIndex(name, 'storage offset', offset), shape, strides);
}

/** `_rebuild_parameter(data, requires_grad, hooks[, state])`: a Parameter is just its tensor here. */
function rebuildParameter(name: string, args: readonly unknown[], arity: number): TorchTensorRef {
  expectArgs(name, args, arity, arity);
  if (!(args[0] instanceof TorchTensorRef)) {
    throw new PickleError(`${name}: first argument must be a tensor, got ${describe(args[0])}`);
  }
  return args[0];
}

function makeTorchAllowList(): Map<string, AllowListEntry> {
  const list = new Map<string, AllowListEntry>();
  const add = (qualifiedName: string, call: (name: string, args: readonly unknown[]) => unknown) =>
    list.set(qualifiedName, new PyCallable(qualifiedName, (args) => call(qualifiedName, args)));

  add('collections.OrderedDict', (name, args) => {
    // Python's OrderedDict.__reduce__ always passes no arguments; items follow via SETITEMS.
    expectArgs(name, args, 0, 0);
    return new PyOrderedDict();
  });
  add('torch._utils._rebuild_tensor_v2', (name, args) => rebuildTensor(name, args, 6, 7));
  add('torch._utils._rebuild_tensor', (name, args) => rebuildTensor(name, args, 4, 4));
  add('torch._utils._rebuild_parameter', (name, args) => rebuildParameter(name, args, 3));
  add('torch._utils._rebuild_parameter_with_state', (name, args) => rebuildParameter(name, args, 4));

  // Storage classes are pure type tags. `torch.cuda.*Storage` appears in checkpoints saved
  // from GPU tensors by old torch versions; the bytes on disk are the same.
  for (const [cls, dtype] of STORAGE_DTYPES) {
    for (const module of ['torch', 'torch.cuda']) {
      list.set(`${module}.${cls}`, new TorchStorageType(`${module}.${cls}`, dtype));
    }
  }
  return list;
}

/** The names a PyTorch state dict may reference. Everything else is refused. */
export const TORCH_ALLOW_LIST: ReadonlyMap<string, AllowListEntry> = makeTorchAllowList();

// ---------------------------------------------------------------------------------------------
// The VM
// ---------------------------------------------------------------------------------------------

export interface UnpickleOptions {
  /** Resolves BINPERSID ids (torch: storages). Without it, persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Names GLOBAL / STACK_GLOBAL may resolve. Default: TORCH_ALLOW_LIST. Pass an empty map for pure data. */
  allowList?: ReadonlyMap<string, AllowListEntry>;
  /** Cap on the value stack and on the number of open MARKs. Default 10,000. */
  maxDepth?: number;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode: where the next pickle in the stream starts. */
  end: number;
}

/**
 * Unpickles one pickle starting at `start`. Throws PickleError on anything malformed,
 * truncated, too deep, or referencing a name outside the allow-list.
 */
export function unpickle(bytes: Uint8Array, start = 0, options: UnpickleOptions = {}): UnpickleResult {
  return new Unpickler(bytes, start, options).run();
}

/** Opcodes, as in CPython's Lib/pickle.py. */
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32,
  BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, BINFLOAT: 0x47,
  LONG1: 0x8a, LONG4: 0x8b, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89,
  BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d,
  BINBYTES: 0x42, SHORT_BINBYTES: 0x43, BINBYTES8: 0x8e,
  EMPTY_TUPLE: 0x29, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  EMPTY_LIST: 0x5d, LIST: 0x6c, APPEND: 0x61, APPENDS: 0x65,
  EMPTY_DICT: 0x7d, DICT: 0x64, SETITEM: 0x73, SETITEMS: 0x75,
  BINPUT: 0x71, LONG_BINPUT: 0x72, MEMOIZE: 0x94, BINGET: 0x68, LONG_BINGET: 0x6a,
  GLOBAL: 0x63, STACK_GLOBAL: 0x93, REDUCE: 0x52, BUILD: 0x62, NEWOBJ: 0x81, NEWOBJ_EX: 0x92,
  BINPERSID: 0x51, PROTO: 0x80, FRAME: 0x95,
  // Refused with a specific reason (see REFUSED).
  INST: 0x69, OBJ: 0x6f, PERSID: 0x50, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84,
  NEXT_BUFFER: 0x97, READONLY_BUFFER: 0x98,
} as const;

const REFUSED: ReadonlyMap<number, string> = new Map([
  [OP.INST, 'refusing to load: pickle uses the INST opcode, which instantiates arbitrary classes'],
  [OP.OBJ, 'refusing to load: pickle uses the OBJ opcode, which instantiates arbitrary classes'],
  [OP.EXT1, 'refusing to load: pickle uses the extension registry (EXT1)'],
  [OP.EXT2, 'refusing to load: pickle uses the extension registry (EXT2)'],
  [OP.EXT4, 'refusing to load: pickle uses the extension registry (EXT4)'],
  [OP.PERSID, 'unsupported pickle opcode PERSID (text persistent id); torch writes BINPERSID'],
  [OP.NEXT_BUFFER, 'unsupported pickle opcode NEXT_BUFFER (out-of-band buffers)'],
  [OP.READONLY_BUFFER, 'unsupported pickle opcode READONLY_BUFFER (out-of-band buffers)'],
]);

const OPCODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([k, v]) => [v, k]));

const HIGHEST_PROTOCOL = 5;
/** Longest module / name line GLOBAL may read: real names are far shorter. */
const MAX_GLOBAL_LINE = 1024;
/** Longest LONG4 integer, in bytes. torch never writes LONG4; this only stops CPU-burning bigints. */
const MAX_LONG_BYTES = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A short description of a value for error messages. Never recurses, so cyclic or deep values are safe. */
export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (isTuple(value)) return `a tuple of ${value.length}`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof PyOrderedDict) return `an OrderedDict of ${value.size}`;
  if (value instanceof Map) return `a dict of ${value.size}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value instanceof PyCallable) return `the callable ${value.qualifiedName}`;
  if (value instanceof TorchStorageType) return `the storage type ${value.qualifiedName}`;
  if (value instanceof TorchStorageRef) return `a storage`;
  if (value instanceof TorchTensorRef) return `a tensor`;
  return typeof value;
}

class Unpickler {
  private pos: number;
  /** Offset of the opcode being executed, for error messages. */
  private opStart = 0;
  private readonly stack: unknown[] = [];
  /** Stack heights at each open MARK (CPython keeps a stack of lists; indices are equivalent). */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly allowList: ReadonlyMap<string, AllowListEntry>;
  private readonly maxDepth: number;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly options: UnpickleOptions,
  ) {
    this.pos = start;
    this.allowList = options.allowList ?? TORCH_ALLOW_LIST;
    this.maxDepth = options.maxDepth ?? 10_000;
  }

  run(): UnpickleResult {
    for (;;) {
      const at = (this.opStart = this.pos);
      if (at >= this.bytes.length) throw new PickleError(`pickle data truncated at offset ${at} (no STOP opcode)`);
      const op = this.bytes[this.pos++];
      if (op === OP.STOP) return { value: this.pop('STOP'), end: this.pos };
      this.step(op, at);
    }
  }

  // --- bounded reads: every read checks the remaining length first --------------------------

  private need(n: number, what: string): void {
    const remaining = this.bytes.length - this.pos;
    if (n > remaining) {
      throw new PickleError(
        `pickle data truncated: ${what} at offset ${this.opStart} needs ${n} bytes but only ${remaining} remain`,
      );
    }
  }

  private uint(n: 1 | 2 | 4, what: string): number {
    this.need(n, what);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.bytes[this.pos + i];
    this.pos += n;
    return v;
  }

  /** An unsigned 64-bit little-endian length; anything beyond 2^53 cannot fit in memory anyway. */
  private u64(what: string): number {
    const lo = this.uint(4, what);
    const hi = this.uint(4, what);
    if (hi >= 2 ** 21) throw new PickleError(`${what} at offset ${this.opStart} is impossibly large`);
    return hi * 2 ** 32 + lo;
  }

  private take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private text(n: number, what: string): string {
    const raw = this.take(n, what);
    try {
      return utf8.decode(raw);
    } catch {
      throw new PickleError(`${what} at offset ${this.opStart} is not valid UTF-8`);
    }
  }

  /** A newline-terminated line (GLOBAL operands), bounded so a missing newline cannot scan far. */
  private line(what: string): string {
    const window = this.bytes.subarray(this.pos, this.pos + MAX_GLOBAL_LINE);
    const length = window.indexOf(0x0a);
    if (length < 0) {
      if (window.length < MAX_GLOBAL_LINE) this.need(window.length + 1, what); // ran off the end
      throw new PickleError(`${what} at offset ${this.opStart} is longer than ${MAX_GLOBAL_LINE} bytes`);
    }
    const s = this.text(length, what);
    this.pos++; // the newline
    return s;
  }

  // --- stack discipline ----------------------------------------------------------------------

  private push(value: unknown): void {
    if (this.stack.length >= this.maxDepth) {
      throw new PickleError(`pickle nests too deeply (stack exceeds ${this.maxDepth} entries)`);
    }
    this.stack.push(value);
  }

  /**
   * Like CPython, values below the most recent MARK are out of reach until that MARK is
   * consumed: a pop or peek that would cross it is a stack underflow.
   */
  private ensureValue(what: string): void {
    const fence = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= fence) throw new PickleError(`stack underflow: ${what} needs a value`);
  }

  private pop(what: string): unknown {
    this.ensureValue(what);
    return this.stack.pop();
  }

  private top(what: string): unknown {
    this.ensureValue(what);
    return this.stack[this.stack.length - 1];
  }

  private mark(): void {
    if (this.marks.length >= this.maxDepth) {
      throw new PickleError(`pickle nests too deeply (more than ${this.maxDepth} open MARKs)`);
    }
    this.marks.push(this.stack.length);
  }

  /** Pops everything above the most recent MARK. */
  private popMark(what: string): unknown[] {
    const height = this.marks.pop();
    if (height === undefined) throw new PickleError(`${what} without a matching MARK`);
    return this.stack.splice(height);
  }

  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) throw new PickleError(`memo entry ${index} is read before it is written`);
    return this.memo.get(index);
  }

  // --- the opcodes -----------------------------------------------------------------------------

  private step(op: number, at: number): void {
    switch (op) {
      case OP.PROTO: {
        const version = this.uint(1, 'PROTO version');
        if (version > HIGHEST_PROTOCOL) throw new PickleError(`unsupported pickle protocol ${version}`);
        return;
      }
      case OP.FRAME: {
        // Framing only groups opcodes for buffered I/O; the data is already in memory.
        const size = this.u64('FRAME size');
        this.need(size, 'FRAME');
        return;
      }
      case OP.MARK: return this.mark();
      case OP.POP: {
        // POP right after MARK pops the mark (CPython semantics).
        if (this.marks.length && this.marks[this.marks.length - 1] === this.stack.length) this.marks.pop();
        else this.pop('POP');
        return;
      }
      case OP.POP_MARK: { this.popMark('POP_MARK'); return; }
      case OP.DUP: return this.push(this.top('DUP'));

      case OP.NONE: return this.push(null);
      case OP.NEWTRUE: return this.push(true);
      case OP.NEWFALSE: return this.push(false);
      case OP.BININT1: return this.push(this.uint(1, 'BININT1'));
      case OP.BININT2: return this.push(this.uint(2, 'BININT2'));
      case OP.BININT: return this.push(this.uint(4, 'BININT') | 0); // signed 32-bit
      case OP.LONG1: return this.push(this.long(this.uint(1, 'LONG1 length')));
      case OP.LONG4: {
        const n = this.uint(4, 'LONG4 length');
        if (n > MAX_LONG_BYTES) throw new PickleError(`LONG4 integer of ${n} bytes at offset ${at} is too large`);
        return this.push(this.long(n));
      }
      case OP.BINFLOAT: {
        // The only big-endian value in the format.
        const raw = this.take(8, 'BINFLOAT');
        return this.push(new DataView(raw.buffer, raw.byteOffset, 8).getFloat64(0, false));
      }

      case OP.SHORT_BINUNICODE: return this.push(this.text(this.uint(1, 'SHORT_BINUNICODE length'), 'SHORT_BINUNICODE'));
      case OP.BINUNICODE: return this.push(this.text(this.uint(4, 'BINUNICODE length'), 'BINUNICODE'));
      case OP.BINUNICODE8: return this.push(this.text(this.u64('BINUNICODE8 length'), 'BINUNICODE8'));
      // Python 2 `str`. torch.load decodes these as UTF-8 by default, so do we.
      case OP.SHORT_BINSTRING: return this.push(this.text(this.uint(1, 'SHORT_BINSTRING length'), 'SHORT_BINSTRING'));
      case OP.BINSTRING: {
        const n = this.uint(4, 'BINSTRING length') | 0; // signed in the format
        if (n < 0) throw new PickleError(`BINSTRING at offset ${at} has a negative length`);
        return this.push(this.text(n, 'BINSTRING'));
      }
      case OP.SHORT_BINBYTES: return this.push(this.take(this.uint(1, 'SHORT_BINBYTES length'), 'SHORT_BINBYTES'));
      case OP.BINBYTES: return this.push(this.take(this.uint(4, 'BINBYTES length'), 'BINBYTES'));
      case OP.BINBYTES8: return this.push(this.take(this.u64('BINBYTES8 length'), 'BINBYTES8'));

      case OP.EMPTY_TUPLE: return this.push(tuple([]));
      case OP.TUPLE: return this.push(tuple(this.popMark('TUPLE')));
      case OP.TUPLE1: case OP.TUPLE2: case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop(OPCODE_NAMES.get(op) ?? 'TUPLE'));
        return this.push(tuple(items));
      }
      case OP.EMPTY_LIST: return this.push([]);
      case OP.LIST: return this.push(this.popMark('LIST'));
      case OP.APPEND: {
        const item = this.pop('APPEND');
        this.listAt('APPEND').push(item);
        return;
      }
      case OP.APPENDS: {
        const items = this.popMark('APPENDS');
        const list = this.listAt('APPENDS');
        for (const item of items) list.push(item);
        return;
      }
      case OP.EMPTY_DICT: return this.push(new Map<unknown, unknown>());
      case OP.DICT: {
        const dict = new Map<unknown, unknown>();
        this.setItems(dict, this.popMark('DICT'), 'DICT');
        return this.push(dict);
      }
      case OP.SETITEM: {
        const value = this.pop('SETITEM');
        const key = this.pop('SETITEM');
        this.dictAt('SETITEM').set(key, value);
        return;
      }
      case OP.SETITEMS: {
        const items = this.popMark('SETITEMS');
        this.setItems(this.dictAt('SETITEMS'), items, 'SETITEMS');
        return;
      }

      case OP.BINPUT: this.memo.set(this.uint(1, 'BINPUT index'), this.top('BINPUT')); return;
      case OP.LONG_BINPUT: this.memo.set(this.uint(4, 'LONG_BINPUT index'), this.top('LONG_BINPUT')); return;
      case OP.MEMOIZE: this.memo.set(this.memo.size, this.top('MEMOIZE')); return;
      case OP.BINGET: return this.push(this.memoGet(this.uint(1, 'BINGET index')));
      case OP.LONG_BINGET: return this.push(this.memoGet(this.uint(4, 'LONG_BINGET index')));

      case OP.GLOBAL: {
        const module = this.line('GLOBAL module');
        const name = this.line('GLOBAL name');
        return this.push(this.resolveGlobal(module, name));
      }
      case OP.STACK_GLOBAL: {
        const name = this.pop('STACK_GLOBAL');
        const module = this.pop('STACK_GLOBAL');
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new PickleError(`STACK_GLOBAL at offset ${at} needs two strings`);
        }
        return this.push(this.resolveGlobal(module, name));
      }
      case OP.REDUCE: {
        const args = this.pop('REDUCE');
        return this.push(this.callAllowListed(this.pop('REDUCE'), args, 'REDUCE'));
      }
      case OP.NEWOBJ: {
        // cls.__new__(cls, *args): for allow-listed classes this is the same as calling them.
        const args = this.pop('NEWOBJ');
        return this.push(this.callAllowListed(this.pop('NEWOBJ'), args, 'NEWOBJ'));
      }
      case OP.NEWOBJ_EX: {
        const kwargs = this.pop('NEWOBJ_EX');
        const args = this.pop('NEWOBJ_EX');
        const cls = this.pop('NEWOBJ_EX');
        if (!(kwargs instanceof Map) || kwargs.size !== 0) {
          throw new PickleError('refusing to load: NEWOBJ_EX with keyword arguments');
        }
        return this.push(this.callAllowListed(cls, args, 'NEWOBJ_EX'));
      }
      case OP.BUILD: {
        const state = this.pop('BUILD');
        this.build(this.top('BUILD'), state);
        return;
      }
      case OP.BINPERSID: {
        const pid = this.pop('BINPERSID');
        const load = this.options.persistentLoad;
        if (!load) throw new PickleError(`unexpected persistent id at offset ${at}`);
        return this.push(load(pid));
      }
      default: {
        const hex = `0x${op.toString(16).padStart(2, '0')}`;
        const reason = REFUSED.get(op);
        throw new PickleError(reason ? `${reason} (opcode ${hex} at offset ${at})` : `unsupported pickle opcode ${hex} at offset ${at}`);
      }
    }
  }

  /** LONG1 / LONG4 payload: little-endian two's complement. */
  private long(n: number): number | bigint {
    const raw = this.take(n, 'LONG');
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
    if (raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    const asNumber = Number(v);
    return Number.isSafeInteger(asNumber) ? asNumber : v;
  }

  private listAt(what: string): unknown[] {
    const list = this.top(what);
    if (!isList(list)) throw new PickleError(`${what} on ${describe(list)}, not a list`);
    return list;
  }

  private dictAt(what: string): Map<unknown, unknown> {
    const dict = this.top(what);
    if (!(dict instanceof Map)) throw new PickleError(`${what} on ${describe(dict)}, not a dict`);
    return dict;
  }

  private setItems(dict: Map<unknown, unknown>, items: unknown[], what: string): void {
    if (items.length % 2) throw new PickleError(`${what} with an odd number of items`);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  /** The security gate: only names in the allow-list resolve, to inert TypeScript objects. */
  private resolveGlobal(module: string, name: string): AllowListEntry {
    const qualifiedName = `${module}.${name}`;
    const entry = this.allowList.get(qualifiedName);
    if (!entry) {
      throw new PickleError(`refusing to load: pickle references a non-allow-listed global '${qualifiedName}'`);
    }
    return entry;
  }

  private callAllowListed(callable: unknown, args: unknown, what: string): unknown {
    if (!(callable instanceof PyCallable)) {
      throw new PickleError(`refusing to load: ${what} on ${describe(callable)}, which is not an allow-listed callable`);
    }
    if (!isTuple(args)) throw new PickleError(`${what} of ${callable.qualifiedName} with ${describe(args)} instead of an argument tuple`);
    return callable.call(args);
  }

  /**
   * BUILD sets an object's state. Only OrderedDict accepts it, and only as inert attributes:
   * torch pickles `state_dict._metadata` (per-module version numbers) this way.
   */
  private build(target: unknown, state: unknown): void {
    if (!(target instanceof PyOrderedDict)) {
      throw new PickleError(`refusing to load: BUILD on ${describe(target)}, which is not an allow-listed object`);
    }
    // A (dict state, slot state) pair is also legal; OrderedDict has no slots.
    const dictState = isTuple(state) && state.length === 2 && state[1] === null ? state[0] : state;
    if (dictState === null) return;
    if (!(dictState instanceof Map)) throw new PickleError(`BUILD of an OrderedDict with ${describe(state)}`);
    for (const [k, v] of dictState) target.attributes.set(k, v);
  }
}
