/**
 * The safetensors format: u64 little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`,
 * then the raw little-endian data. Every header field is checked against the bytes
 * before anything is allocated.
 */
import { SpadeInputError } from '../errors';
import { numel, type HostTensor, type NamedTensors } from './host_tensor';
import { bfloat16ToFloat, floatToHalf, halvesToFloats, floatToBfloat16 } from './half';

const DTYPE_SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

export interface Safetensors {
  tensors: NamedTensors;
  metadata: Record<string, string>;
}

export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

export function readSafetensors(bytes: Uint8Array, fileName: string): Safetensors {
  const fail = (msg: string): never => {
    throw new SpadeInputError(msg, fileName);
  };
  if (bytes.length < 8) fail(`not a safetensors file: ${bytes.length} bytes is shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) fail(`safetensors header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  if (headerLen > BigInt(MAX_HEADER)) fail(`safetensors header of ${headerLen} bytes is larger than ${MAX_HEADER}`);
  const hl = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hl)));
  } catch {
    fail('safetensors header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('safetensors header is not a JSON object');
  const data = bytes.subarray(8 + hl);
  const metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  const tensors: NamedTensors = new Map();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor '${name}': entry is not an object`);
    const size = typeof e.dtype === 'string' ? DTYPE_SIZE[e.dtype] : undefined;
    if (!size) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}': shape is not a list of non-negative integers`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': data_offsets is not [begin, end]`);
    const [begin, end] = off as [number, number];
    if (end < begin || end > data.length) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data (${data.length} bytes)`);
    const count = numel(shape as number[]);
    if (count * size! !== end - begin) fail(`tensor '${name}': ${e.dtype} shape [${shape}] needs ${count * size!} bytes but data_offsets give ${end - begin}`);
    spans.push([begin, end, name]);
    tensors.set(name, {
      shape: [...(shape as number[])],
      data: decode(data, begin, count, e.dtype as string),
      sourceDtype: e.dtype as string,
    });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(`tensors '${spans[i - 1][2]}' and '${spans[i][2]}' overlap in the data section`);
  }
  return { tensors, metadata };
}

function decode(data: Uint8Array, begin: number, count: number, dtype: string): Float32Array {
  if (dtype === 'F16') return halvesToFloats(data, begin, count);
  const dv = new DataView(data.buffer, data.byteOffset + begin, count * DTYPE_SIZE[dtype]);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F32': out[i] = dv.getFloat32(i * 4, true); break;
      case 'F64': out[i] = dv.getFloat64(i * 8, true); break;
      case 'BF16': out[i] = bfloat16ToFloat(dv.getUint16(i * 2, true)); break;
      case 'I64': out[i] = Number(dv.getBigInt64(i * 8, true)); break;
      case 'I32': out[i] = dv.getInt32(i * 4, true); break;
      case 'I16': out[i] = dv.getInt16(i * 2, true); break;
      case 'I8': out[i] = dv.getInt8(i); break;
      default: out[i] = dv.getUint8(i); // U8, BOOL
    }
  }
  return out;
}

export type StorageDtype = 'F32' | 'F16' | 'BF16';

/**
 * Serialises tensors (sorted by name, 8-byte-aligned header as the reference writer does).
 * `dtypeOf` picks each tensor's storage type, so counters and buffers can stay F32
 * while weights go to F16.
 */
export function writeSafetensors(tensors: NamedTensors, metadata: Record<string, string>, dtypeOf: (name: string, t: HostTensor) => StorageDtype = () => 'F32'): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const plan = names.map((name) => {
    const t = tensors.get(name)!;
    const dtype = dtypeOf(name, t);
    const bytes = t.data.length * DTYPE_SIZE[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    const p = { t, dtype, offset };
    offset += bytes;
    return p;
  });
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const pad = new Uint8Array(padded).fill(0x20);
    pad.set(json);
    json = pad;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  const base = 8 + json.length;
  for (const { t, dtype, offset: o } of plan) {
    for (let i = 0; i < t.data.length; i++) {
      if (dtype === 'F32') dv.setFloat32(base + o + i * 4, t.data[i], true);
      else dv.setUint16(base + o + i * 2, dtype === 'F16' ? floatToHalf(t.data[i]) : floatToBfloat16(t.data[i]), true);
    }
  }
  return out;
}
