/**
 * Reader for PyTorch checkpoints written by `torch.save(state_dict)`, in both on-disk formats:
 *
 *  - zip (torch >= 1.6): `<prefix>/data.pkl` plus one `<prefix>/data/<key>` entry per storage;
 *  - legacy (torch < 1.6, e.g. the 2019 NVlabs/SPADE checkpoints): five things back to back:
 *    the magic-number pickle, the protocol-version pickle, a sys_info pickle, the main pickle,
 *    a pickle listing storage keys, then for each key an 8-byte little-endian element count
 *    followed by the raw elements.
 *
 * Pickles go through the allow-list-only VM in pickle.ts, so a checkpoint can describe tensors
 * but never run code. Every failure is a one-line SpadeInputError naming the file.
 * No Node / DOM / vscode imports: bytes in, tensors out, so this also runs in a browser.
 */
import { unzipSync } from 'fflate';

import { SpadeInputError } from '../errors';
import { bfloat16ToFloat, halfToFloat } from './half';
import type { HostTensor, NamedTensors } from './host_tensor';
import { numel } from './host_tensor';
import {
  DTYPE_ITEM_SIZE,
  PickleError,
  type TorchDType,
  TorchStorageRef,
  TorchStorageType,
  TorchTensorRef,
  describe,
  isList,
  isTuple,
  unpickle,
} from './pickle';

/** Reads a `.pth` file's bytes into named float32 tensors (PyTorch layout, state-dict order). */
export function readPth(bytes: Uint8Array, fileName: string): NamedTensors {
  try {
    if (bytes.length === 0) throw new PthError('empty file');
    const checkpoint = startsWith(bytes, ZIP_LOCAL_HEADER) || startsWith(bytes, ZIP_EMPTY_ARCHIVE)
      ? readZipCheckpoint(bytes)
      : readLegacyCheckpoint(bytes);
    return toNamedTensors(checkpoint);
  } catch (e) {
    if (e instanceof PthError || e instanceof PickleError) throw new SpadeInputError(e.message, fileName);
    throw e;
  }
}

/** A problem with the file; readPth adds the file name. */
class PthError extends Error {}

/** The unpickled object plus the raw bytes of every storage it references, by storage key. */
interface Checkpoint {
  root: unknown;
  storages: Map<string, Uint8Array>;
  littleEndian: boolean;
}

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY_ARCHIVE = [0x50, 0x4b, 0x05, 0x06];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

// ---------------------------------------------------------------------------------------------
// Storage bookkeeping shared by both formats
// ---------------------------------------------------------------------------------------------

/** Storages declared by persistent ids, keyed by root storage key. */
class StorageTable {
  readonly roots = new Map<string, TorchStorageRef>();

  /** Registers (or re-finds) a root storage; a key seen twice must agree on dtype and size. */
  root(key: unknown, type: unknown, count: unknown): TorchStorageRef {
    if (typeof key !== 'string') throw new PthError(`storage key is ${describe(key)}, not a string`);
    if (!(type instanceof TorchStorageType)) {
      throw new PthError(`storage '${key}' has type ${describe(type)}, not a torch storage class`);
    }
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new PthError(`storage '${key}' declares an invalid element count ${describe(count)}`);
    }
    const seen = this.roots.get(key);
    if (seen) {
      if (seen.dtype !== type.dtype || seen.numel !== count) {
        throw new PthError(`storage '${key}' is declared twice with different types or sizes`);
      }
      return seen;
    }
    const ref = new TorchStorageRef(key, type.dtype, count);
    this.roots.set(key, ref);
    return ref;
  }

  byteLength(ref: TorchStorageRef): number {
    return ref.numel * DTYPE_ITEM_SIZE[ref.dtype];
  }
}

/** Splits a persistent id `('storage', type, key, location, numel, ...)` and checks its tag. */
function storagePid(pid: unknown, expectedLength: number): readonly unknown[] {
  if (!isTuple(pid) || pid[0] !== 'storage') {
    const tag = isTuple(pid) ? describe(pid[0]) : describe(pid);
    throw new PthError(`unsupported persistent id ${tag} (only tensor storages are supported; ` +
      'was this saved with torch.save(model) instead of torch.save(model.state_dict())?)');
  }
  if (pid.length !== expectedLength) {
    throw new PthError(`storage persistent id has ${pid.length} fields, expected ${expectedLength}`);
  }
  return pid;
}

// ---------------------------------------------------------------------------------------------
// Zip format
// ---------------------------------------------------------------------------------------------

interface ZipEntryInfo {
  size: number;
  originalSize: number;
  compression: number;
}

/** Deflate cannot expand data by more than ~1032x; a larger claim is a lie (or a zip bomb). */
const MAX_DEFLATE_RATIO = 1032;

function readZipCheckpoint(bytes: Uint8Array): Checkpoint {
  checkZipDirectory(bytes);
  const entries = listZip(bytes);
  const pklName = findDataPkl(entries);
  const prefix = pklName.slice(0, -'data.pkl'.length);

  const meta = extractZip(bytes, entries, new Set([pklName, `${prefix}byteorder`]));
  const littleEndian = parseByteOrder(meta.get(`${prefix}byteorder`));

  const table = new StorageTable();
  // Zip pids are ('storage', type, key, location, numel); the data lives in a separate entry.
  const persistentLoad = (pid: unknown) => {
    const [, type, key, , count] = storagePid(pid, 5);
    return table.root(key, type, count);
  };
  const pkl = meta.get(pklName);
  if (!pkl) throw new PthError(`zip entry '${pklName}' could not be read`);
  const root = unpickle(pkl, 0, { persistentLoad }).value;

  const storages = readZipStorages(bytes, entries, prefix, table);
  return { root, storages, littleEndian };
}

/** Names `<prefix>/data/<key>` for every referenced storage and checks sizes before extracting. */
function readZipStorages(
  bytes: Uint8Array, entries: Map<string, ZipEntryInfo>, prefix: string, table: StorageTable,
): Map<string, Uint8Array> {
  const wanted = new Map<string, TorchStorageRef>();
  for (const ref of table.roots.values()) {
    const name = `${prefix}data/${ref.key}`;
    const info = entries.get(name);
    if (!info) throw new PthError(`storage '${ref.key}' is referenced but the archive has no '${name}'`);
    const expected = table.byteLength(ref);
    if (info.originalSize !== expected) {
      throw new PthError(`storage '${ref.key}' declares ${ref.numel} elements (${expected} bytes) ` +
        `but its zip entry holds ${info.originalSize} bytes`);
    }
    wanted.set(name, ref);
  }
  const data = extractZip(bytes, entries, new Set(wanted.keys()));
  const storages = new Map<string, Uint8Array>();
  for (const [name, ref] of wanted) storages.set(ref.key, data.get(name) ?? new Uint8Array(0));
  return storages;
}

/**
 * fflate trusts the end-of-central-directory record; a hostile one could make it loop over
 * billions of phantom entries. Check it is present and plausible first. A missing record is
 * what a truncated download looks like.
 */
function checkZipDirectory(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(bytes, view);
  if (eocd < 0) throw new PthError('truncated zip archive (no end-of-central-directory record)');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  // Zip64: a locator 20 bytes before the EOCD points at the zip64 EOCD with 64-bit fields.
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 > bytes.length || view.getUint32(z64, true) !== 0x06064b50) {
      throw new PthError('corrupt zip archive (bad zip64 end-of-central-directory record)');
    }
    count = Number(view.getBigUint64(z64 + 32, true));
    offset = Number(view.getBigUint64(z64 + 48, true));
  }
  const CENTRAL_HEADER_SIZE = 46;
  if (offset > bytes.length || count * CENTRAL_HEADER_SIZE > bytes.length - offset) {
    throw new PthError(`truncated zip archive (directory of ${count} entries does not fit in the file)`);
  }
}

/** The EOCD record sits in the last 22 + 65535 (comment) bytes. */
function findEocd(bytes: Uint8Array, view: DataView): number {
  const EOCD_SIZE = 22;
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - 0xffff);
  for (let i = bytes.length - EOCD_SIZE; i >= lowest; i--) {
    if (view.getUint32(i, true) === 0x06054b50) return i;
  }
  return -1;
}

function listZip(bytes: Uint8Array): Map<string, ZipEntryInfo> {
  const entries = new Map<string, ZipEntryInfo>();
  withFflate(() => unzipSync(bytes, {
    filter: (f) => {
      entries.set(f.name, { size: f.size, originalSize: f.originalSize, compression: f.compression });
      return false; // list only; nothing is extracted yet
    },
  }));
  return entries;
}

/** Extracts the named entries, checking sizes and compression before fflate allocates anything. */
function extractZip(bytes: Uint8Array, entries: Map<string, ZipEntryInfo>, names: Set<string>): Map<string, Uint8Array> {
  for (const name of names) {
    const info = entries.get(name);
    if (info) checkZipEntry(bytes, name, info);
  }
  const files = withFflate(() => unzipSync(bytes, { filter: (f) => names.has(f.name) }));
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    const info = entries.get(name);
    // fflate silently returns short data when an entry runs past the end of the file.
    if (!info || data.length !== info.originalSize) {
      throw new PthError(`truncated zip archive (entry '${name}' is incomplete)`);
    }
    out.set(name, data);
  }
  return out;
}

function checkZipEntry(bytes: Uint8Array, name: string, info: ZipEntryInfo): void {
  if (info.compression === 0) {
    if (info.size !== info.originalSize || info.size > bytes.length) {
      throw new PthError(`corrupt zip archive (entry '${name}' declares ${info.originalSize} bytes)`);
    }
  } else if (info.compression === 8) {
    if (info.size > bytes.length || info.originalSize > info.size * MAX_DEFLATE_RATIO + 1024) {
      throw new PthError(`corrupt zip archive (entry '${name}' claims ${info.originalSize} bytes ` +
        `from ${info.size} compressed bytes)`);
    }
  } else {
    throw new PthError(`zip entry '${name}' uses unsupported compression method ${info.compression}`);
  }
}

function withFflate<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PthError) throw e;
    throw new PthError(`corrupt zip archive (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** torch names the root folder after the file (or `archive`); exactly one `data.pkl` must exist. */
function findDataPkl(entries: Map<string, ZipEntryInfo>): string {
  const candidates = [...entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
  if (candidates.length === 0) throw new PthError('zip archive has no data.pkl: not a PyTorch checkpoint');
  if (candidates.length > 1) throw new PthError(`zip archive has ${candidates.length} data.pkl entries`);
  return candidates[0];
}

/** Newer torch records the writer's byte order; older files have no entry and are little-endian. */
function parseByteOrder(raw: Uint8Array | undefined): boolean {
  if (!raw) return true;
  const text = new TextDecoder().decode(raw).trim();
  if (text === 'little') return true;
  if (text === 'big') return false;
  throw new PthError(`unknown byteorder '${text.slice(0, 20)}'`);
}

// ---------------------------------------------------------------------------------------------
// Legacy format
// ---------------------------------------------------------------------------------------------

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

function readLegacyCheckpoint(bytes: Uint8Array): Checkpoint {
  const table = new StorageTable();
  const views = new Map<string, TorchStorageRef>();
  const persistentLoad = (pid: unknown) => legacyStorage(storagePid(pid, 6), table, views);
  const main = unpickle(bytes, readLegacyHeader(bytes), { persistentLoad });
  // The key list is plain data: an empty allow-list means no name may be resolved there.
  const keys = unpickle(bytes, main.end, { allowList: new Map() });
  if (!isList(keys.value) || !keys.value.every((k): k is string => typeof k === 'string')) {
    throw new PthError(`legacy storage key list is ${describe(keys.value)}, not a list of strings`);
  }
  const storages = readLegacyStorages(bytes, keys.end, keys.value, table);
  // Legacy storage data is always written little-endian, whatever sys_info says.
  return { root: main.value, storages, littleEndian: true };
}

/** Checks magic number and protocol version, skips sys_info; returns where the main pickle starts. */
function readLegacyHeader(bytes: Uint8Array): number {
  const notCheckpoint = 'not a PyTorch checkpoint (no zip signature and no legacy magic number)';
  const plain = { allowList: new Map() };
  // Every pickle of protocol >= 2 starts with PROTO (0x80); anything else is not ours.
  if (bytes[0] !== 0x80) throw new PthError(notCheckpoint);
  let magic;
  try {
    magic = unpickle(bytes, 0, plain);
  } catch {
    throw new PthError(notCheckpoint);
  }
  if (magic.value !== LEGACY_MAGIC) throw new PthError(notCheckpoint);
  const version = unpickle(bytes, magic.end, plain);
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw new PthError(`unsupported legacy checkpoint protocol version ${describe(version.value)}`);
  }
  return unpickle(bytes, version.end, plain).end; // sys_info: informational only
}

/**
 * Legacy pids are ('storage', type, root_key, location, numel, view_metadata); view_metadata is
 * None or (view_key, offset, view_size) for a slice of the root storage (very old torch).
 */
function legacyStorage(
  pid: readonly unknown[], table: StorageTable, views: Map<string, TorchStorageRef>,
): TorchStorageRef {
  const [, type, key, , count, view] = pid;
  const root = table.root(key, type, count);
  if (view === null) return root;
  if (!isTuple(view) || view.length !== 3) throw new PthError(`storage view metadata is ${describe(view)}`);
  const [viewKey, offset, size] = view;
  if (typeof viewKey !== 'string' || !isIndex(offset) || !isIndex(size) || offset + size > root.numel) {
    throw new PthError(`storage view of '${root.key}' is out of bounds or malformed`);
  }
  let ref = views.get(viewKey);
  if (!ref) {
    ref = new TorchStorageRef(root.key, root.dtype, size, offset);
    views.set(viewKey, ref);
  }
  return ref;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Each storage, in key-list order: int64 element count, then the elements. */
function readLegacyStorages(
  bytes: Uint8Array, start: number, keys: readonly string[], table: StorageTable,
): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let pos = start;
  for (const key of keys) {
    const ref = table.roots.get(key);
    if (!ref) throw new PthError(`storage list names '${key}', which the pickle never references`);
    if (storages.has(key)) throw new PthError(`storage '${key}' is listed twice`);
    if (bytes.length - pos < 8) throw new PthError(`truncated file: storage '${key}' has no size header`);
    const count = Number(view.getBigUint64(pos, true));
    pos += 8;
    const itemSize = DTYPE_ITEM_SIZE[ref.dtype];
    const remaining = bytes.length - pos;
    if (count * itemSize > remaining) {
      throw new PthError(`storage '${key}' declares ${count} elements but only ${remaining} bytes remain`);
    }
    if (count !== ref.numel) {
      throw new PthError(`storage '${key}' holds ${count} elements but the pickle declares ${ref.numel}`);
    }
    storages.set(key, bytes.subarray(pos, pos + count * itemSize));
    pos += count * itemSize;
  }
  for (const key of table.roots.keys()) {
    if (!storages.has(key)) throw new PthError(`storage '${key}' is referenced but has no data`);
  }
  return storages;
}

// ---------------------------------------------------------------------------------------------
// From the unpickled object to named tensors
// ---------------------------------------------------------------------------------------------

/** Keys under which training scripts commonly nest the actual state dict. */
const NESTED_STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model'];

function toNamedTensors(checkpoint: Checkpoint): NamedTensors {
  const stateDict = findStateDict(checkpoint.root);
  const out: NamedTensors = new Map();
  for (const [key, value] of stateDict) {
    // Non-tensor entries (e.g. `_extra_state`) carry no weights.
    if (!(value instanceof TorchTensorRef)) continue;
    if (typeof key !== 'string') throw new PthError(`state dict key ${describe(key)} is not a string`);
    // DataParallel / DistributedDataParallel prefix every key with `module.`.
    const name = key.startsWith('module.') ? key.slice('module.'.length) : key;
    if (out.has(name)) throw new PthError(`duplicate tensor '${name}' after stripping 'module.'`);
    out.set(name, materialize(name, value, checkpoint));
  }
  return out;
}

function findStateDict(root: unknown): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new PthError(`checkpoint holds ${describe(root)}, not a state dict`);
  if (hasTensor(root)) return root;
  // Only unwrap when clearly a wrapper: a known key whose value is itself a dict of tensors.
  for (const key of NESTED_STATE_DICT_KEYS) {
    const inner = root.get(key);
    if (inner instanceof Map && hasTensor(inner)) return inner;
  }
  const keys = [...root.keys()].slice(0, 5).map(describe).join(', ');
  throw new PthError(`checkpoint holds no tensors (top-level keys: ${keys || 'none'})`);
}

function hasTensor(dict: Map<unknown, unknown>): boolean {
  for (const value of dict.values()) if (value instanceof TorchTensorRef) return true;
  return false;
}

/**
 * Largest tensor we build from fewer storage elements (a broadcast view with zero strides):
 * without a cap, a tiny file could demand gigabytes.
 */
const MAX_EXPANDED_ELEMENTS = 1 << 24;

function materialize(name: string, t: TorchTensorRef, checkpoint: Checkpoint): HostTensor {
  const { storage } = t;
  const raw = checkpoint.storages.get(storage.key);
  if (!raw) throw new PthError(`tensor '${name}' uses storage '${storage.key}', which has no data`);
  const count = numel(t.size);
  if (count > 0) {
    let last = t.storageOffset;
    for (let d = 0; d < t.size.length; d++) last += (t.size[d] - 1) * t.stride[d];
    if (last >= storage.numel) {
      throw new PthError(`tensor '${name}' (shape [${t.size.join(', ')}]) reaches element ${last} ` +
        `of a storage of ${storage.numel}`);
    }
    if (count > storage.numel && count > MAX_EXPANDED_ELEMENTS) {
      throw new PthError(`tensor '${name}' expands ${storage.numel} stored elements to ${count}`);
    }
  }
  const read = elementReader(storage.dtype, raw, checkpoint.littleEndian);
  const base = storage.elementOffset + t.storageOffset;
  const data = new Float32Array(count);
  if (isContiguous(t.size, t.stride)) {
    if (!copyFloat32Fast(storage.dtype, raw, checkpoint.littleEndian, base, data)) {
      for (let i = 0; i < count; i++) data[i] = read(base + i);
    }
  } else {
    gatherStrided(t.size, t.stride, base, read, data);
  }
  return { shape: [...t.size], data, sourceDtype: storage.dtype };
}

function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d];
  }
  return true;
}

const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 in platform byte order: a plain byte copy, which also keeps NaN payloads exact. */
function copyFloat32Fast(dtype: TorchDType, raw: Uint8Array, littleEndian: boolean, base: number, out: Float32Array): boolean {
  if (dtype !== 'F32' || littleEndian !== PLATFORM_LITTLE_ENDIAN) return false;
  new Uint8Array(out.buffer).set(raw.subarray(base * 4, (base + out.length) * 4));
  return true;
}

/** Walks a strided view in row-major order with an odometer over the indices. */
function gatherStrided(
  size: readonly number[], stride: readonly number[], base: number,
  read: (i: number) => number, out: Float32Array,
): void {
  if (out.length === 0) return;
  const dims = size.length;
  const index = new Array<number>(dims).fill(0);
  let src = base;
  for (let i = 0; i < out.length; i++) {
    out[i] = read(src);
    for (let d = dims - 1; d >= 0; d--) {
      if (++index[d] < size[d]) {
        src += stride[d];
        break;
      }
      src -= (size[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
}

/** A function returning element `i` of a storage, widened to a JS number (rounded to float32 on store). */
function elementReader(dtype: TorchDType, raw: Uint8Array, le: boolean): (i: number) => number {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F64': return (i) => v.getFloat64(i * 8, le);
    case 'F32': return (i) => v.getFloat32(i * 4, le);
    case 'F16': return (i) => halfToFloat(v.getUint16(i * 2, le));
    case 'BF16': return (i) => bfloat16ToFloat(v.getUint16(i * 2, le));
    case 'I64': return (i) => Number(v.getBigInt64(i * 8, le));
    case 'I32': return (i) => v.getInt32(i * 4, le);
    case 'I16': return (i) => v.getInt16(i * 2, le);
    case 'I8': return (i) => v.getInt8(i);
    case 'U8': return (i) => v.getUint8(i);
    case 'BOOL': return (i) => (v.getUint8(i) ? 1 : 0);
    default: throw new PthError(`unsupported storage dtype ${dtype}`);
  }
}
