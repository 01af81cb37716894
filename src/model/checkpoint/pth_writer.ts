/**
 * Writes a state dict as `torch.save(state_dict)` does in PyTorch's zip format:
 * `<archive>/data.pkl` (an OrderedDict of `_rebuild_tensor_v2` calls on persistent storage
 * ids), `<archive>/byteorder`, one `<archive>/data/<key>` entry per storage, `<archive>/version`.
 *
 * Tensors are float32 except those named in `int64Keys` (PyTorch keeps BatchNorm's
 * `num_batches_tracked` as int64). Entries are stored uncompressed, each storage starting at a
 * multiple of 64 bytes in the file, as torch writes them.
 * No Node / DOM / vscode imports: bytes out, so this also runs in a browser.
 */
import { zipSync, type Zippable } from 'fflate';

import type { NamedTensors } from './host_tensor';
import { numel } from './host_tensor';
import { dumps, ORDERED_DICT, PyCall, PyGlobal, PyOrderedDictValue, PyPersistentId, type PickleValue } from './pickle_writer';

/** torch 1.6+ writes this serialization version; every later torch still reads it. */
const ZIP_FORMAT_VERSION = '3\n';

const REBUILD_TENSOR = new PyGlobal('torch._utils', '_rebuild_tensor_v2');
const FLOAT_STORAGE = new PyGlobal('torch', 'FloatStorage');
const LONG_STORAGE = new PyGlobal('torch', 'LongStorage');

export interface PthWriteOptions {
  /** The zip's root folder; torch names it after the file (`latest_net_G`). */
  archiveName?: string;
  /** Keys stored as int64; every other tensor is float32. */
  int64Keys?: (key: string) => boolean;
}

/** The keys PyTorch keeps as int64 in a SPADE state dict. */
export function isInt64Buffer(key: string): boolean {
  return key.endsWith('num_batches_tracked');
}

export function writePth(tensors: NamedTensors, opts: PthWriteOptions = {}): Uint8Array {
  const archive = opts.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(archive)) throw new Error(`pth_writer: archive name '${archive}' is not a plain file name`);
  const isInt64 = opts.int64Keys ?? isInt64Buffer;
  const items: Array<readonly [PickleValue, PickleValue]> = [];
  const storages: Array<[string, Uint8Array]> = [];
  let index = 0;
  for (const [key, t] of tensors) {
    const count = numel(t.shape);
    if (count !== t.data.length) throw new Error(`pth_writer: ${key} has ${t.data.length} values for shape [${t.shape}]`);
    const int64 = isInt64(key);
    const storageKey = String(index++);
    storages.push([storageKey, int64 ? int64Bytes(key, t.data) : float32Bytes(t.data)]);
    const storage = new PyPersistentId(['storage', int64 ? LONG_STORAGE : FLOAT_STORAGE, storageKey, 'cpu', count]);
    const tensor = new PyCall(REBUILD_TENSOR, [
      storage,
      0,
      t.shape,
      contiguousStrides(t.shape),
      false,
      new PyCall(ORDERED_DICT, []),
    ]);
    items.push([key, tensor]);
  }
  const zip = new AlignedZip();
  zip.add(`${archive}/data.pkl`, dumps(new PyOrderedDictValue(items)));
  zip.add(`${archive}/byteorder`, new TextEncoder().encode('little'));
  for (const [storageKey, bytes] of storages) zip.add(`${archive}/data/${storageKey}`, bytes, true);
  zip.add(`${archive}/version`, new TextEncoder().encode(ZIP_FORMAT_VERSION));
  return zip.bytes();
}

/** torch.save starts every storage at a multiple of this in the file (so it can be memory-mapped). */
const STORAGE_ALIGNMENT = 64;
/** The extra-field id torch uses for that padding ('FB'). */
const PADDING_EXTRA_ID = 0x4246;
const LOCAL_HEADER_SIZE = 30;

/**
 * Stored (uncompressed) zip entries, where asked with each entry's data starting at a multiple
 * of STORAGE_ALIGNMENT, padded with an extra field as torch does. fflate lays entries out back
 * to back in the order added: local header, name, extra fields, data.
 */
class AlignedZip {
  private readonly files: Zippable = {};
  private offset = 0;

  add(name: string, data: Uint8Array, aligned = false): void {
    const header = LOCAL_HEADER_SIZE + new TextEncoder().encode(name).length;
    let extra: Record<number, Uint8Array> | undefined;
    if (aligned) {
      const EXTRA_FIELD_HEADER = 4;
      const pad = (STORAGE_ALIGNMENT - ((this.offset + header + EXTRA_FIELD_HEADER) % STORAGE_ALIGNMENT)) % STORAGE_ALIGNMENT;
      extra = { [PADDING_EXTRA_ID]: new Uint8Array(pad).fill(0x5a) };
      this.offset += EXTRA_FIELD_HEADER + pad;
    }
    this.offset += header + data.length;
    // Zip timestamps before 1980 cannot be written; a fixed date keeps exports reproducible.
    this.files[name] = [data, { level: 0, mtime: new Date(Date.UTC(1980, 0, 2)), ...(extra ? { extra } : {}) }];
  }

  bytes(): Uint8Array {
    return zipSync(this.files);
  }
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

function float32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function int64Bytes(key: string, data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isInteger(data[i])) throw new Error(`pth_writer: ${key} holds ${data[i]}, which is not an integer`);
    view.setBigInt64(i * 8, BigInt(data[i]), true);
  }
  return out;
}
